// Priority order of demand lines: critical customers first, then relationship stage, then urgency (due
// before the urgency horizon, earliest first), then margin per unit and unit price; ties by order date,
// then line id. Never by chance, never by input order, never by locale. Line indices are sorted over
// numeric keys in typed arrays: a million lines sort without a key object each.
import { dayNumber } from './dates';
import { indexLines, type LineIndex } from './line-index';
import type { Policy } from './policy';
import type { CustomerProfile, DemandLine } from './types';

/**
 * The last day a line counts as urgent. Version 2 of the rules measures urgency against the gap: a line due
 * before the next inbound ETA is urgent. Version 1, or no ETA known: due within the policy's window.
 */
export function urgencyHorizon(policy: Policy, asOf: string, nextInboundEta: string | null | undefined): number {
  if ((policy.rulesVersion === 2 || policy.rulesVersion === 3) && nextInboundEta) return dayNumber(nextInboundEta) - 1;
  return dayNumber(asOf) + policy.urgencyWindowDays;
}

/** Indices of `lines`, highest priority first. `idRank[i]` is line i's place in line id order, the last tie break. */
export function inPriorityOrder(
  lines: readonly DemandLine[],
  customers: readonly CustomerProfile[],
  { owner, days }: LineIndex,
  idRank: Uint32Array,
  policy: Policy,
  horizon: number,
): Uint32Array {
  const n = lines.length;
  // Critical, stage class and urgent day packed into one whole number, smallest first: its class's rank
  // (critical before not, higher class before lower) times the span of urgent days, plus the urgent day's
  // place in that span (not urgent: past its end).
  const classes = [...new Set([0, ...policy.stages.map((s) => s.priorityClass)])].sort((a, b) => b - a);
  const classRank = new Map(policy.stages.map((s) => [s.name, classes.indexOf(s.priorityClass)]));
  const notListed = classes.indexOf(0);
  const requested = new Float64Array(n);
  let [first, last] = [Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    const day = days(lines[i]!.requestedDate);
    requested[i] = day;
    if (day <= horizon) [first, last] = [Math.min(first, day), Math.max(last, day)];
  }
  const span = last >= first ? last - first + 2 : 1;
  const primary = new Float64Array(n);
  const margin = new Float64Array(n);
  const price = new Float64Array(n);
  const ordered = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    const customer = customers[owner[i]!]!;
    const rank = (customer.critical ? 0 : classes.length) + (classRank.get(customer.stage) ?? notListed);
    primary[i] = rank * span + (requested[i]! <= horizon ? requested[i]! - first : span - 1);
    margin[i] = line.unitMargin;
    price[i] = line.unitPrice;
    ordered[i] = days(line.orderDate);
  }
  // Lines grouped by the packed key (a counting sort: few distinct values), each group sorted by the rest.
  const sizes = new Map<number, number>();
  for (let i = 0; i < n; i++) sizes.set(primary[i]!, (sizes.get(primary[i]!) ?? 0) + 1);
  const starts = new Map<number, number>();
  let at = 0;
  for (const key of [...sizes.keys()].sort((a, b) => a - b)) {
    starts.set(key, at);
    at += sizes.get(key)!;
  }
  const order = new Uint32Array(n);
  const next = new Map(starts);
  for (let i = 0; i < n; i++) {
    const slot = next.get(primary[i]!)!;
    order[slot] = i;
    next.set(primary[i]!, slot + 1);
  }
  const rest = (a: number, b: number) =>
    compareNumbers(margin[b]!, margin[a]!) || compareNumbers(price[b]!, price[a]!) || compareNumbers(ordered[a]!, ordered[b]!) || idRank[a]! - idRank[b]!;
  for (const [key, start] of starts) order.subarray(start, start + sizes.get(key)!).sort(rest);
  return order;
}

// −0 and 0 are equal, as they were for the comparison of key objects.
const compareNumbers = (a: number, b: number) => (a < b ? -1 : a > b ? 1 : 0);

/** The lines in the order the engine serves them, for views that explain a plan line by line. */
export function rankLines<L extends DemandLine>(lines: L[], customers: CustomerProfile[], policy: Policy, horizon: number): L[] {
  const index = indexLines({ lines, customers });
  const idRank = new Uint32Array(index.idOrder.length);
  for (let k = 0; k < index.idOrder.length; k++) idRank[index.idOrder[k]!] = k;
  return Array.from(inPriorityOrder(lines, customers, index, idRank, policy, horizon), (i) => lines[i]!);
}
