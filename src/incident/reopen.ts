// When a new trigger may open a new incident for a SKU whose last one just ended. A planner who cancelled
// it, or an assessment that found no shortage, is heard for a quiet period: otherwise a scan every quarter
// hour — or a sender repeating its report — would reopen it again and again. A manual trigger is never held
// back: a person asked.
import { holdsBackScan } from './vocabulary';

export interface LatestIncident {
  running: boolean;
  /** The stage it ended in (its search attribute); null while unknown. */
  stage: string | null;
  closedAt: string | null;
}

/**
 * "Materially lower" stock: below the figure reported before by at least this share of it, and by at least
 * one unit. A repeat of the same report, or a few units' drift, is no news; a fifth less stock is.
 */
export const MATERIAL_STOCK_DROP = 0.2;

export function materiallyLower(reported: number, before: number): boolean {
  return before - reported >= Math.max(1, Math.abs(before) * MATERIAL_STOCK_DROP);
}

function inQuietPeriod(latest: LatestIncident, nowMs: number, quietHours: number): boolean {
  return !!latest.closedAt && nowMs - Date.parse(latest.closedAt) < quietHours * 3_600_000;
}

export function scanHeldBack(latest: LatestIncident | null, nowMs: number, quietHours: number): boolean {
  if (!latest || latest.running || !latest.stage || !holdsBackScan(latest.stage)) return false;
  return inQuietPeriod(latest, nowMs, quietHours);
}

/**
 * A webhook event after a false alarm is held back for the quiet period like a scan, unless it reports
 * materially lower stock than the lowest the false alarm was told of (its triggers' `onHand`); with no
 * figure on either side there is nothing new to hear. After a planner's cancel an event opens a new incident:
 * the planner can cancel it again.
 */
export function webhookHeldBack(
  latest: LatestIncident | null,
  nowMs: number,
  quietHours: number,
  reported: number | undefined,
  heard: (number | undefined)[],
): boolean {
  if (!latest || latest.running || latest.stage !== 'false-alarm' || !inQuietPeriod(latest, nowMs, quietHours)) return false;
  const known = heard.filter((n): n is number => n !== undefined);
  if (reported === undefined || known.length === 0) return true;
  return !materiallyLower(reported, Math.min(...known));
}
