// `stockout` command lines → validated commands. Pure: no I/O, no Temporal. Everything is checked with the
// shared command schemas here, so bad input exits before any connection is made, and errors name the flag.
import { parseArgs, type ParseArgsConfig } from 'node:util';
import type { z } from 'zod';
import { CancelSchema, CustomerAnswerSchema, EtaChangeSchema, PlanDecisionSchema, RestockSchema, ResumeSchema, WithdrawSchema } from '../incident/commands';
import { ListFilterSchema, ManualTriggerSchema, OperationError, resolveIncidentId, type Issue } from '../operations/incident-operations';

export type Command =
  | { name: 'help'; topic?: string }
  | { name: 'start'; trigger: z.output<typeof ManualTriggerSchema> }
  | { name: 'list'; filter: z.output<typeof ListFilterSchema> }
  | { name: 'show' | 'report'; id: string }
  | { name: 'simulate'; id: string; policyFile: string }
  | { name: 'decide'; id: string; decision: z.output<typeof PlanDecisionSchema> }
  | { name: 'restock'; id: string; restock: z.output<typeof RestockSchema> }
  | { name: 'eta'; id: string; change: z.output<typeof EtaChangeSchema> }
  | { name: 'answer'; id: string; answer: z.output<typeof CustomerAnswerSchema> }
  | { name: 'cancel'; id: string; cancel: z.output<typeof CancelSchema> }
  | { name: 'resume'; id: string; resume: z.output<typeof ResumeSchema> }
  | { name: 'withdraw'; id: string; withdraw: z.output<typeof WithdrawSchema> };

export interface Invocation {
  command: Command;
  /** Machine-readable output for scripts. */
  json: boolean;
}

type Options = NonNullable<ParseArgsConfig['options']>;
type Values = Record<string, string | string[] | boolean | undefined>;

interface Spec {
  usage: string;
  /** Takes an incident `<id>` as its only positional argument. */
  id: boolean;
  options: Options;
  /** The validated command from the parsed flags. */
  build(values: Values, id: string): Command;
}

const text = { type: 'string' } as const;

// A string flag given as `--revision 3` becomes a number for the schema; anything else becomes NaN, which the schema refuses.
function num(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  return typeof value === 'string' && value.trim() !== '' ? Number(value) : Number.NaN;
}
const str = (value: unknown) => (typeof value === 'string' ? value : undefined);

/** Validates with a shared schema; issue paths are rewritten from schema fields to the flags people typed. */
function checked<S extends z.ZodType>(schema: S, value: unknown, flags: Record<string, string>): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issues: Issue[] = result.error.issues.map((issue) => {
    const [field, ...rest] = issue.path.map(String);
    const flag = field === undefined ? 'input' : `--${flags[field] ?? field}`;
    return { path: [flag, ...rest].join('.'), message: issue.message };
  });
  throw new OperationError('invalid', issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues);
}

function invalid(path: string, message: string): OperationError {
  return new OperationError('invalid', `${path}: ${message}`, [{ path, message }]);
}

function overrides(values: Values) {
  const given = (values.override as string[] | undefined) ?? [];
  return given.map((entry) => {
    const at = entry.lastIndexOf('=');
    if (at <= 0) throw invalid('--override', `expected lineId=quantity, got "${entry}"`);
    return { lineId: entry.slice(0, at), allocate: num(entry.slice(at + 1)) };
  });
}

const SPECS: Record<string, Spec> = {
  start: {
    usage: 'start --sku SKU --network NETWORK --reason TEXT [--expected-restock YYYY-MM-DD] [--by NAME]',
    id: false,
    options: { sku: text, network: text, reason: text, 'expected-restock': text, by: text },
    build: (v) => ({
      name: 'start',
      trigger: checked(
        ManualTriggerSchema,
        { sku: v.sku, network: v.network, reason: v.reason, expectedRestock: v['expected-restock'], requestedBy: v.by },
        { expectedRestock: 'expected-restock', requestedBy: 'by' },
      ),
    }),
  },
  list: {
    usage: 'list [--stage STAGE] [--severity SEVERITY] [--sku SKU] [--network NETWORK] [--limit N]',
    id: false,
    options: { stage: text, severity: text, sku: text, network: text, limit: text },
    build: (v) => ({
      name: 'list',
      filter: checked(ListFilterSchema, { stage: v.stage, severity: v.severity, sku: v.sku, network: v.network, limit: num(v.limit) }, {}),
    }),
  },
  show: { usage: 'show <id>', id: true, options: {}, build: (_v, id) => ({ name: 'show', id }) },
  report: { usage: 'report <id>', id: true, options: {}, build: (_v, id) => ({ name: 'report', id }) },
  simulate: {
    usage: 'simulate <id> --policy FILE',
    id: true,
    options: { policy: text },
    build: (v, id) => {
      const policyFile = str(v.policy);
      if (!policyFile) throw invalid('--policy', 'required: a policy file (JSON)');
      return { name: 'simulate', id, policyFile };
    },
  },
  approve: {
    usage: 'approve <id> --revision N --by NAME [--override LINE=QTY ...] [--comment TEXT]',
    id: true,
    options: { revision: text, by: text, override: { type: 'string', multiple: true }, comment: text },
    build: (v, id) => ({
      name: 'decide',
      id,
      decision: checked(
        PlanDecisionSchema,
        { decision: 'approve', planRevision: num(v.revision), decidedBy: v.by, overrides: overrides(v), comment: v.comment },
        { planRevision: 'revision', decidedBy: 'by', overrides: 'override' },
      ),
    }),
  },
  reject: {
    usage: 'reject <id> --revision N --reason TEXT --by NAME',
    id: true,
    options: { revision: text, reason: text, by: text },
    build: (v, id) => ({
      name: 'decide',
      id,
      decision: checked(
        PlanDecisionSchema,
        { decision: 'reject', planRevision: num(v.revision), decidedBy: v.by, comment: v.reason },
        { planRevision: 'revision', decidedBy: 'by', comment: 'reason' },
      ),
    }),
  },
  restock: {
    usage: 'restock <id> --receipt ID --quantity N [--location ID] [--po ID]',
    id: true,
    options: { receipt: text, quantity: text, location: text, po: text },
    build: (v, id) => ({
      name: 'restock',
      id,
      restock: checked(
        RestockSchema,
        { receiptId: v.receipt, quantity: num(v.quantity), locationId: v.location, poId: v.po },
        { receiptId: 'receipt', locationId: 'location', poId: 'po' },
      ),
    }),
  },
  eta: {
    usage: 'eta <id> --po ID --eta YYYY-MM-DD [--reason TEXT]',
    id: true,
    options: { po: text, eta: text, reason: text },
    build: (v, id) => ({
      name: 'eta',
      id,
      change: checked(EtaChangeSchema, { poId: v.po, eta: v.eta, reason: v.reason }, { poId: 'po' }),
    }),
  },
  answer: {
    usage: 'answer <id> --customer ID --line ID --answer accept-substitute|cancel|can-wait [--on-hand N] [--daily-usage N]',
    id: true,
    options: { customer: text, line: text, answer: text, 'on-hand': text, 'daily-usage': text },
    build: (v, id) => ({
      name: 'answer',
      id,
      answer: checked(
        CustomerAnswerSchema,
        {
          answer: v.answer,
          // The same answer recorded twice is one answer.
          answerId: `cli:${str(v.customer)}:${str(v.line)}:${str(v.answer)}`,
          customerId: v.customer,
          lineId: v.line,
          ...(v['on-hand'] !== undefined ? { onHand: num(v['on-hand']) } : {}),
          ...(v['daily-usage'] !== undefined ? { dailyUsage: num(v['daily-usage']) } : {}),
        },
        { customerId: 'customer', lineId: 'line', onHand: 'on-hand', dailyUsage: 'daily-usage' },
      ),
    }),
  },
  cancel: {
    usage: 'cancel <id> --reason TEXT --by NAME',
    id: true,
    options: { reason: text, by: text },
    build: (v, id) => ({ name: 'cancel', id, cancel: checked(CancelSchema, { reason: v.reason, cancelledBy: v.by }, { cancelledBy: 'by' }) }),
  },
  resume: {
    usage: 'resume <id> --by NAME [--note TEXT] | resume <id> --withdraw --reason TEXT --by NAME',
    id: true,
    options: { by: text, note: text, withdraw: { type: 'boolean' }, reason: text },
    // --withdraw drops the command whose write parked the incident instead of running it again.
    build: (v, id) => {
      if (v.withdraw) return { name: 'withdraw', id, withdraw: checked(WithdrawSchema, { withdrawnBy: v.by, reason: v.reason }, { withdrawnBy: 'by' }) };
      if (v.reason !== undefined) throw invalid('--reason', 'only with --withdraw; a resume takes --note');
      return { name: 'resume', id, resume: checked(ResumeSchema, { resumedBy: v.by, note: v.note }, { resumedBy: 'by' }) };
    },
  },
};

export function usage(topic?: string): string {
  const spec = topic ? SPECS[topic] : undefined;
  if (spec) return `usage: stockout ${spec.usage} [--json]\n`;
  return [
    'usage: stockout <command> [options] [--json]',
    '',
    'Commands:',
    ...Object.values(SPECS).map((s) => `  ${s.usage}`),
    '',
    '<id> is the incident workflow id (stockout:NETWORK:SKU) or NETWORK:SKU.',
    'Temporal is reached with the same settings as the `temporal` CLI (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles).',
    'Exit codes: 0 ok, 2 bad input, 3 incident not found, 4 refused by the incident, 1 anything else.',
    '',
  ].join('\n');
}

export function parseCommandLine(argv: string[]): Invocation {
  const [name, ...rest] = argv;
  if (name === undefined || name === 'help' || name === '--help' || name === '-h') return { command: { name: 'help', topic: rest[0] }, json: false };
  const spec = SPECS[name];
  if (!spec) throw invalid('command', `unknown command "${name}"; try \`stockout help\``);
  let parsed: { values: Values; positionals: string[] };
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...spec.options, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // node:util names the flag in its message ("Unknown option '--x'", "Option '--sku <value>' argument missing").
    throw invalid(name, error instanceof Error ? error.message : String(error));
  }
  const { values, positionals } = parsed;
  const json = values.json === true;
  if (values.help) return { command: { name: 'help', topic: name }, json };
  const expected = spec.id ? 1 : 0;
  if (positionals.length < expected) throw invalid('<id>', 'required: the incident workflow id or NETWORK:SKU');
  if (positionals.length > expected) throw invalid(name, `unexpected argument "${positionals[expected]}"`);
  const id = spec.id ? resolveIncidentId(positionals[0]!) : '';
  return { command: spec.build(values, id), json };
}
