// The same incident twice on the Temporal dev server, against a healthy reference service and one at 20 %
// errors, 50 ms latency and 2 % hangs (`--error-rate 0.2 --latency-ms 50 --hang-rate 0.02`), with the
// worker's configured retry policy and worker options: wall time of each, and the ratio (the goal: faulty within
// 3× healthy), each timeline step's time in both (where the faulty run loses it), and emails sent twice (none may be).
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { parsePolicy } from '../../src/allocation/policy';
import { loadConfig } from '../../src/config/env';
import { generateDataset, presetOptions } from '../../src/dataset/generate';
import { incidentWorkflowId, type IncidentState } from '../../src/incident/state';
import type { FaultsInput } from '../../src/reference-service/faults';
import { changeEtaUpdate, recordRestockUpdate, stateQuery } from '../../workflows/definitions';
import { stockoutIncident } from '../../workflows/incident';
import { activitySystemsOptions } from '../../workers/activity-deps';
import { stageSeconds } from './incident.bench';
import { startBenchDevServer, startBenchSystems, benchWorkers, waitForStage } from '../harness/bench-systems';

const DEMAND_LINES = 4_000;
const FAULTS: FaultsInput = { errorRate: 0.2, latencyMs: 50, hangRate: 0.02 };

export async function benchFlaky(): Promise<Record<string, number | string>> {
  const env = await startBenchDevServer();
  try {
    const healthy = await runIncident(env, 'HEALTHY', {});
    const faulty = await runIncident(env, 'FAULTY', FAULTS);
    const ratio = faulty.seconds / healthy.seconds;
    if (faulty.parked || faulty.emailsTwice > 0) process.exitCode = 1;
    return {
      'demand lines in the data set': DEMAND_LINES,
      'healthy: whole incident (s)': healthy.seconds,
      'faulty (20 % errors, 50 ms, 2 % hangs): whole incident (s)': faulty.seconds,
      'faulty / healthy': round(ratio),
      'goal (faulty within 3× healthy)': ratio <= 3 ? 'met' : 'MISSED',
      ...stageComparison(healthy.stages, faulty.stages),
      'faulty: stages that needed retries': faulty.retried.join('; ') || 'none',
      'faulty: needs-attention': faulty.parked ? 'PARKED' : 'never',
      'faulty: emails sent twice (same Message-ID at the SMTP sink)': faulty.emailsTwice,
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
  const worker = await benchWorkers(env, systems.deps, taskQueue);
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
      const messageIds = systems.sink.messages().map((m) => m.messageId);
      return {
        seconds,
        // A stage's 'retried' note comes just before its own entry: left out, so that entry keeps the stage's time.
        stages: stageSeconds(closed.timeline.filter((e) => e.event !== 'retried')),
        parked: closed.timeline.some((e) => e.event === 'needs attention'),
        emailsTwice: messageIds.length - new Set(messageIds).size,
        retried: closed.timeline.filter((e) => e.event === 'retried').map((e) => e.detail ?? ''),
      };
    });
  } finally {
    await systems.close();
  }
}

/** Each timeline step's seconds healthy and faulty, so the one that loses the time stands out. */
function stageComparison(healthy: Map<string, number>, faulty: Map<string, number>): Record<string, string> {
  const steps = [...new Set([...healthy.keys(), ...faulty.keys()])];
  return Object.fromEntries(steps.map((step) => [`  → ${step} (s, healthy / faulty)`, `${healthy.get(step) ?? '-'} / ${faulty.get(step) ?? '-'}`]));
}

const round = (n: number) => Math.round(n * 100) / 100;
