// The three plain allocations the engine is measured against. Each takes the same input as the engine,
// pins the planner's overrides, puts every confirmation back into the supply (no segment strategies, no
// floors, no cap, no rationing), ships whole packs and all-or-nothing lines whole, then offers each
// substitute, cheapest first, to the lines that accept it in the same order.
import { apportion } from '../../../src/allocation/apportion';
import { dayNumber } from '../../../src/allocation/dates';
import { DEFAULT_POLICY } from '../../../src/allocation/policy';
import type { AllocationInput, DemandLine } from '../../../src/allocation/types';

/** Per input line, in input order. */
export type Outcome = { allocated: number; substituted: number }[];

/** First come, first served: by order date, then line id. */
export function firstComeFirstServed(input: AllocationInput): Outcome {
  return servedInOrder(input, byOrderDate(input.lines));
}

/** Strict priority: critical, stage, requested date, margin, then order date and line id; each line as much as it can take. */
export function strictPriority(input: AllocationInput): Outcome {
  const profiles = new Map(input.customers.map((c) => [c.customerId, c]));
  const stageClass = new Map(DEFAULT_POLICY.stages.map((s) => [s.name, s.priorityClass]));
  const key = (l: DemandLine) => {
    const c = profiles.get(l.customerId)!;
    return [c.critical ? 0 : 1, -(stageClass.get(c.stage) ?? 0), dayNumber(l.requestedDate), -l.unitMargin, dayNumber(l.orderDate)];
  };
  const order = indices(input.lines)
    .map((i) => ({ i, k: key(input.lines[i]!) }))
    .sort((a, b) => compareTuples(a.k, b.k) || compareIds(input.lines[a.i]!.lineId, input.lines[b.i]!.lineId))
    .map((x) => x.i);
  return servedInOrder(input, order);
}

/** A plain proportional split of the supply by line quantity (largest remainder), what packs leave over first come, first served. */
export function proportional(input: AllocationInput): Outcome {
  const { out, left } = pinned(input);
  const free = indices(input.lines).filter((i) => !isPinned(input, i));
  const shares = apportion(left, free.map((i) => input.lines[i]!.quantity));
  let rest = left;
  free.forEach((i, k) => {
    const units = fit(input.lines[i]!, 0, shares[k]!);
    out[i]!.allocated = units;
    rest -= units;
  });
  serve(input, out, byOrderDate(input.lines), rest);
  offerSubstitutes(input, out, byOrderDate(input.lines));
  return out;
}

function servedInOrder(input: AllocationInput, order: number[]): Outcome {
  const { out, left } = pinned(input);
  serve(input, out, order, left);
  offerSubstitutes(input, out, order);
  return out;
}

function pinned(input: AllocationInput): { out: Outcome; left: number } {
  const out: Outcome = input.lines.map(() => ({ allocated: 0, substituted: 0 }));
  const pins = new Map((input.overrides ?? []).map((o) => [o.lineId, o.allocate]));
  let left = input.pool + input.lines.reduce((a, l) => a + l.confirmedQuantity, 0);
  input.lines.forEach((l, i) => {
    const pin = pins.get(l.lineId);
    if (pin === undefined) return;
    out[i]!.allocated = pin;
    left -= pin;
  });
  return { out, left };
}

const isPinned = (input: AllocationInput, i: number) => (input.overrides ?? []).some((o) => o.lineId === input.lines[i]!.lineId);

function serve(input: AllocationInput, out: Outcome, order: number[], supply: number): number {
  let left = supply;
  const pins = new Set((input.overrides ?? []).map((o) => o.lineId));
  for (const i of order) {
    const line = input.lines[i]!;
    if (pins.has(line.lineId)) continue;
    const units = fit(line, out[i]!.allocated, left);
    out[i]!.allocated += units;
    left -= units;
  }
  return left;
}

/** Units a line can take from `budget` on top of `has`: whole packs, or the rest of the line; all-or-nothing whole. */
function fit(line: DemandLine, has: number, budget: number): number {
  const room = line.quantity - has;
  if (room <= 0 || budget <= 0) return 0;
  if (budget >= room) return room;
  if (!line.partialAllowed) return 0;
  return Math.floor(budget / line.packSize) * line.packSize;
}

function offerSubstitutes(input: AllocationInput, out: Outcome, order: number[]): void {
  const accepts = new Map(input.customers.map((c) => [c.customerId, c.acceptsSubstitutes]));
  const subs = [...input.substitutes].sort((a, b) => a.priceDelta - b.priceDelta || compareIds(a.sku, b.sku));
  for (const sub of subs) {
    let left = sub.available;
    const unitsFor = (n: number) => Math.ceil(Math.ceil(n * sub.ratio - 1e-9) / sub.packSize) * sub.packSize;
    for (const i of order) {
      const line = input.lines[i]!;
      if (!line.substitutesAllowed || !accepts.get(line.customerId)) continue;
      const uncovered = line.quantity - out[i]!.allocated - out[i]!.substituted;
      if (uncovered <= 0) continue;
      let covers = unitsFor(uncovered) <= left ? uncovered : line.partialAllowed ? Math.min(uncovered, Math.floor(left / sub.ratio + 1e-9)) : 0;
      while (covers > 0 && unitsFor(covers) > left) covers -= 1;
      if (covers <= 0) continue;
      out[i]!.substituted += covers;
      left -= unitsFor(covers);
    }
  }
}

function byOrderDate(lines: DemandLine[]): number[] {
  return indices(lines).sort((a, b) => dayNumber(lines[a]!.orderDate) - dayNumber(lines[b]!.orderDate) || compareIds(lines[a]!.lineId, lines[b]!.lineId));
}

const indices = (items: readonly unknown[]) => items.map((_, i) => i);

function compareTuples(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
