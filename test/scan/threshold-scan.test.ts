// The automated trigger on the Temporal dev server: threshold scans, however many and however concurrent,
// open exactly one incident per short SKU and attach to it afterwards; the schedule that runs them is
// created once and updated in place at every start.
import { Client } from '@temporalio/client';
import { MockActivityEnvironment, type TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import { createScanActivities, type IncidentStarter } from '../../activities/scan';
import { formatState } from '../../src/cli/format';
import { PRESETS } from '../../src/dataset/generate';
import { coverInWords } from '../../src/impact/cover';
import { createIncidentOperations, type IncidentOperations } from '../../src/operations/incident-operations';
import { incidentWorkflowId } from '../../src/incident/state';
import { NETWORK } from '../../src/temporal/search-attributes';
import { ensureThresholdScanSchedules, runScanNow, scanScheduleId } from '../../src/temporal/schedules';
import { stateQuery } from '../../workflows/definitions';
import { thresholdScan, type ScanTotals } from '../../workflows/threshold-scan';
import { until } from '../harness/process';
import { recordHistory } from '../harness/replay';
import { connectDevServer } from '../harness/temporal';
import { createWorld, policyWith, type World } from '../incident/world';

const SHORT_SKUS = ['SKU-DEMO-1', 'SKU-DEMO-2'];

let env: TestWorkflowEnvironment;
let client: Client;
let world: World;
let operations: IncidentOperations;
let running: Promise<void>;

beforeAll(async () => {
  env = await connectDevServer();
  client = new Client({ connection: env.connection, namespace: 'default' });
  // The scan activities open incidents through the same operations the API uses; they exist once the world does.
  const incidents: IncidentStarter = { trigger: (trigger) => operations.trigger(trigger), latest: (network, sku) => operations.latest(network, sku) };
  world = await createWorld(env, {
    dataset: { shortage: { skus: SHORT_SKUS, coverPercent: 55, lineShare: 0.5 } },
    workerActivities: (deps) => ({ ...createActivities(deps), ...createScanActivities({ inventory: deps.inventory, incidents }) }),
  });
  // Every plan waits for a person, so the incidents hold still at approval while the scans run.
  const policy = policyWith({ approval: { severityThreshold: 'low' } });
  operations = createIncidentOperations({ client, policy, taskQueue: world.taskQueue, store: world.store });
  for (const sku of SHORT_SKUS) world.handles.push(client.workflow.getHandle(incidentWorkflowId(world.network, sku)));
  running = world.worker.run();
});
afterAll(async () => {
  await world?.close();
  world?.worker.shutdown();
  await running;
  await env?.teardown();
});

const scan = (n: number, quietHours = 24) =>
  client.workflow.execute(thresholdScan, {
    taskQueue: world.taskQueue,
    workflowId: `test-scan-${world.network}-${n}`,
    args: [{ network: world.network, criticalDays: 14, quietHours }],
  });

/** Every incident run in the world's network, closed ones included (visibility is read until it settles). */
async function incidentRuns(atLeast: number): Promise<string[]> {
  const query = `WorkflowType = 'stockoutIncident' AND ${NETWORK.name} = '${world.network}'`;
  for (let attempt = 0; ; attempt += 1) {
    const ids: string[] = [];
    for await (const execution of client.workflow.list({ query })) ids.push(execution.workflowId);
    if (ids.length >= atLeast || attempt > 50) return ids.sort();
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe('threshold scan', () => {
  it('opens exactly one incident per short SKU, however many scans run, and attaches the later ones', async () => {
    // Two scans at once race to open the same incidents: signal-with-start on one workflow id keeps them one.
    const concurrent: ScanTotals[] = await Promise.all([scan(1), scan(2)]);
    for (const totals of concurrent) {
      expect(totals.scanned).toBe(PRESETS.demo.skus);
      expect(totals.atRisk).toBe(SHORT_SKUS.length);
      expect(totals.started + totals.attached).toBe(SHORT_SKUS.length);
    }
    const later = await scan(3);
    expect(later).toMatchObject({ atRisk: 2, started: 0, attached: 2, startedIncidents: [] });
    if (process.env.RECORD_HISTORIES === '1') await recordHistory(client.workflow.getHandle(`test-scan-${world.network}-1`), 'threshold-scan');

    expect(await incidentRuns(SHORT_SKUS.length)).toEqual(SHORT_SKUS.map((sku) => incidentWorkflowId(world.network, sku)));
    for (const sku of SHORT_SKUS) {
      const state = await client.workflow.getHandle(incidentWorkflowId(world.network, sku)).query(stateQuery);
      // The scan's trigger is recorded once, with its reason, however often it came.
      const fromScans = state.triggers.filter((t) => t.source === 'scan');
      expect(fromScans).toHaveLength(1);
      expect(fromScans[0]!.reason).toMatch(/days of cover .* below the critical level of 14 days/);
      // One definition of cover and available, in the same words: the trigger's and `show`'s.
      const handle = client.workflow.getHandle(incidentWorkflowId(world.network, sku));
      const assessed = await until('the assessment', async () => ((await handle.query(stateQuery)).impact ? handle.query(stateQuery) : undefined), 60_000);
      const words = coverInWords(assessed.impact!.daysOfCover, assessed.impact!.available);
      expect(fromScans[0]!.reason).toBe(`threshold scan: days of cover ${words}; below the critical level of 14 days`);
      expect(formatState(assessed)).toContain(`Days of cover`);
      expect(formatState(assessed)).toContain(words);
    }
  });

  it('reports a SKU no incident can take and carries on with the rest of the page', async () => {
    const activities = createScanActivities({ inventory: world.deps.inventory, incidents: { trigger: (t) => operations.trigger(t), latest: (n, s) => operations.latest(n, s) } });
    const trigger = (sku: string) => ({ triggerId: `scan:${world.network}:${sku}`, sku, network: world.network, source: 'scan' as const, reason: 'scan' });
    const result: Awaited<ReturnType<typeof activities.openOrAttachIncidents>> = await new MockActivityEnvironment().run(activities.openOrAttachIncidents, {
      triggers: [trigger('BAD SKU:1'), trigger(SHORT_SKUS[0]!)],
      quietHours: 24,
    });
    expect(result.refused).toEqual([{ sku: 'BAD SKU:1', reason: expect.stringMatching(/^trigger\.sku: /) }]);
    expect(result.attached).toEqual([incidentWorkflowId(world.network, SHORT_SKUS[0]!)]);
  });

  it('is scheduled once per network: created at the first start, updated in place at the next', async () => {
    const options = { networks: [world.network], everyMinutes: 15, criticalDays: 14, quietHours: 24, taskQueue: world.taskQueue };
    expect(await ensureThresholdScanSchedules(client, options)).toEqual([{ network: world.network, outcome: 'created' }]);
    expect(await ensureThresholdScanSchedules(client, { ...options, everyMinutes: 30 })).toEqual([{ network: world.network, outcome: 'updated' }]);
    const schedule = client.schedule.getHandle(scanScheduleId(world.network));
    try {
      const description = await schedule.describe();
      expect(description.spec.intervals?.map((i) => i.every)).toEqual([30 * 60_000]);
      expect(description.action).toMatchObject({ type: 'startWorkflow', workflowType: 'thresholdScan', taskQueue: world.taskQueue });

      // Run it now instead of in half an hour: the scheduled scan attaches to the incidents already open.
      expect(await runScanNow(client, world.network)).toMatchObject({ scanned: PRESETS.demo.skus, atRisk: 2, started: 0, attached: 2 });
    } finally {
      await schedule.delete();
    }
  });

  it('pauses the schedule of a network no longer watched, and resumes it when the network is watched again', async () => {
    const network = `${world.network}-gone`;
    const options = { networks: [network], everyMinutes: 15, criticalDays: 14, quietHours: 24, taskQueue: world.taskQueue };
    const schedule = client.schedule.getHandle(scanScheduleId(network));
    try {
      await ensureThresholdScanSchedules(client, options);
      // Listing schedules goes through visibility, which catches up with a new schedule a moment later.
      let outcome: Awaited<ReturnType<typeof ensureThresholdScanSchedules>> = [];
      for (let i = 0; i < 50 && !outcome.some((o) => o.network === network); i++) {
        outcome = await ensureThresholdScanSchedules(client, { ...options, networks: [] });
        if (!outcome.some((o) => o.network === network)) await new Promise((r) => setTimeout(r, 200));
      }
      expect(outcome).toContainEqual({ network, outcome: 'paused' });
      expect((await schedule.describe()).state).toMatchObject({ paused: true, note: expect.stringContaining('STOCKOUT_SCAN_NETWORKS') });
      expect(await ensureThresholdScanSchedules(client, options)).toContainEqual({ network, outcome: 'updated' });
      expect((await schedule.describe()).state.paused).toBe(false);
    } finally {
      await schedule.delete();
    }
  });

  it('leaves a SKU alone for the quiet period after a planner cancelled its incident, then opens a new one', async () => {
    const [, cancelledSku] = SHORT_SKUS as [string, string];
    const id = incidentWorkflowId(world.network, cancelledSku);
    await operations.cancel(id, { reason: 'handled by phone with the two big accounts', cancelledBy: 'planner@example.com' });
    await client.workflow.getHandle(id).result();

    expect(await scan(4)).toMatchObject({ atRisk: 2, started: 0, attached: 1, heldBack: 1 });
    const reopened = await scan(5, 0);
    expect(reopened).toMatchObject({ atRisk: 2, started: 1, attached: 1, heldBack: 0, startedIncidents: [id] });
    expect(await incidentRuns(SHORT_SKUS.length + 1)).toEqual([...SHORT_SKUS.map((sku) => incidentWorkflowId(world.network, sku)), id].sort());
  });
});
