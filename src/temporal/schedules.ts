// The threshold scan's Temporal Schedules, one per watched network, created at startup or brought up to
// date when they exist: running this at every start is safe and never leaves a second schedule.
import { ScheduleAlreadyRunning, ScheduleOverlapPolicy, type Client, type ScheduleOptionsAction } from '@temporalio/client';
import type { ScanTotals, thresholdScan, ThresholdScanInput } from '../../workflows/threshold-scan';
import type { AppConfig } from '../config/env';
import { hubOf } from '../inventory/contract';
import type { InventorySystem } from '../inventory/system';

export interface ScanScheduleOptions {
  networks: string[];
  everyMinutes: number;
  criticalDays: number;
  quietHours: number;
  taskQueue: string;
}

const SCHEDULE_PREFIX = 'threshold-scan:';
export const scanScheduleId = (network: string) => `${SCHEDULE_PREFIX}${network}`;

export function scanScheduleOptions(config: AppConfig): ScanScheduleOptions {
  return {
    networks: config.STOCKOUT_SCAN_NETWORKS,
    everyMinutes: config.STOCKOUT_SCAN_EVERY_MINUTES,
    criticalDays: config.STOCKOUT_SCAN_CRITICAL_DAYS,
    quietHours: config.STOCKOUT_SCAN_QUIET_HOURS,
    taskQueue: config.STOCKOUT_TASK_QUEUE,
  };
}

/**
 * Refuses the start when STOCKOUT_SCAN_NETWORKS names a network the inventory system has no hub for: its scan
 * would page through no SKUs every quarter hour and report all well, a watch that watches nothing. Checked
 * before any schedule is created. An inventory system that cannot be asked now does not stop the start (the
 * scan's own activities retry); only its definite answer does.
 */
export async function refuseUnknownScanNetworks(inventory: Pick<InventorySystem, 'listLocations'>, networks: string[]): Promise<void> {
  let locations;
  try {
    locations = await inventory.listLocations();
  } catch {
    return;
  }
  const unknown = networks.filter((network) => !hubOf(locations, network));
  if (unknown.length === 0) return;
  const known = [...new Set(locations.filter((l) => l.kind === 'hub').map((l) => l.network))].sort();
  throw new Error(
    `Invalid configuration: env.STOCKOUT_SCAN_NETWORKS: the inventory system has no network ${unknown.join(', ')} (it has ${known.join(', ') || 'none'}); no scan was scheduled`,
  );
}

export type ScheduleOutcome = 'created' | 'updated' | 'paused';

/**
 * One schedule per watched network, created or brought up to date; the schedule of a network no longer
 * watched (or of every network, when the scan is turned off) is paused, not deleted, so its history stays.
 */
export async function ensureThresholdScanSchedules(client: Client, options: ScanScheduleOptions): Promise<{ network: string; outcome: ScheduleOutcome }[]> {
  const results: { network: string; outcome: ScheduleOutcome }[] = [];
  for (const network of options.networks) {
    results.push({ network, outcome: await ensureSchedule(client, network, options) });
  }
  for await (const schedule of client.schedule.list()) {
    if (!schedule.scheduleId.startsWith(SCHEDULE_PREFIX) || schedule.state.paused) continue;
    const network = schedule.scheduleId.slice(SCHEDULE_PREFIX.length);
    if (options.networks.includes(network)) continue;
    await client.schedule.getHandle(schedule.scheduleId).pause(`network ${network} is no longer in STOCKOUT_SCAN_NETWORKS`);
    results.push({ network, outcome: 'paused' });
  }
  return results;
}

async function ensureSchedule(client: Client, network: string, options: ScanScheduleOptions): Promise<'created' | 'updated'> {
  const scheduleId = scanScheduleId(network);
  const spec = { intervals: [{ every: `${options.everyMinutes}m` }] };
  const input: ThresholdScanInput = { network, criticalDays: options.criticalDays, quietHours: options.quietHours };
  const action: ScheduleOptionsAction = {
    type: 'startWorkflow',
    workflowType: 'thresholdScan',
    args: [input],
    taskQueue: options.taskQueue,
    // The schedule appends the run's time, so every scan has its own id under one readable prefix.
    workflowId: `threshold-scan-run:${network}`,
    workflowExecutionTimeout: `${Math.max(10, options.everyMinutes * 4)}m`,
  };
  // A scan still running when the next is due is skipped: two at once would only race to attach.
  const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: `${options.everyMinutes}m` };
  try {
    await client.schedule.create({ scheduleId, spec, action, policies, memo: { purpose: 'stockout threshold scan' } });
    return 'created';
  } catch (error) {
    if (!(error instanceof ScheduleAlreadyRunning)) throw error;
    // A network watched again after a pause scans again.
    await client.schedule.getHandle(scheduleId).update((previous) => ({
      ...previous,
      spec,
      action,
      policies: { ...previous.policies, ...policies },
      state: { ...previous.state, paused: false, note: 'watched' },
    }));
    return 'updated';
  }
}

/** Runs a network's scheduled scan now (as the schedule would) and waits for what it found. */
export async function runScanNow(client: Client, network: string, timeoutMs = 60_000): Promise<ScanTotals> {
  const schedule = client.schedule.getHandle(scanScheduleId(network));
  const earlier = new Set((await schedule.describe()).info.recentActions.map((a) => a.action.workflow.workflowId));
  await schedule.trigger();
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const run = (await schedule.describe()).info.recentActions.find((a) => !earlier.has(a.action.workflow.workflowId));
    if (run) return client.workflow.getHandle<typeof thresholdScan>(run.action.workflow.workflowId).result();
    if (Date.now() > deadline) throw new Error(`the schedule ${scanScheduleId(network)} started no scan within ${timeoutMs / 1000} s`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
