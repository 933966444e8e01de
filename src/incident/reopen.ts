// When an automated scan may open a new incident for a SKU whose last one just ended. A planner who
// cancelled it, or an assessment that found no shortage, is heard for a quiet period: otherwise a scan every
// quarter hour would reopen it again and again. A manual or webhook trigger is never held back.
import { holdsBackScan } from './vocabulary';

export interface LatestIncident {
  running: boolean;
  /** The stage it ended in (its search attribute); null while unknown. */
  stage: string | null;
  closedAt: string | null;
}

export function scanHeldBack(latest: LatestIncident | null, nowMs: number, quietHours: number): boolean {
  if (!latest || latest.running || !latest.closedAt || !latest.stage || !holdsBackScan(latest.stage)) return false;
  return nowMs - Date.parse(latest.closedAt) < quietHours * 3_600_000;
}
