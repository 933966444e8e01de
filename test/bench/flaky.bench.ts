// The same incident twice on the Temporal dev server, against a healthy reference service and one at 20 %
// errors, 50 ms latency and 2 % hangs (`--error-rate 0.2 --latency-ms 50 --hang-rate 0.02`), with the
// worker's configured retry policy: wall time of each, and the ratio (the goal: faulty within 3× healthy).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { parsePolicy } from '../../src/allocation/policy';
import { loadConfig } from '../../src/config/env';
import { generateDataset, presetOptions } from '../../src/dataset/generate';
import { incidentWorkflowId, type IncidentState } from '../../src/incident/state';
import type { FaultsInput } from '../../src/reference-service/faults';
import { changeEtaUpdate, recordRestockUpdate, stateQuery } from '../../workflows/definitions';
import { stockoutIncident } from '../../workflows/incident';
import { activitySystemsOptions } from '../../workers/activity-deps';
import { WORKFLOWS_PATH } from '../../workers/incident-worker';
import { startBenchDevServer, startBenchSystems, waitForStage } from '../harness/bench-systems';

const DEMAND_LINES = 4_000;
const FAULTS: FaultsInput = { errorRate: 0.2, latencyMs: 50, hangRate: 0.02 };

export async function benchFlaky(): Promise<Record<string, number | string>> {
  const env = await startBenchDevServer();
  try {
    const healthy = await runIncident(env, 'HEALTHY', {});
    const faulty = await runIncident(env, 'FAULTY', FAULTS);
    const ratio = faulty.seconds / healthy.seconds;
    if (faulty.parked) process.exitCode = 1;
    return {
      'demand lines in the data set': DEMAND_LINES,
      'healthy: whole incident (s)': healthy.seconds,
      'faulty (20 % errors, 50 ms, 2 % hangs): whole incident (s)': faulty.seconds,
      'faulty / healthy': round(ratio),
      'goal (faulty within 3× healthy)': ratio <= 3 ? 'met' : 'MISSED',
      'faulty: stages that needed retries': faulty.retried.join('; ') || 'none',
      'faulty: needs-attention': faulty.parked ? 'PARKED' : 'never',
    };
  } finally {
    await env.teardown();
  }
}

/** One incident end to end (pooling, commit, notices, ETA change, restock, closing) in a network of its own. */
async function runIncident(env: TestWorkflowEnvironment, network: string, faults: FaultsInput) {
  const options = presetOptions(DEMAND_LINES);
  const sku = 'SKU-FLAKY-1';
  const dataset = generateDataset({ ...options, network, shortage: { skus: [sku], coverPercent: 60, lineShare: 0.5 } });
  const systems = await startBenchSystems(dataset, { clients: activitySystemsOptions(loadConfig({})), faults, mail: { rateLimitPerSecond: 5000, poolSize: 4 } });
  const taskQueue = `bench-flaky-${network}`;
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: createActivities(systems.deps) });
  try {
    return await worker.runUntil(async () => {
      const started = Date.now();
      const trigger = { triggerId: `bench-${network}`, sku, network, source: 'manual' as const, reason: 'flaky bench' };
      const handle = await env.client.workflow.start(stockoutIncident, {
        taskQueue,
        workflowId: incidentWorkflowId(network, sku),
        args: [{ trigger, policy: parsePolicy({ approval: { severityThreshold: 'critical' } }) }],
      });
      const settled = (done: (s: IncidentState) => boolean) => waitForStage(handle, 'following-up', { done, everyMs: 250 });
      const committed = await settled(() => true);
      const po = (await systems.service.inventory.listInbound(sku)).find((p) => p.status === 'open')!;
      await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: '2027-02-01', reason: 'bench delay' }] });
      const afterEta = await settled((s) => s.deliveries.some((d) => d.kind === 'eta-change'));
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: `GR-${network}`, quantity: afterEta.backorders!.openUnits || committed.backorders!.openUnits }] });
      await handle.result();
      const seconds = round((Date.now() - started) / 1000);
      const closed = await handle.query(stateQuery);
      return {
        seconds,
        parked: closed.timeline.some((e) => e.event === 'needs attention'),
        retried: closed.timeline.filter((e) => e.event === 'retried').map((e) => e.detail ?? ''),
      };
    });
  } finally {
    await systems.close();
  }
}

const round = (n: number) => Math.round(n * 100) / 100;
