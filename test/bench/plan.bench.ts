// `npm run bench -- plan`: a real incident with 20,000+ plan lines waits for approval on the Temporal dev server,
// and its plan is read page by page through the HTTP API (GET /incidents/{id}/plan), the way the console reads it:
// every line exactly once across the pages, and what each page costs (the goal: under 100 ms). Printed, not asserted.
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { DEFAULT_POLICY, parsePolicy } from '../../src/allocation/policy';
import { startApi } from '../../src/api/server';
import { incidentWorkflowId } from '../../src/incident/state';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import type { PlanLinesPage } from '../../src/operations/plan-operations';
import { stockoutIncident } from '../../workflows/incident';
import { WORKFLOWS_PATH } from '../../workers/incident-worker';
import { largeShortage, startBenchDevServer, startBenchSystems, waitForStage } from '../harness/bench-systems';

const PAGE_SIZES = [100, 500, 1000];
const TOKEN = 'bench-token-bench-token-bench';

export async function benchPlan(): Promise<Record<string, number | string>> {
  const sku = 'SKU-LARGE-1';
  const dataset = largeShortage(sku, { demandLines: 42_000, customers: 3_500 });
  const env = await startBenchDevServer();
  const systems = await startBenchSystems(dataset, { clients: { timeoutMs: 60_000 } });
  const { store, answerLinks } = systems.deps;
  const taskQueue = 'bench-plan';
  const worker = await Worker.create({ connection: env.nativeConnection, taskQueue, workflowsPath: WORKFLOWS_PATH, activities: createActivities(systems.deps) });
  const operations = createIncidentOperations({ client: env.client, policy: DEFAULT_POLICY, taskQueue, store });
  const api = await startApi({ operations, answerLinks, config: { API_TOKEN: TOKEN, API_HOST: '127.0.0.1', API_PORT: 0 } });
  try {
    return await worker.runUntil(async () => {
      const trigger = { triggerId: 'bench', sku, network: 'BENCH', source: 'manual' as const, reason: 'plan paging bench' };
      const handle = await env.client.workflow.start(stockoutIncident, {
        taskQueue,
        workflowId: incidentWorkflowId('BENCH', sku),
        // Every plan waits for a person: the bench reads the plan awaiting approval.
        args: [{ trigger, policy: parsePolicy({ approval: { severityThreshold: 'low', deadlineHours: 48 } }) }],
      });
      const state = await waitForStage(handle, 'awaiting-approval');
      const figures: Record<string, number | string> = { 'plan lines': state.plan!.totals.lines };
      for (const limit of PAGE_SIZES) {
        const run = await readAllPages(`${api.url}/incidents/${encodeURIComponent(handle.workflowId)}/plan`, limit);
        const once = run.seen.size === run.lines && run.lines === state.plan!.totals.lines;
        const sorted = [...run.times].sort((a, b) => a - b);
        const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
        figures[`limit ${limit}: pages`] = run.times.length;
        figures[`limit ${limit}: every line exactly once`] = once ? 'yes' : `NO (${run.lines} read, ${run.seen.size} distinct)`;
        figures[`limit ${limit}: first page (ms; the very first builds the view)`] = round(run.times[0]!);
        figures[`limit ${limit}: page median / p95 / max (ms)`] = `${round(at(0.5))} / ${round(at(0.95))} / ${round(sorted.at(-1)!)}`;
        figures[`limit ${limit}: pages over 100 ms after the first`] = run.times.slice(1).filter((t) => t >= 100).length;
        if (!once) process.exitCode = 1;
      }
      const filtered = await timed(() => get(`${api.url}/incidents/${encodeURIComponent(handle.workflowId)}/plan?outcome=nothing&sort=customer&limit=100`));
      figures['filtered and sorted page (nothing, by customer) (ms)'] = round(filtered.ms);
      await handle.terminate('bench over');
      return figures;
    });
  } finally {
    await api.close();
    await systems.close();
    await env.teardown();
  }
}

async function get(url: string): Promise<PlanLinesPage> {
  const response = await fetch(url, { headers: { authorization: `Bearer ${TOKEN}` } });
  if (response.status !== 200) throw new Error(`GET ${url}: ${response.status} ${await response.text()}`);
  return (await response.json()) as PlanLinesPage;
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: performance.now() - started };
}

/** Follows the cursors to the last page; the time of each page, and every line id seen. */
async function readAllPages(url: string, limit: number) {
  const seen = new Set<string>();
  const times: number[] = [];
  let lines = 0;
  let cursor: string | null = null;
  do {
    const { value: page, ms } = await timed(() => get(`${url}?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`));
    times.push(ms);
    for (const line of page.lines) seen.add(line.lineId);
    lines += page.lines.length;
    cursor = page.nextCursor;
  } while (cursor);
  return { seen, times, lines };
}

const round = (n: number) => Math.round(n * 10) / 10;
