// The `stockout` CLI: operators start, watch and steer incidents from a terminal or a script. It talks to
// Temporal directly with the same settings as the `temporal` CLI. Exit codes: 0 ok, 2 bad input (the
// message names the flag), 3 incident not found, 4 refused by the incident, 1 anything else.
import { pathToFileURL } from 'node:url';
import { LOCAL_TARGET, type Client } from '@temporalio/client';
import { loadPolicyFile } from '../config/policy-file';
import { manualTrigger, OperationError, operationsFromConfig, type CommandResult, type IncidentOperations } from '../operations/incident-operations';
import { loadConfig } from '../config/env';
import { openExistingStore } from '../incident-store/configured-store';
import type { IncidentStore } from '../incident-store/store';
import { createInventoryClient } from '../inventory/http-client';
import { closeHttpConnections } from '../http/client';
import { connectClient, TemporalUnreachableError } from '../temporal/connection';
import { tracingFromConfig, type Tracing } from '../telemetry/tracing';
import { describeIssues } from '../validation/issues';
import { parseCommandLine, type Command } from './args';
import { formatComparison, formatList, formatPlanLines, formatPreview, formatReport, formatState } from './format';

export interface Output {
  write(text: string): unknown;
}

export interface CliDeps {
  /** The operations, or how to get them: only called once the command line is valid. */
  operations: IncidentOperations | (() => Promise<IncidentOperations>);
  stdout: Output;
  stderr?: Output;
  /** Reads and validates a policy file for `simulate`. */
  loadPolicy?: (path: string) => unknown;
}

export const EXIT = { ok: 0, failed: 1, invalid: 2, notFound: 3, rejected: 4 } as const;

const EXIT_BY_KIND: Record<OperationError['kind'], number> = {
  invalid: EXIT.invalid,
  'not-found': EXIT.notFound,
  rejected: EXIT.rejected,
  unavailable: EXIT.failed,
};

/** Runs one command line and returns the exit code; never throws. */
export async function run(argv: string[], deps: CliDeps): Promise<number> {
  const stderr = deps.stderr ?? deps.stdout;
  let json = false;
  try {
    const invocation = parseCommandLine(argv);
    json = invocation.json;
    if (invocation.kind === 'print') {
      deps.stdout.write(invocation.text);
      return EXIT.ok;
    }
    if (invocation.kind === 'invalid') return failed(stderr, invocation.error, json);
    const { command } = invocation;
    const policy = command.name === 'simulate' ? await readPolicy(command.policyFile, deps.loadPolicy ?? loadPolicyFile) : undefined;
    const operations = typeof deps.operations === 'function' ? await deps.operations() : deps.operations;
    const { data, text } = await execute(operations, command, policy);
    deps.stdout.write(`${json ? JSON.stringify(data, null, 2) : text}\n`);
    return EXIT.ok;
  } catch (error) {
    return failed(stderr, error, json);
  }
}

/** Says what went wrong, as text for people or one line of JSON for scripts, and returns the exit code. */
function failed(stderr: Output, error: unknown, json: boolean): number {
  const known = error instanceof OperationError ? error : undefined;
  const message = error instanceof Error ? error.message : String(error);
  stderr.write(json ? `${JSON.stringify({ error: message, issues: known?.issues ?? [] })}\n` : `error: ${message}\n`);
  return known ? EXIT_BY_KIND[known.kind] : EXIT.failed;
}

async function readPolicy(path: string, load: (path: string) => unknown): Promise<unknown> {
  try {
    return await load(path);
  } catch (error) {
    const issues = [{ path: '--policy', message: error instanceof Error ? error.message : String(error) }];
    throw new OperationError('invalid', describeIssues(issues), issues);
  }
}

async function execute(ops: IncidentOperations, command: Command, policy: unknown): Promise<{ data: unknown; text: string }> {
  if (isSimple(command)) {
    const result = await simpleCommand(ops, command);
    return { data: result, text: `${result.workflowId}: ${result.message}` };
  }
  switch (command.name) {
    case 'start': {
      const started = await ops.trigger(manualTrigger(command.trigger));
      const what = started.alreadyRecorded ? 'Already recorded by the ended' : started.started ? 'Started' : 'Attached to running';
      return { data: started, text: `${what} incident ${started.workflowId}` };
    }
    case 'list': {
      const items = await ops.list(command.filter);
      return { data: items, text: formatList(items) };
    }
    case 'show': {
      const state = await ops.show(command.id);
      return { data: state, text: formatState(state) };
    }
    case 'simulate': {
      const comparison = await ops.simulate(command.id, policy);
      return { data: comparison, text: formatComparison(comparison, command.id) };
    }
    case 'preview': {
      const preview = await ops.previewOverrides(command.id, command.preview);
      return { data: preview, text: formatPreview(preview, command.id) };
    }
    case 'plan': {
      const page = await ops.plan(command.id, command.query);
      return { data: page, text: formatPlanLines(page, command.id) };
    }
    case 'decide': {
      const approval = await ops.decide(command.id, command.decision);
      return { data: approval, text: `Plan ${approval.status}${approval.decidedBy ? ` by ${approval.decidedBy}` : ''}` };
    }
    case 'report': {
      const view = await ops.report(command.id);
      return { data: view, text: formatReport(view) };
    }
  }
}

type SimpleCommand = Extract<Command, { name: 'restock' | 'eta' | 'answer' | 'cancel' | 'resume' | 'withdraw' }>;

/** Commands that hand their input to one operation and print its message. */
const SIMPLE: { [N in SimpleCommand['name']]: (ops: IncidentOperations, command: Extract<SimpleCommand, { name: N }>) => Promise<CommandResult> } = {
  restock: (ops, c) => ops.restock(c.id, c.restock),
  eta: (ops, c) => ops.changeEta(c.id, c.change),
  answer: (ops, c) => ops.answer(c.id, c.answer),
  cancel: (ops, c) => ops.cancel(c.id, c.cancel),
  resume: (ops, c) => ops.resume(c.id, c.resume),
  withdraw: (ops, c) => ops.withdraw(c.id, c.withdraw),
};

const isSimple = (command: Command): command is SimpleCommand => Object.hasOwn(SIMPLE, command.name);
// TypeScript does not correlate the command's name with its entry: the table's type does.
const simpleCommand = (ops: IncidentOperations, command: SimpleCommand) => (SIMPLE[command.name] as (ops: IncidentOperations, command: SimpleCommand) => Promise<CommandResult>)(ops, command);

/** Where the address came from and how to get a server there: the SDK only says "Failed to connect before the deadline". */
function unreachable(error: TemporalUnreachableError): OperationError {
  const { address, namespace } = error.target;
  // envconfig: TEMPORAL_ADDRESS over the temporal.toml profile over the SDK's default.
  const source = process.env.TEMPORAL_ADDRESS !== undefined
    ? 'set by TEMPORAL_ADDRESS'
    : address === LOCAL_TARGET
      ? 'the default: neither TEMPORAL_ADDRESS nor a temporal.toml profile sets one'
      : 'set by the temporal.toml profile';
  const reason = error.cause instanceof Error ? error.cause.message : String(error.cause);
  return new OperationError(
    'unavailable',
    `cannot reach Temporal at ${address} (${source}; namespace ${namespace}): ${reason}. ` +
      'Start a local server with `npm start -- --serve`, or set TEMPORAL_ADDRESS to one that runs.',
  );
}

/** The real thing: environment configuration, a Temporal connection, the shared incident store if present. */
export async function main(argv: string[] = process.argv.slice(2)): Promise<number> {
  let client: Client | undefined;
  let store: IncidentStore | undefined;
  let tracing: Tracing | undefined;
  try {
    return await run(argv, {
      operations: async () => {
        const config = loadConfig();
        const buildOperations = operationsFromConfig(config);
        // Only an existing store: the CLI must not create an empty one next to the worker's.
        store = await openExistingStore(config);
        tracing = tracingFromConfig(config, 'cli');
        client = await connectClient(undefined, tracing).catch((error: unknown) => {
          throw error instanceof TemporalUnreachableError ? unreachable(error) : error;
        });
        // The inventory system tells a mistyped SKU before an incident starts for it.
        const inventory = createInventoryClient({ baseUrl: config.INVENTORY_URL, timeoutMs: config.SYSTEMS_TIMEOUT_MS });
        return buildOperations({ client, store, inventory });
      },
      stdout: process.stdout,
      stderr: process.stderr,
    });
  } finally {
    await store?.close();
    await client?.connection.close();
    await closeHttpConnections();
    // A command's spans are sent before the process exits.
    await tracing?.shutdown();
  }
}

if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  process.exitCode = await main();
}
