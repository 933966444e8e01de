// How an incident ended, in one line: the timeline's closing entry, `show` and the main job's output say the
// same. Pure: imported by workflow code.
import type { ImpactSummary, ReportSummary } from '../incident/state';

/** The covered demand of a false alarm, in words. */
export function coverLine(impact: Pick<ImpactSummary, 'demand' | 'available'>): string {
  return `demand covered: ${impact.available} units available for ${impact.demand} open units, ${impact.available - impact.demand} to spare`;
}

/** A committed incident's fill rate; for one that committed nothing, what that means. */
export function outcomeLine(summary: Pick<ReportSummary, 'scope' | 'fillRate'>, impact: Pick<ImpactSummary, 'demand' | 'available'> | null): string {
  if (summary.scope === 'false-alarm') return impact ? coverLine(impact) : 'demand covered';
  if (summary.fillRate === null) return 'cancelled before its plan was committed: nothing was reserved, backordered or told to customers';
  return `fill rate ${(summary.fillRate * 100).toFixed(1)}%`;
}
