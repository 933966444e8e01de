// `stockout` command lines → validated commands, or the help and version text to print. Pure: no I/O, no
// Temporal. Commander reads the flags and writes the help into a string; every value is then checked with the
// shared command schemas here, so bad input exits before any connection is made, and errors name the flag.
import { Command as Program, CommanderError, Option, type Help } from 'commander';
import type { z } from 'zod';
import packageJson from '../../package.json' with { type: 'json' };
import { CancelSchema, CustomerAnswerSchema, EtaChangeSchema, PlanDecisionSchema, PlanPreviewSchema, RestockSchema, ResumeSchema, WithdrawSchema } from '../incident/commands';
import { ANSWER_KIND_NAMES } from '../incident/answer-kinds';
import { PLAN_LINE_OUTCOMES } from '../plan-view/lines';
import { PLAN_SORTS } from '../plan-view/pages';
import { ListFilterSchema, ManualTriggerSchema, OperationError, PlanLinesRequestSchema, resolveIncidentId } from '../operations/incident-operations';
import { describeIssues, issuesOf, type Issue } from '../validation/issues';

export type Command =
  | { name: 'start'; trigger: z.output<typeof ManualTriggerSchema> }
  | { name: 'list'; filter: z.output<typeof ListFilterSchema> }
  | { name: 'show' | 'report'; id: string }
  | { name: 'simulate'; id: string; policyFile: string }
  | { name: 'preview'; id: string; preview: z.output<typeof PlanPreviewSchema> }
  | { name: 'plan'; id: string; query: z.output<typeof PlanLinesRequestSchema> }
  | { name: 'decide'; id: string; decision: z.output<typeof PlanDecisionSchema> }
  | { name: 'restock'; id: string; restock: z.output<typeof RestockSchema> }
  | { name: 'eta'; id: string; change: z.output<typeof EtaChangeSchema> }
  | { name: 'answer'; id: string; answer: z.output<typeof CustomerAnswerSchema> }
  | { name: 'cancel'; id: string; cancel: z.output<typeof CancelSchema> }
  | { name: 'resume'; id: string; resume: z.output<typeof ResumeSchema> }
  | { name: 'withdraw'; id: string; withdraw: z.output<typeof WithdrawSchema> };

/** What a command line asks for; `json` (machine-readable output for scripts) holds even when it is refused. */
export type Invocation = { json: boolean } & (
  | { kind: 'run'; command: Command }
  /** Help or the version: printed on stdout, nothing runs. */
  | { kind: 'print'; text: string }
  | { kind: 'invalid'; error: OperationError }
);

type Values = Record<string, string | string[] | boolean | undefined>;

interface Spec {
  description: string;
  /** What follows the command name in its usage line. */
  usage: string;
  /** Takes an incident `<id>` as its only positional argument. */
  id: boolean;
  options: Option[];
  /** One command line, without `stockout`. */
  example: string;
  /** The validated command from the parsed flags. */
  build(values: Values, id: string): Command;
}

const flag = (flags: string, description: string) => new Option(flags, description);
// Given once per value: `--override L1=5 --override L2=0`.
const repeatable = (flags: string, description: string) =>
  new Option(flags, description).argParser((value: string, previous: string[] | undefined) => [...(previous ?? []), value]);

function refused(issues: Issue[]): OperationError {
  return new OperationError('invalid', describeIssues(issues), issues);
}
const invalid = (path: string, message: string) => refused([{ path, message }]);

/** Validates with a shared schema; issue paths are rewritten from schema fields to the flags people typed. */
function checked<S extends z.ZodType>(schema: S, value: unknown, root: string, flags: Record<string, string> = {}): z.output<S> {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const flagOf = (field: string) => flags[field] ?? field;
  throw refused(issuesOf(result.error, root, (field) => `--${flagOf(field)}`));
}

// Decimal digits only: Number() would read "0x10" as 16, "1e3" as 1000 and "" as 0. The sign is read so that
// the schema, the one home of each range, says why a negative number does not fit.
const WHOLE = /^-?[0-9]+$/;
const DECIMAL = /^-?[0-9]+(\.[0-9]+)?$/;

function numberFlag(value: Values[string], name: string, notation: RegExp = WHOLE): number | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string' || !notation.test(value)) {
    throw invalid(`--${name}`, `expected ${notation === WHOLE ? 'a whole number' : 'a number'} in decimal digits, got "${String(value)}"`);
  }
  return Number(value);
}
const text = (value: Values[string]) => (typeof value === 'string' ? value : undefined);

function overrides(values: Values) {
  const reasons = (values.why as string[] | undefined) ?? [];
  const pins = ((values.override as string[] | undefined) ?? []).map((entry) => {
    const at = entry.lastIndexOf('=');
    const quantity = entry.slice(at + 1);
    if (at <= 0 || !WHOLE.test(quantity)) throw invalid('--override', `expected LINE=QTY with QTY in decimal digits, got "${entry}"`);
    const lineId = entry.slice(0, at);
    // Line ids may hold "=": a reason belongs to the overridden line its text starts with.
    const reason = reasons.find((r) => r.startsWith(`${lineId}=`))?.slice(lineId.length + 1);
    return { lineId, allocate: Number(quantity), ...(reason !== undefined ? { reason } : {}) };
  });
  for (const reason of reasons) {
    if (!pins.some((p) => reason.startsWith(`${p.lineId}=`))) throw invalid('--why', `expected LINE=TEXT for a line given with --override, got "${reason}"`);
  }
  return pins;
}

const listOf = (values: readonly string[]) => values.join(', ');
const DEFAULT_LIMIT = ListFilterSchema.parse({}).limit;

const SPECS: Record<string, Spec> = {
  start: {
    description: 'Open an incident for a SKU short in a network, or attach the trigger to the one already running',
    usage: '--sku SKU --network NETWORK --reason TEXT [--expected-restock YYYY-MM-DD] [--by NAME]',
    id: false,
    options: [
      flag('--sku <sku>', 'the SKU that is short'),
      flag('--network <network>', 'the distribution network (hub and spokes) it is short in'),
      flag('--reason <text>', 'why, as the timeline and the planner will read it'),
      flag('--expected-restock <date>', 'when supply is expected back (YYYY-MM-DD), if known'),
      flag('--by <name>', 'who starts it'),
    ],
    example: 'start --sku SKU-1042 --network EU --reason "supplier fire" --expected-restock 2025-04-01 --by pat',
    build: (v) => ({
      name: 'start',
      trigger: checked(
        ManualTriggerSchema,
        { sku: v.sku, network: v.network, reason: v.reason, expectedRestock: v.expectedRestock, requestedBy: v.by },
        'start',
        { expectedRestock: 'expected-restock', requestedBy: 'by' },
      ),
    }),
  },
  list: {
    description: 'List incidents, optionally only those in a stage, of a severity, SKU or network, running or ended',
    usage: '[--stage STAGE] [--severity SEVERITY] [--sku SKU] [--network NETWORK] [--status running|ended] [--limit N]',
    id: false,
    options: [
      flag('--stage <stage>', `only incidents in this stage: ${listOf(ListFilterSchema.shape.stage.unwrap().options)}`),
      flag('--severity <severity>', `only incidents of this severity: ${listOf(ListFilterSchema.shape.severity.unwrap().options)}`),
      flag('--sku <sku>', 'only incidents for this SKU'),
      flag('--network <network>', 'only incidents in this network'),
      flag('--status <status>', `only running or only ended incidents: ${listOf(ListFilterSchema.shape.status.unwrap().options)}`),
      flag('--limit <n>', `at most this many incidents (default ${DEFAULT_LIMIT})`),
    ],
    example: 'list --stage awaiting-approval --network EU',
    build: (v) => ({
      name: 'list',
      filter: checked(ListFilterSchema, { stage: v.stage, severity: v.severity, sku: v.sku, network: v.network, status: v.status, limit: numberFlag(v.limit, 'limit') }, 'list'),
    }),
  },
  show: {
    description: 'Show an incident: stage, impact, pooling, the plan per relationship stage, approval, backorders, timeline',
    usage: '<id>',
    id: true,
    options: [],
    example: 'show EU:SKU-1042',
    build: (_v, id) => ({ name: 'show', id }),
  },
  report: {
    description: 'Show the report of an ended incident: fill rate at commit and final per stage, revenue, recommendations',
    usage: '<id>',
    id: true,
    options: [],
    example: 'report stockout:EU:SKU-1042',
    build: (_v, id) => ({ name: 'report', id }),
  },
  simulate: {
    description:
      'What-if: compare the current plan with the one another allocation policy would make; or preview overrides: the plan they make, stored as a revision to approve, with its impact per stage and customer. Commits nothing',
    usage: '<id> --policy FILE | <id> --revision N --by NAME --override LINE=QTY ... [--why LINE=TEXT ...]',
    id: true,
    options: [
      flag('--policy <file>', 'a JSON policy file: the fields it changes from the default policy (src/allocation/policy.ts)'),
      flag('--revision <n>', 'with --override: the plan revision the overrides change (see `show`; a preview of it too)'),
      flag('--by <name>', 'with --override: who previews'),
      repeatable('--override <line=qty>', 'allocate QTY units to order line LINE (see `plan` for line ids); repeat for more lines'),
      repeatable('--why <line=text>', 'why LINE is overridden; required for a line the override lowers'),
    ],
    example: 'simulate EU:SKU-1042 --revision 0 --by pat --override L-00000042=40 --override L-00000007=0 --why "L-00000007=customer holds stock"',
    build: (v, id) => {
      const policyFile = text(v.policy);
      if (policyFile && v.override) throw invalid('--policy', 'a what-if takes a policy, a preview takes overrides: give one of them');
      if (policyFile) return { name: 'simulate', id, policyFile };
      if (!v.override) throw invalid('--policy', 'required: a policy file (JSON), or --override LINE=QTY to preview overrides');
      return {
        name: 'preview',
        id,
        preview: checked(
          PlanPreviewSchema,
          { planRevision: numberFlag(v.revision, 'revision'), previewedBy: v.by, overrides: overrides(v) },
          'simulate',
          { planRevision: 'revision', previewedBy: 'by', overrides: 'override' },
        ),
      };
    },
  },
  plan: {
    description: 'The plan line by line: who gets what, what each line held before, its priority position and why, filtered and paged',
    usage: '<id> [--customer C] [--stage S] [--reason CODE] [--outcome O] [--revision N | --simulation ID] [--sort S] [--limit N] [--cursor C]',
    id: true,
    options: [
      flag('--customer <text>', 'only customers whose id or name contains this (any case)'),
      flag('--stage <stage>', 'only customers in this relationship stage'),
      flag('--reason <code>', 'only lines with this reason code (see --json for the codes with their words)'),
      flag('--outcome <outcome>', `only lines served so: ${listOf(PLAN_LINE_OUTCOMES)}`),
      flag('--revision <n>', 'this plan revision (default: the current plan), a preview too'),
      flag('--simulation <id>', 'the what-if plan of this simulation (its id is printed by `simulate --policy`)'),
      flag('--sort <order>', `${listOf(PLAN_SORTS)} (default priority)`),
      flag('--limit <n>', 'lines per page (default 100)'),
      flag('--cursor <cursor>', 'the next page: the cursor the page before printed'),
    ],
    example: 'plan EU:SKU-1042 --stage integrated --outcome nothing',
    build: (v, id) => ({
      name: 'plan',
      id,
      query: checked(
        PlanLinesRequestSchema,
        {
          customer: v.customer,
          stage: v.stage,
          reason: v.reason,
          outcome: v.outcome,
          revision: numberFlag(v.revision, 'revision'),
          simulation: v.simulation,
          sort: v.sort,
          limit: numberFlag(v.limit, 'limit'),
          cursor: v.cursor,
        },
        'plan',
      ),
    }),
  },
  approve: {
    description: 'Approve the plan awaiting approval, or a preview of it you saw (`simulate --override` makes one), by its revision',
    usage: '<id> --revision N --by NAME [--override LINE=QTY ... --approve-revised] [--comment TEXT]',
    id: true,
    options: [
      flag('--revision <n>', 'the plan revision you reviewed (see `show`), or the preview revision `simulate --override` printed; the incident refuses a decision for any other'),
      flag('--by <name>', 'who approves'),
      repeatable('--override <line=qty>', 'allocate QTY units to order line LINE instead of what the plan gives it; repeat for more lines (with --approve-revised)'),
      repeatable('--why <line=text>', 'why LINE is overridden'),
      flag('--approve-revised', 'approve the plan the overrides make without previewing it (otherwise the incident refuses overrides here)'),
      flag('--comment <text>', 'a note kept with the decision'),
    ],
    example: 'approve EU:SKU-1042 --revision 2 --by pat --comment "key account"',
    build: (v, id) => ({
      name: 'decide',
      id,
      decision: checked(
        PlanDecisionSchema,
        {
          decision: 'approve',
          planRevision: numberFlag(v.revision, 'revision'),
          decidedBy: v.by,
          overrides: overrides(v),
          comment: v.comment,
          ...(v.approveRevised ? { approveRevisedPlan: true } : {}),
        },
        'approve',
        { planRevision: 'revision', decidedBy: 'by', overrides: 'override' },
      ),
    }),
  },
  reject: {
    description: 'Reject the plan awaiting approval; the incident keeps waiting for a decision',
    usage: '<id> --revision N --reason TEXT --by NAME',
    id: true,
    options: [
      flag('--revision <n>', 'the plan revision you reviewed (see `show`); the incident refuses a decision for any other'),
      flag('--reason <text>', 'why, kept with the decision'),
      flag('--by <name>', 'who rejects'),
    ],
    example: 'reject EU:SKU-1042 --revision 2 --reason "too generous to the big account" --by pat',
    build: (v, id) => ({
      name: 'decide',
      id,
      decision: checked(
        PlanDecisionSchema,
        { decision: 'reject', planRevision: numberFlag(v.revision, 'revision'), decidedBy: v.by, comment: v.reason },
        'reject',
        { planRevision: 'revision', decidedBy: 'by', comment: 'reason' },
      ),
    }),
  },
  restock: {
    description: 'Record goods received for the SKU: they go to the open backorders',
    usage: '<id> --receipt ID --quantity N [--location ID] [--po ID]',
    id: true,
    options: [
      flag('--receipt <id>', 'the goods receipt; recording the same receipt twice is one restock'),
      flag('--quantity <n>', 'units received (a whole number)'),
      flag('--location <id>', 'where they were received (default: the hub)'),
      flag('--po <id>', 'the purchase order they arrived on'),
      flag('--by <name>', 'who records it'),
    ],
    example: 'restock EU:SKU-1042 --receipt GR-1001 --quantity 500 --po PO-000017',
    build: (v, id) => ({
      name: 'restock',
      id,
      restock: checked(
        RestockSchema,
        { receiptId: v.receipt, quantity: numberFlag(v.quantity, 'quantity'), locationId: v.location, poId: v.po, recordedBy: v.by },
        'restock',
        { receiptId: 'receipt', locationId: 'location', poId: 'po', recordedBy: 'by' },
      ),
    }),
  },
  eta: {
    description: 'Record a new ETA for an inbound purchase order; customers with open backorders are told',
    usage: '<id> --po ID --eta YYYY-MM-DD [--reason TEXT]',
    id: true,
    options: [
      flag('--po <id>', 'the purchase order'),
      flag('--eta <date>', 'its new arrival date (YYYY-MM-DD)'),
      flag('--reason <text>', 'why it moved'),
      flag('--by <name>', 'who records it'),
    ],
    example: 'eta EU:SKU-1042 --po PO-000017 --eta 2025-04-15 --reason "port congestion"',
    build: (v, id) => ({
      name: 'eta',
      id,
      change: checked(EtaChangeSchema, { poId: v.po, eta: v.eta, reason: v.reason, recordedBy: v.by }, 'eta', { poId: 'po', recordedBy: 'by' }),
    }),
  },
  answer: {
    description: "Record a customer's answer about a backordered line, as taken by phone or email",
    usage: `<id> --customer ID --line ID --answer ${ANSWER_KIND_NAMES.join('|')} [--on-hand N] [--daily-usage N]`,
    id: true,
    options: [
      flag('--customer <id>', 'the customer'),
      flag('--line <id>', 'their order line'),
      flag('--answer <answer>', `what they chose: ${listOf(CustomerAnswerSchema.options.map((o) => o.shape.answer.value))}`),
      flag('--on-hand <n>', 'with can-wait: units the customer still holds (a whole number)'),
      flag('--daily-usage <n>', 'with can-wait: units the customer uses a day (decimals allowed)'),
    ],
    example: 'answer EU:SKU-1042 --customer CUST-000042 --line L-00000042 --answer can-wait --on-hand 40 --daily-usage 2.5',
    build: (v, id) => ({
      name: 'answer',
      id,
      answer: checked(
        CustomerAnswerSchema,
        {
          answer: v.answer,
          // The same answer recorded twice is one answer.
          answerId: `cli:${text(v.customer)}:${text(v.line)}:${text(v.answer)}`,
          customerId: v.customer,
          lineId: v.line,
          onHand: numberFlag(v.onHand, 'on-hand'),
          dailyUsage: numberFlag(v.dailyUsage, 'daily-usage', DECIMAL),
        },
        'answer',
        { customerId: 'customer', lineId: 'line', onHand: 'on-hand', dailyUsage: 'daily-usage' },
      ),
    }),
  },
  cancel: {
    description: 'Cancel the incident: orders are left as they were (reservations released, backorders withdrawn, unshipped transfers cancelled) and customers who heard are told',
    usage: '<id> --reason TEXT --by NAME',
    id: true,
    options: [flag('--reason <text>', 'why, as the customers and the report will read it'), flag('--by <name>', 'who cancels')],
    example: 'cancel EU:SKU-1042 --reason "false alarm: stock count corrected" --by pat',
    build: (v, id) => ({ name: 'cancel', id, cancel: checked(CancelSchema, { reason: v.reason, cancelledBy: v.by }, 'cancel', { cancelledBy: 'by' }) }),
  },
  resume: {
    description:
      'Resume an incident parked in needs-attention, once the cause is fixed: the failed stage runs again; or, with --withdraw, drop the restock, ETA change or answer whose write parked it',
    usage: '<id> --by NAME [--note TEXT] | <id> --withdraw --reason TEXT --by NAME',
    id: true,
    options: [
      flag('--by <name>', 'who resumes or withdraws'),
      flag('--note <text>', 'what was fixed, kept in the timeline'),
      flag('--withdraw', 'drop the command that parked the incident instead of running it again'),
      flag('--reason <text>', 'with --withdraw: why the command is dropped, kept in the timeline'),
    ],
    example: 'resume EU:SKU-1042 --by pat --note "CRM credentials renewed"',
    build: (v, id) => {
      if (v.withdraw === true) {
        return { name: 'withdraw', id, withdraw: checked(WithdrawSchema, { withdrawnBy: v.by, reason: v.reason }, 'withdraw', { withdrawnBy: 'by' }) };
      }
      if (v.reason !== undefined) throw invalid('--reason', 'only with --withdraw; a resume takes --note');
      return { name: 'resume', id, resume: checked(ResumeSchema, { resumedBy: v.by, note: v.note }, 'resume', { resumedBy: 'by' }) };
    },
  },
};

const NOTES = `
<id> is the incident workflow id (stockout:NETWORK:SKU) or NETWORK:SKU.
Temporal is reached with the same settings as the \`temporal\` CLI (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, profiles).
Exit codes: 0 ok, 2 bad input (the flag is named), 3 incident not found, 4 refused by the incident, 1 anything else.
`;

// The command list gives each command's usage line with its description below: usages are too wide for a column.
const HELP_LAYOUT: Partial<Help> = {
  showGlobalOptions: true,
  subcommandTerm(this: Help, command: Program) {
    const description = this.boxWrap(command.description(), (this.helpWidth ?? 80) - 6).replace(/^/gm, '      ');
    return `${command.name()} ${command.usage()}\n${description}`;
  },
  subcommandDescription: () => '',
  // Nor may the usages widen the column of the options.
  longestSubcommandTermLength: () => 0,
};

/** The commander program for one parse: it keeps the parsed values, so each command line gets its own. */
function program(output: { text: string }, parsed: { command?: Command; at: string }): Program {
  const root = new Program('stockout')
    .description('Start, watch and steer stockout incidents from a terminal or a script.')
    .usage('<command> [options]')
    .version(packageJson.version, '-V, --version', 'print the version')
    .option('--json', 'machine-readable output: results as JSON on stdout, errors as {"error", "issues"} on stderr')
    .helpOption('-h, --help', 'show help for the command')
    .helpCommand('help [command]', 'show help for a command')
    // Before the subcommands, which copy these settings: commander throws instead of exiting, writes into a
    // string, and prints nothing of its own errors (run() prints them, as text or JSON).
    .exitOverride()
    .configureOutput({ writeOut: (text) => (output.text += text), writeErr: () => {}, outputError: () => {} })
    .configureHelp(HELP_LAYOUT)
    .addHelpText('after', NOTES)
    .hook('preSubcommand', (_root, command) => {
      parsed.at = command.name();
    });
  for (const [name, spec] of Object.entries(SPECS)) {
    const command = root
      .command(name)
      .description(spec.description)
      .usage(spec.usage)
      // Checked in the action, which names the extra argument.
      .allowExcessArguments()
      .addHelpText('after', `\nExample:\n  $ stockout ${spec.example}\n`);
    if (spec.id) command.argument('<id>', 'the incident: its workflow id stockout:NETWORK:SKU, or NETWORK:SKU');
    for (const option of spec.options) command.addOption(option);
    command.action(() => {
      const expected = spec.id ? 1 : 0;
      if (command.args.length > expected) throw invalid(name, `unexpected argument "${command.args[expected]}"`);
      parsed.command = spec.build(command.opts<Values>(), spec.id ? resolveIncidentId(command.args[0]!) : '');
    });
  }
  return root;
}

/** Commander's refusals as the CLI's: the command (or `stockout`) as the path, commander's words as the message. */
function fromCommander(error: CommanderError, at: string): OperationError {
  switch (error.code) {
    case 'commander.missingArgument':
      return invalid('<id>', 'required: the incident workflow id or NETWORK:SKU');
    // No command, or `help` for an unknown one: commander would print the help to stderr.
    case 'commander.help':
      return invalid('<command>', `expected one of ${listOf(Object.keys(SPECS))}; see \`stockout help\``);
    default:
      return invalid(at, error.message.replace(/^error: /, ''));
  }
}

export function parseCommandLine(argv: string[]): Invocation {
  const output = { text: '' };
  const parsed: { command?: Command; at: string } = { at: 'stockout' };
  const root = program(output, parsed);
  try {
    // A bare `stockout` shows the help.
    root.parse(argv.length > 0 ? argv : ['help'], { from: 'user' });
  } catch (error) {
    const json = root.opts().json === true;
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? { json, kind: 'print', text: output.text } : { json, kind: 'invalid', error: fromCommander(error, parsed.at) };
    }
    if (error instanceof OperationError) return { json, kind: 'invalid', error };
    throw error;
  }
  // Every command has an action; without one commander has already refused the command line.
  return { json: root.opts().json === true, kind: 'run', command: parsed.command! };
}
