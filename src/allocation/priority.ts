// Priority order of demand lines: critical customers first, then relationship stage, then urgency (due
// before the urgency horizon, earliest first), then margin per unit and unit price; ties by order date,
// then line id. Never by chance, never by input order, never by locale. Line indices are sorted over
// numeric keys in typed arrays: a million lines sort without a key object each, nor a comparator call.
import { dayNumber } from './dates';
import { indexLines, type LineIndex } from './line-index';
import type { Policy } from './policy';
import type { CustomerProfile, DemandLine } from './types';

/**
 * The last day a line counts as urgent. Version 2 of the rules measures urgency against the gap: a line due
 * before the next inbound ETA is urgent. Version 1, or no ETA known: due within the policy's window.
 */
export function urgencyHorizon(policy: Policy, asOf: string, nextInboundEta: string | null | undefined): number {
  if (policy.rulesVersion >= 2 && nextInboundEta) return dayNumber(nextInboundEta) - 1;
  return dayNumber(asOf) + policy.urgencyWindowDays;
}

/**
 * Each customer's priority class as a rank, 0 first: critical before not, higher stage class before lower,
 * a stage the policy does not list with class 0.
 */
export function classRanks(customers: readonly CustomerProfile[], policy: Policy): number[] {
  const classes = [...new Set([0, ...policy.stages.map((s) => s.priorityClass)])].sort((a, b) => b - a);
  const classRank = new Map(policy.stages.map((s) => [s.name, classes.indexOf(s.priorityClass)]));
  const notListed = classes.indexOf(0);
  return customers.map((c) => (c.critical ? 0 : classes.length) + (classRank.get(c.stage) ?? notListed));
}

/** Indices of `lines`, highest priority first. */
export function inPriorityOrder(
  lines: readonly DemandLine[],
  customers: readonly CustomerProfile[],
  { owner, idOrder, requestedDay, orderDay }: LineIndex,
  policy: Policy,
  horizon: number,
): Uint32Array {
  const n = lines.length;
  // Critical, stage class and urgent day packed into one whole number, smallest first: its class's rank
  // (critical before not, higher class before lower) times the span of urgent days, plus the urgent day's
  // place in that span (not urgent: past its end).
  const rankOf = classRanks(customers, policy);
  let [first, last] = [Infinity, -Infinity];
  for (let i = 0; i < n; i++) {
    const day = requestedDay[i]!;
    if (day <= horizon) [first, last] = [Math.min(first, day), Math.max(last, day)];
  }
  const span = last >= first ? last - first + 2 : 1;
  const primary = new Float64Array(n);
  const margin = new Float64Array(n);
  const price = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const day = requestedDay[i]!;
    primary[i] = rankOf[owner[i]!]! * span + (day <= horizon ? day - first : span - 1);
    margin[i] = lines[i]!.unitMargin;
    price[i] = lines[i]!.unitPrice;
  }
  // Least significant key first, each pass a stable counting sort: from line id order, by order date, then
  // price and margin (highest first), then the packed key. No comparison sort, no comparator calls.
  let order = idOrder.slice();
  let spare = new Uint32Array(n);
  for (const [key, highestFirst] of [
    [orderDay, false],
    [price, true],
    [margin, true],
    [primary, false],
  ] as const) {
    if (stablyByKey(order, key, highestFirst, spare)) [order, spare] = [spare, order];
  }
  return order;
}

/**
 * Writes `order` into `out` stably sorted by `values` of each index (−0 and 0 as one value, as `<` compares);
 * false, and nothing written, when every value is the same.
 */
function stablyByKey(order: Uint32Array, values: Float64Array, highestFirst: boolean, out: Uint32Array): boolean {
  const { keys, range } = wholeKeys(values);
  if (range <= 1) return false;
  const starts = new Uint32Array(range + 1);
  for (let i = 0; i < keys.length; i++) {
    if (highestFirst) keys[i] = range - 1 - keys[i]!;
    starts[keys[i]! + 1]! += 1;
  }
  for (let k = 0; k < range; k++) starts[k + 1]! += starts[k]!;
  for (let k = 0; k < order.length; k++) {
    const i = order[k]!;
    out[starts[keys[i]!]!++] = i;
  }
  return true;
}

/**
 * A whole number per value, in the values' order (equal values, −0 and 0 too, get the same one), below
 * `range`: the value less the least when all are whole numbers, its cents less the least when all are whole
 * cents (prices, margins), else its rank among the distinct values by a native sort — each a counting sort's bucket.
 */
function wholeKeys(values: Float64Array): { keys: Uint32Array; range: number } {
  const n = values.length;
  const keys = new Uint32Array(n);
  // Buckets are cheap up to a few per line.
  const most = 2 * n + 65_536;
  let [low, high, whole, cents] = [Infinity, -Infinity, true, true];
  for (let i = 0; i < n; i++) {
    const v = values[i]!;
    if (v < low) low = v;
    if (v > high) high = v;
    if (!Number.isInteger(v)) whole = false;
    if (Math.round(v * 100) / 100 !== v) cents = false;
  }
  if (n === 0) return { keys, range: 0 };
  if (whole && high - low < most) {
    for (let i = 0; i < n; i++) keys[i] = values[i]! - low;
    return { keys, range: high - low + 1 };
  }
  // A value that is its cents over 100 maps to them one to one, in order: k/100 rounds the same way for every k.
  const [lowCents, highCents] = [Math.round(low * 100), Math.round(high * 100)];
  if (cents && Number.isSafeInteger(lowCents) && Number.isSafeInteger(highCents) && highCents - lowCents < most) {
    for (let i = 0; i < n; i++) keys[i] = Math.round(values[i]! * 100) - lowCents;
    return { keys, range: highCents - lowCents + 1 };
  }
  // `+ 0` makes −0 into 0, which a typed array's sort would put first.
  const distinct = new Float64Array(n);
  for (let i = 0; i < n; i++) distinct[i] = values[i]! + 0;
  distinct.sort();
  let count = 0;
  for (let k = 0; k < n; k++) if (count === 0 || distinct[k] !== distinct[count - 1]) distinct[count++] = distinct[k]!;
  for (let i = 0; i < n; i++) {
    const v = values[i]! + 0;
    let [lo, hi] = [0, count];
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (distinct[mid]! < v) lo = mid + 1;
      else hi = mid;
    }
    keys[i] = lo;
  }
  return { keys, range: count };
}

/** The lines in the order the engine serves them, for views that explain a plan line by line. */
export function rankLines<L extends DemandLine>(lines: L[], customers: CustomerProfile[], policy: Policy, horizon: number): L[] {
  return Array.from(inPriorityOrder(lines, customers, indexLines({ lines, customers }), policy, horizon), (i) => lines[i]!);
}
