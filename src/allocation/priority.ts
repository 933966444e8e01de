// Priority order of demand lines: critical customers first, then relationship stage, then urgency (due
// before the urgency horizon, earliest first), then margin per unit and unit price; ties by order date,
// then line id. Never by chance, never by input order, never by locale.
import { dayNumber } from './dates';
import type { Policy } from './policy';
import type { CustomerProfile, DemandLine } from './types';

interface SortKey {
  critical: number;
  stageClass: number;
  /** Requested day when urgent, else +∞ (past the horizon urgency does not order lines). */
  urgentDay: number;
  margin: number;
  price: number;
  orderDay: number;
  lineId: string;
}

/**
 * The last day a line counts as urgent. Version 2 of the rules measures urgency against the gap: a line due
 * before the next inbound ETA is urgent. Version 1, or no ETA known: due within the policy's window.
 */
export function urgencyHorizon(policy: Policy, asOf: string, nextInboundEta: string | null | undefined): number {
  if (policy.rulesVersion === 2 && nextInboundEta) return dayNumber(nextInboundEta) - 1;
  return dayNumber(asOf) + policy.urgencyWindowDays;
}

/** The lines, highest priority first. */
export function inPriorityOrder<L extends DemandLine>(
  lines: readonly L[],
  customerOf: (line: L) => CustomerProfile,
  policy: Policy,
  horizon: number,
): L[] {
  const stageClass = new Map(policy.stages.map((s) => [s.name, s.priorityClass]));
  const keyed = lines.map((line) => {
    const customer = customerOf(line);
    const requested = dayNumber(line.requestedDate);
    const key: SortKey = {
      critical: customer.critical ? 1 : 0,
      stageClass: stageClass.get(customer.stage) ?? 0,
      urgentDay: requested <= horizon ? requested : Infinity,
      margin: line.unitMargin,
      price: line.unitPrice,
      orderDay: dayNumber(line.orderDate),
      lineId: line.lineId,
    };
    return { line, key };
  });
  keyed.sort((a, b) => compareKeys(a.key, b.key));
  return keyed.map((k) => k.line);
}

function compareKeys(a: SortKey, b: SortKey): number {
  return (
    b.critical - a.critical ||
    b.stageClass - a.stageClass ||
    compareNumbers(a.urgentDay, b.urgentDay) ||
    compareNumbers(b.margin, a.margin) ||
    compareNumbers(b.price, a.price) ||
    compareNumbers(a.orderDay, b.orderDay) ||
    (a.lineId < b.lineId ? -1 : a.lineId > b.lineId ? 1 : 0)
  );
}

// Infinity − Infinity is NaN, which a sort comparator must never return.
const compareNumbers = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);
