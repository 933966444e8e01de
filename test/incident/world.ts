// A whole test world for incident scenarios: the reference inventory/CRM service over real HTTP with its
// SQLite database, a real SMTP sink, the incident store, and a worker on the shared time-skipping server.
import { Client, WorkflowUpdateFailedError, type WorkflowExecutionDescription, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { DataConverter } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { expect } from 'vitest';
import { createActivities, type ActivityDeps } from '../../activities';
import { DEFAULT_POLICY, parsePolicy, type Policy, type PolicyInput } from '../../src/allocation/policy';
import type { HttpClientOptions } from '../../src/http/client';
import { generateDataset, PRESETS, type GenerateOptions } from '../../src/dataset/generate';
import type { Trigger } from '../../src/incident/commands';
import { incidentWorkflowId, type IncidentStage, type IncidentState } from '../../src/incident/state';
import { STAGE } from '../../src/temporal/search-attributes';
import type { IncidentStore } from '../../src/incident-store/store';
import type { SmtpSink } from '../../src/embedded/smtp-sink';
import type { FaultsInput } from '../../src/reference-service/faults';
import { startReferenceService, type ReferenceService } from '../../src/reference-service/service';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import { tracedClientOptions, type Tracing } from '../../src/telemetry/tracing';
import { stateQuery } from '../../workflows/definitions';
import { stockoutIncident } from '../../workflows/incident';
import { createIncidentWorker, mailActivities, mailWorkerOptions, WorkerPair } from '../../workers/incident-worker';
import { referenceClients, testActivityDeps } from '../harness/activity-deps';
import { createTestWorker, uniqueTaskQueue } from '../harness/temporal';

const { EventType } = proto.temporal.api.enums.v1;

export const SHORT_SKU = 'SKU-DEMO-1';
export const COVERED_SKU = 'SKU-0001';

export interface World {
  env: TestWorkflowEnvironment;
  network: string;
  deps: ActivityDeps;
  store: IncidentStore;
  sink: SmtpSink;
  service: ReferenceService;
  taskQueue: string;
  /** The incident queue's worker and the mail queue's, run together. */
  worker: WorkerPair;
  /** Starts and steers this world's incidents (with its payload encryption, if any). */
  client: Client;
  /** Incidents this world started: whatever a failed test leaves running is terminated on close. */
  handles: WorkflowHandle[];
  close(): Promise<void>;
}

let worlds = 0;

/** A fresh world with the demo dataset in its own network, so scenarios never share an incident id. */
export async function createWorld(
  env: TestWorkflowEnvironment,
  options: {
    rejectRecipients?: (rcpt: string) => boolean;
    deferRecipients?: (rcpt: string) => boolean;
    workerActivities?: (deps: ActivityDeps) => object;
    /** Changes to the demo data set, e.g. more short SKUs. */
    dataset?: Partial<GenerateOptions>;
    /** An incident store file, for a world shared with a worker in another process. */
    storeFile?: string;
    /** The inventory/CRM service's clock, e.g. to follow the time-skipping server's. */
    clock?: () => Date;
    /** Payload encryption for this world's worker and client. */
    dataConverter?: DataConverter;
    /** Faults the inventory/CRM service injects from the start (503s, latency, hangs). */
    faults?: FaultsInput;
    /** How the activities' HTTP clients time out and resend (as the worker's config sets them). */
    systems?: Omit<HttpClientOptions, 'baseUrl'>;
    /**
     * OpenTelemetry tracing for the world's client and worker, wired as the product wires it: the worker is then
     * the product's own (workers/incident-worker.ts), with the real activities, bundling the workflows with the
     * tracing interceptors itself (the run's pre-built bundle has none).
     */
    tracing?: Tracing;
  } = {},
): Promise<World> {
  worlds += 1;
  const network = `T${worlds}-${Date.now().toString(36)}`;
  const service = await startReferenceService({
    dataset: generateDataset({ ...PRESETS.demo, ...options.dataset, network }),
    ...(options.clock ? { now: options.clock } : {}),
    ...(options.faults ? { faults: options.faults } : {}),
  });
  const { deps, sink, store, close } = await testActivityDeps(referenceClients(service, options.systems ?? { timeoutMs: 5_000 }), {
    sink: {
      ...(options.rejectRecipients ? { rejectRecipients: options.rejectRecipients } : {}),
      ...(options.deferRecipients ? { deferRecipients: options.deferRecipients } : {}),
    },
    storeFile: options.storeFile,
  });
  const taskQueue = uniqueTaskQueue('incident');
  const activities = options.workerActivities ? options.workerActivities(deps) : createActivities(deps);
  const converter = options.dataConverter ? { dataConverter: options.dataConverter } : {};
  const namespace = env.namespace ?? 'default';
  const client =
    options.dataConverter || options.tracing ? new Client({ connection: env.connection, namespace, ...converter, ...tracedClientOptions(options.tracing) }) : env.client;
  // No rate limit to speak of: the fleet-wide mail rate has its own test (test/oncall/fleet.test.ts).
  const mailRatePerSecond = 100_000;
  const worker = options.tracing
    ? await createIncidentWorker({
        connection: env.nativeConnection,
        namespace,
        taskQueue,
        deps,
        incidents: createIncidentOperations({ client, policy: DEFAULT_POLICY, taskQueue, store }),
        mailRatePerSecond,
        tracing: options.tracing,
        ...converter,
      })
    : new WorkerPair(
        await createTestWorker(env, { taskQueue, activities, ...converter }),
        await Worker.create({
          connection: env.nativeConnection,
          namespace,
          ...mailWorkerOptions(taskQueue, mailRatePerSecond),
          activities: mailActivities(activities),
          ...converter,
        }),
      );
  const handles: WorkflowHandle[] = [];
  return {
    env,
    network,
    deps,
    store,
    sink,
    service,
    taskQueue,
    worker,
    client,
    handles,
    async close() {
      // A workflow left waiting on this world's task queue would block time skipping for every later test.
      for (const handle of handles) await handle.terminate('test world closed').catch(() => {});
      await close();
      await service.close();
    },
  };
}

let triggers = 0;
export function manualTrigger(world: World, sku: string, reason = 'planner saw the shortage'): Trigger {
  triggers += 1;
  return { triggerId: `manual-${triggers}`, sku, network: world.network, source: 'manual', reason, requestedBy: 'planner@example.com' };
}

/** A policy for tests: the defaults with the given changes. */
export function policyWith(changes: PolicyInput = {}): Policy {
  return parsePolicy({ ...changes });
}

export async function startIncident(world: World, trigger: Trigger, policy: Policy = DEFAULT_POLICY, historyEventsLimit?: number) {
  const handle = await world.client.workflow.signalWithStart(stockoutIncident, {
    taskQueue: world.taskQueue,
    workflowId: incidentWorkflowId(trigger.network, trigger.sku),
    args: [{ trigger, policy, ...(historyEventsLimit ? { historyEventsLimit } : {}) }],
    signal: 'trigger',
    signalArgs: [trigger],
    // On a loaded machine a new worker's first workflow task can be slow; the time-skipping server was seen to
    // reject a task completed after its timeout ("invalid history builder state") and keep time locked.
    workflowTaskTimeout: '1 minute',
  });
  world.handles.push(handle);
  return handle;
}

/**
 * Waits until the incident reaches `stage` (read from its search attribute, which costs the workflow nothing)
 * and then until `done` holds on its queried state. Queries are sent only once the stage is reached and the
 * workflow is idle: the Java test server was seen to fail a workflow task ("invalid history builder state")
 * when a query raced a busy one, and then to keep time skipping locked for the rest of the run.
 */
export async function waitForState(
  handle: WorkflowHandle,
  stage: IncidentStage | IncidentStage[],
  done: (state: IncidentState) => boolean = () => true,
  /** How long before the wait fails the test, naming where the incident is (longer against faulty systems). */
  patienceMs = 30_000,
): Promise<IncidentState> {
  const stages = Array.isArray(stage) ? stage : [stage];
  const deadline = Date.now() + patienceMs;
  let seen: string | undefined;
  for (;;) {
    const description = await handle.describe();
    seen = description.typedSearchAttributes.get(STAGE);
    if (seen && stages.includes(seen as IncidentStage) && (await idle(handle, description))) {
      const state = await handle.query(stateQuery);
      if (done(state)) return state;
    }
    if (Date.now() > deadline) {
      const state = await handle.query(stateQuery);
      throw new Error(`timed out waiting for ${stages.join('|')}; stage ${state.stage}, attention ${state.attention?.reason ?? 'none'}`);
    }
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** No activity running and no workflow task scheduled or in flight: nothing a query could race. */
async function idle(handle: WorkflowHandle, description: WorkflowExecutionDescription): Promise<boolean> {
  if (description.status.name !== 'RUNNING') return true;
  if ((description.raw.pendingActivities?.length ?? 0) > 0) return false;
  const last = (await handle.fetchHistory()).events?.at(-1)?.eventType;
  return last !== EventType.EVENT_TYPE_WORKFLOW_TASK_SCHEDULED && last !== EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED;
}

/** The incident's state once it is idle in its current stage (see waitForState). */
export async function settledState(handle: WorkflowHandle): Promise<IncidentState> {
  const stage = (await handle.describe()).typedSearchAttributes.get(STAGE) as IncidentStage;
  return waitForState(handle, stage);
}

/**
 * A date `days` ahead of the server's clock: on the time-skipping server that clock runs ahead of the wall
 * clock by whatever earlier tests of the run skipped, and an incident takes only ETAs ahead of its own today.
 */
export async function dateAhead(env: TestWorkflowEnvironment, days: number): Promise<string> {
  return new Date((await env.currentTimeMs()) + days * 86_400_000).toISOString().slice(0, 10);
}

/** Conservation and exactly-once, as the inventory system's own audit sees them. */
/** Units of the short SKU at `hubId` that no reservation or safety stock holds: what a restock round may share beyond its receipt. */
export async function freeAtHub(world: World, hubId: string): Promise<number> {
  const hub = (await world.deps.inventory.getStockPositions(SHORT_SKU)).find((p) => p.locationId === hubId)!;
  return hub.onHand - hub.reserved - hub.safetyStock;
}

export async function expectBooksBalanced(world: World): Promise<void> {
  const books = await world.deps.inventory.checkBooks();
  expect(books.issues).toEqual([]);
  expect(books.balanced).toBe(true);
}

/** Emails the sink received, per notice kind (from the X-Stockout-Notice header). */
export function emailsByKind(world: World): Record<string, string[]> {
  const byKind: Record<string, string[]> = {};
  for (const message of world.sink.messages()) {
    const header = message.headers.find((h) => h.name.toLowerCase() === 'x-stockout-notice')?.value ?? 'unknown';
    const kind = header.split(';')[0]!.trim();
    (byKind[kind] ??= []).push(...message.envelope.to);
  }
  return byKind;
}

/** An update refused by its validator: the client sees "Workflow Update failed" with the reason as its cause. */
export async function expectUpdateRejected(update: Promise<unknown>, reason: RegExp): Promise<void> {
  const error = await update.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error, 'the update should have been rejected').toBeInstanceOf(WorkflowUpdateFailedError);
  expect((error as WorkflowUpdateFailedError).cause?.message).toMatch(reason);
}
