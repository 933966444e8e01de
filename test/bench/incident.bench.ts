// The scale scenario: one incident with ~20,000 affected demand lines from ~3,000 customers, end to end on
// the Temporal dev server against the reference service and the SMTP sink. Reports wall time per stage,
// history events and the largest payload, the figures Temporal's limits are about.
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { parsePolicy } from '../../src/allocation/policy';
import { incidentWorkflowId } from '../../src/incident/state';
import { recordRestockUpdate, stateQuery } from '../../workflows/definitions';
import { stockoutIncident } from '../../workflows/incident';
import { mailActivities, mailWorkerOptions, WORKFLOWS_PATH, WorkerPair } from '../../workers/incident-worker';
import { largeShortage, startBenchDevServer, startBenchSystems, waitForStage } from '../harness/bench-systems';

export async function benchIncident(options: { demandLines?: number; customers?: number } = {}): Promise<Record<string, number | string>> {
  const demandLines = options.demandLines ?? 42_000;
  const customers = options.customers ?? 3_500;
  const sku = 'SKU-LARGE-1';
  const dataset = largeShortage(sku, { demandLines, customers });
  const env = await startBenchDevServer();
  const systems = await startBenchSystems(dataset, { clients: { timeoutMs: 60_000 }, mail: { rateLimitPerSecond: 5000, poolSize: 4 } });
  const taskQueue = 'bench-incident';
  const activities = createActivities(systems.deps);
  // The mail queue's worker at the transport's own rate: the bench measures the incident, not a provider's limit.
  const worker = new WorkerPair(
    await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities }),
    await Worker.create({ connection: env.nativeConnection, ...mailWorkerOptions(taskQueue, 5000), activities: mailActivities(activities) }),
  );
  try {
    return await worker.runUntil(async () => {
      const started = Date.now();
      const trigger = { triggerId: 'bench', sku, network: 'BENCH', source: 'manual' as const, reason: 'scale bench' };
      const handle = await env.client.workflow.start(stockoutIncident, {
        taskQueue,
        workflowId: incidentWorkflowId('BENCH', sku),
        args: [{ trigger, policy: parsePolicy({ approval: { severityThreshold: 'critical' } }) }],
      });
      const state = await waitForStage(handle, 'following-up');
      const toFollowUp = Date.now() - started;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-BENCH', quantity: state.backorders!.openUnits }] });
      await handle.result();
      const total = Date.now() - started;
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      let largestPayload = 0;
      for (const event of events) largestPayload = Math.max(largestPayload, payloadBytes(event));
      const closed = await handle.query(stateQuery);
      // The bar: a bench that breaks it says so and fails the run.
      const limits = [
        ['at least 20,000 affected demand lines', closed.impact!.affectedLines >= 20_000],
        ['at least 3,000 affected customers', closed.impact!.affectedCustomers >= 3_000],
        ['history below 10,000 events', events.length < 10_000],
        ['no payload above 512 KB', largestPayload < 512 * 1024],
      ] as const;
      const broken = limits.filter(([, ok]) => !ok).map(([what]) => what);
      if (broken.length > 0) process.exitCode = 1;
      return {
        'affected demand lines': closed.impact!.affectedLines,
        'affected customers': closed.impact!.affectedCustomers,
        'emails sent': systems.emailsSent(),
        'assessment → notified (s)': round(toFollowUp / 1000),
        'whole incident incl. restock and closing (s)': round(total / 1000),
        ...stageSeconds(closed.timeline),
        'history events': events.length,
        'largest payload (KB)': round(largestPayload / 1024),
        'limits (20k lines, 3k customers, <10k events, <512 KB)': broken.length === 0 ? 'all met' : `BROKEN: ${broken.join('; ')}`,
      };
    });
  } finally {
    await systems.close();
    await env.teardown();
  }
}

/** Bytes of every payload an event carries (inputs, results, update arguments, query-free). */
function payloadBytes(event: object): number {
  let largest = 0;
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    if ('data' in value && (value as { data: unknown }).data instanceof Uint8Array) {
      largest = Math.max(largest, (value as { data: Uint8Array }).data.byteLength);
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(event);
  return largest;
}

function stageSeconds(timeline: { at: string; event: string }[]): Record<string, number> {
  const out: Record<string, number> = {};
  for (let i = 1; i < timeline.length; i++) {
    const entry = timeline[i]!;
    out[`  → ${entry.event} (s)`] = round((Date.parse(entry.at) - Date.parse(timeline[i - 1]!.at)) / 1000);
  }
  return out;
}

const round = (n: number) => Math.round(n * 100) / 100;
