// The incident's figures that more than one view states — `show`, the console, the main job's output — each
// defined once here, so the views cannot disagree. Pure: imported by activities and views alike.
import type { ImpactSummary, PlanSummary } from './state';

/**
 * A line the shortage touches: something backordered (or still open), a substitute, or a confirmation taken
 * back. Its customer gets the first notice; one whose lines are all untouched is served in full with its own
 * product and hears nothing.
 */
export interface TouchableLine {
  customerId: string;
  backordered: number;
  releasedConfirmation: number;
  substitutes: readonly { quantity: number }[];
}

export function touchedByShortage(line: TouchableLine, open = line.backordered): boolean {
  return open > 0 || line.releasedConfirmation > 0 || line.substitutes.some((s) => s.quantity > 0);
}

/** Customers with a line the shortage touches: the ones the first notice goes to. */
export function customersToTell(lines: readonly TouchableLine[]): number {
  return new Set(lines.filter((l) => touchedByShortage(l)).map((l) => l.customerId)).size;
}

/**
 * The demand: open units not yet confirmed (the assessment's), and — once there is a plan — the units
 * confirmed before the incident that the plan weighs too (it may take them back), so the plan's requested
 * total reads as the sum it is.
 */
export function demandLine(impact: Pick<ImpactSummary, 'demand' | 'affectedLines'>, plan: Pick<PlanSummary, 'totals'> | null): string {
  const open = `${impact.demand} open units on ${impact.affectedLines} lines`;
  const confirmed = plan ? plan.totals.requested - impact.demand : 0;
  if (!plan || confirmed <= 0) return open;
  return `${open} + ${confirmed} units confirmed before the incident, which the plan may take back = ${plan.totals.requested} units on ${plan.totals.lines} lines in the plan`;
}

/** Revenue at risk by the one definition (src/report/revenue) once a plan states it; before, the assessment's estimate, said to be one. */
export function revenueAtRisk(impact: Pick<ImpactSummary, 'revenueAtRisk'>, plan: Pick<PlanSummary, 'totals' | 'currency' | 'revision'> | null): { amount: number; currency: string | null; basis: string } {
  if (plan?.currency !== undefined) return { amount: plan.totals.revenueAtRisk, currency: plan.currency, basis: `plan revision ${plan.revision}` };
  return { amount: impact.revenueAtRisk, currency: null, basis: 'estimate before the plan: the shortage at the open demand’s average price' };
}

/** Affected customers beside the ones told, with the reason the others are not. */
export function customersLine(impact: Pick<ImpactSummary, 'affectedCustomers'>, plan: Pick<PlanSummary, 'totals' | 'customersToTell'> | null): string {
  const affected = `${impact.affectedCustomers} with open demand`;
  if (!plan || plan.customersToTell === undefined) return affected;
  const untouched = plan.totals.customers - plan.customersToTell;
  return (
    `${affected}; ${plan.customersToTell} of the plan's ${plan.totals.customers} are told` +
    (untouched > 0 ? `, the other ${untouched} get every unit with their own product, so nothing changes for them and they are not told` : '')
  );
}

/**
 * The concentration cap as the plan applied it: a share above the cap is the work-conserving rule at work (units
 * no other line could take go to the capped customer rather than stay unused).
 */
export function capNote(plan: Pick<PlanSummary, 'capPercent' | 'largestCustomerShare'>): string {
  if (plan.capPercent === undefined) return '';
  const over = plan.largestCustomerShare * 100 > plan.capPercent + 1e-9;
  return over ? ` (cap ${plan.capPercent}%, exceeded by the work-conserving rule: no other line could take those units)` : ` (cap ${plan.capPercent}%)`;
}
