// What the whole-incident benches share: a Temporal dev server of their own, the large data set with one SKU
// short, the reference service with the activities' dependencies around it, the worker pair, the incident's start and the
// wait for its stage.
import { fileURLToPath } from 'node:url';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { WorkflowHandle } from '@temporalio/client';
import type { SmtpSink } from '../../src/embedded/smtp-sink';
import { generateDataset, PRESETS, type Dataset, type GenerateOptions } from '../../src/dataset/generate';
import type { HttpClientOptions } from '../../src/http/client';
import type { IncidentStage, IncidentState } from '../../src/incident/state';
import type { FaultsInput } from '../../src/reference-service/faults';
import { startReferenceService, type ReferenceService } from '../../src/reference-service/service';
import { provideTemporalServers } from '../../src/setup/temporal-servers';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';
import { stateQuery } from '../../workflows/definitions';
import { Worker } from '@temporalio/worker';
import { createActivities, type ActivityDeps } from '../../activities';
import { parsePolicy, type Policy } from '../../src/allocation/policy';
import { incidentWorkflowId } from '../../src/incident/state';
import { stockoutIncident } from '../../workflows/incident';
import { HEARTBEAT_THROTTLE, mailActivities, mailWorkerOptions, WORKFLOWS_PATH, WorkerPair } from '../../workers/incident-worker';
import { referenceClients, testActivityDeps } from './activity-deps';
import { spawnWatched } from './process';

/** A dev server started for the bench (real timers and persistence), with the project's search attributes. */
export async function startBenchDevServer(): Promise<TestWorkflowEnvironment> {
  const servers = await provideTemporalServers();
  return TestWorkflowEnvironment.createLocal({ server: { executable: servers.devServer.executable, searchAttributes: ALL_SEARCH_ATTRIBUTES } });
}

/** The large preset in network BENCH with `sku` short: 60 % cover, half of its lines affected. */
export function largeShortage(sku: string, size: { demandLines: number; customers: number }): Dataset {
  return generateDataset(largeShortageOptions(sku, size));
}

/** What generates `largeShortage`'s data set (plain JSON, so a process of its own can generate the same one). */
export function largeShortageOptions(sku: string, size: { demandLines: number; customers: number }): GenerateOptions {
  return {
    ...PRESETS.large,
    network: 'BENCH',
    ...size,
    accountManagers: 60,
    skus: 40,
    shortage: { skus: [sku], coverPercent: 60, lineShare: 0.5 },
  };
}

export interface BenchSystems {
  service: ReferenceService;
  deps: ActivityDeps;
  sink: SmtpSink;
  /** Emails the SMTP sink received. */
  emailsSent(): number;
  close(): Promise<void>;
}

/** The reference service on `dataset` and the activities' dependencies on it, the transport at `mail`'s pace. */
export async function startBenchSystems(
  dataset: Dataset,
  options: {
    clients: Omit<HttpClientOptions, 'baseUrl'>;
    faults?: FaultsInput;
    mail?: { rateLimitPerSecond?: number; poolSize?: number };
    /** An incident store file, for a store shared with a worker process. */
    storeFile?: string;
  },
): Promise<BenchSystems> {
  const service = await startReferenceService({ dataset, ...(options.faults ? { faults: options.faults } : {}) });
  const { deps, sink, close } = await testActivityDeps(referenceClients(service, options.clients), { mail: options.mail, storeFile: options.storeFile });
  return {
    service,
    deps,
    sink,
    emailsSent: () => sink.messages().length,
    async close() {
      await close();
      await service.close();
    },
  };
}

/**
 * As `startBenchSystems`, with the reference service in a process of its own (./reference-service-process.ts) on
 * the data set `dataset` generates: production's inventory system and CRM are other systems, and in the bench's
 * one Node process their handlers and SQLite took the CPU the workers and the mail transport need.
 */
export async function startBenchSystemsApart(
  dataset: GenerateOptions,
  options: { clients: Omit<HttpClientOptions, 'baseUrl'>; mail?: { rateLimitPerSecond?: number; poolSize?: number } },
): Promise<Omit<BenchSystems, 'service'>> {
  const child = spawnWatched(process.execPath, ['--import', 'tsx', fileURLToPath(new URL('./reference-service-process.ts', import.meta.url)), JSON.stringify(dataset)], {
    env: process.env,
  });
  const stop = async () => {
    if (child.child.exitCode === null) child.child.kill('SIGTERM');
    await child.exited;
  };
  let urls: Pick<ReferenceService, 'inventoryUrl' | 'crmUrl'>;
  try {
    await child.waitFor(/^\{"inventoryUrl".*\}$/m, 120_000);
    urls = JSON.parse(/^\{"inventoryUrl".*\}$/m.exec(child.output())![0]) as typeof urls;
  } catch (error) {
    await stop();
    throw error;
  }
  const { deps, sink, close } = await testActivityDeps(referenceClients(urls, options.clients), { mail: options.mail });
  return {
    deps,
    sink,
    emailsSent: () => sink.messages().length,
    async close() {
      await close();
      await stop();
    },
  };
}

/** Polls the incident until it is in `wanted` and `done` holds; one that parks or proves a false alarm stops the bench. */
export async function waitForStage(
  handle: WorkflowHandle,
  wanted: IncidentStage,
  options: { done?: (state: IncidentState) => boolean; everyMs?: number } = {},
): Promise<IncidentState> {
  for (;;) {
    const state = await handle.query(stateQuery);
    if (state.stage === 'needs-attention' || state.stage === 'false-alarm') throw new Error(`bench incident stopped at ${state.stage}: ${state.attention?.reason ?? ''}`);
    if (state.stage === wanted && (options.done?.(state) ?? true)) return state;
    await new Promise((r) => setTimeout(r, options.everyMs ?? 500));
  }
}

/** The incident queue's worker and the mail queue's, mail at the transport's own rate: a bench measures the incident, not a provider's limit. */
export async function benchWorkers(env: TestWorkflowEnvironment, deps: ActivityDeps, taskQueue: string): Promise<WorkerPair> {
  const activities = createActivities(deps);
  return new WorkerPair(
    await Worker.create({ connection: env.nativeConnection, ...HEARTBEAT_THROTTLE, taskQueue, workflowsPath: WORKFLOWS_PATH, activities }),
    await Worker.create({ connection: env.nativeConnection, ...HEARTBEAT_THROTTLE, ...mailWorkerOptions(taskQueue, 5000), activities: mailActivities(activities) }),
  );
}

/** The bench's incident of `sku` in network BENCH, under `policy`: by default one that commits without waiting for a person. */
export function startBenchIncident(
  env: TestWorkflowEnvironment,
  taskQueue: string,
  sku: string,
  trigger: { triggerId: string; reason: string },
  policy: Policy = parsePolicy({ approval: { severityThreshold: 'critical' } }),
) {
  return env.client.workflow.start(stockoutIncident, {
    taskQueue,
    workflowId: incidentWorkflowId('BENCH', sku),
    args: [{ trigger: { ...trigger, sku, network: 'BENCH', source: 'manual' as const }, policy }],
  });
}
