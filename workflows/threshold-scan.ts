// The automated trigger, run by a Temporal Schedule: page through a network's SKUs, find those whose days
// of cover fall below the critical level, and open an incident for each — or attach to the one already
// running, never a twin. A network with many SKUs continues as new before its history grows long.
import { continueAsNew, log, proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { createScanActivities } from '../activities/scan';
import { coverInWords } from '../src/impact/cover';

// Reads and signal-with-starts: quick and safe to repeat. Retried for a few minutes; past that the next
// scheduled scan tries again, so nothing waits on a broken inventory system for long.
const { findSkusAtRisk, openOrAttachIncidents } = proxyActivities<ReturnType<typeof createScanActivities>>({
  startToCloseTimeout: '2m',
  heartbeatTimeout: '30s',
  retry: { initialInterval: '5s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 5 },
});

export interface ThresholdScanInput {
  network: string;
  /** A SKU with fewer days of cover than this is short enough for an incident. */
  criticalDays: number;
  /** How long a cancelled or false-alarm incident keeps the scan from reopening it (default 24). */
  quietHours?: number;
  /** Set when the scan continues as new; a fresh scan takes the day it starts. */
  resume?: { asOf: string; cursor: string; totals: ScanTotals };
}

export interface ScanTotals {
  scanned: number;
  atRisk: number;
  started: number;
  attached: number;
  /** Short SKUs left alone because a planner cancelled their incident, or it was a false alarm, lately. */
  heldBack: number;
  /** The incidents this scan opened (the first hundred: enough to find them, small in history). */
  startedIncidents: string[];
  /** Short SKUs no incident could take (an id the inventory system should fix), the first hundred. */
  refused?: { sku: string; reason: string }[];
}

/** A page is two activities, about a dozen events; well under the server's limits and cheap to replay. */
const HISTORY_EVENTS_BEFORE_CONTINUE = 2_000;

export async function thresholdScan(input: ThresholdScanInput): Promise<ScanTotals> {
  const asOf = input.resume?.asOf ?? new Date().toISOString().slice(0, 10);
  const totals: ScanTotals = input.resume?.totals ?? { scanned: 0, atRisk: 0, started: 0, attached: 0, heldBack: 0, startedIncidents: [] };
  let cursor = input.resume?.cursor;
  for (;;) {
    const page = await findSkusAtRisk({ network: input.network, criticalDays: input.criticalDays, asOf, ...(cursor ? { cursor } : {}) });
    totals.scanned += page.scanned;
    totals.atRisk += page.atRisk.length;
    if (page.atRisk.length > 0) {
      const opened = await openOrAttachIncidents({
        triggers: page.atRisk.map(({ sku, daysOfCover, available }) => ({
          // The same id every scan: a running incident records the scan's trigger once, however often it runs.
          triggerId: `scan:${input.network}:${sku}`,
          sku,
          network: input.network,
          source: 'scan' as const,
          reason: `threshold scan: days of cover ${coverInWords(daysOfCover, available)}; below the critical level of ${input.criticalDays} days`,
        })),
        quietHours: input.quietHours ?? 24,
      });
      totals.started += opened.started.length;
      totals.attached += opened.attached.length;
      totals.heldBack += opened.heldBack.length;
      totals.startedIncidents = [...totals.startedIncidents, ...opened.started].slice(0, 100);
      // Absent in results recorded before SKUs were checked.
      if (opened.refused?.length) {
        totals.refused = [...(totals.refused ?? []), ...opened.refused].slice(0, 100);
        log.warn('threshold scan refused SKUs', { network: input.network, skus: opened.refused.map((r) => r.sku) });
      }
    }
    if (!page.nextCursor) return totals;
    cursor = page.nextCursor;
    const info = workflowInfo();
    if (info.continueAsNewSuggested || info.historyLength > HISTORY_EVENTS_BEFORE_CONTINUE) {
      await continueAsNew<typeof thresholdScan>({ ...input, resume: { asOf, cursor, totals } });
    }
  }
}
