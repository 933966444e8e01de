// The promises every plan must keep, checked from outside the engine on each crisis. Returns the broken
// ones, each named by its invariant, so the bench can count them and fail.
import { dayNumber } from '../../../src/allocation/dates';
import { strategyFor } from '../../../src/allocation/policy';
import type { AllocationInput, AllocationPlan, DemandLine } from '../../../src/allocation/types';

export const INVARIANTS = [
  'conservation',
  'never above request',
  'packs and all-or-nothing',
  'SKU work conservation',
  'everyone something when the pool holds first packs',
  'critical class short only by others’ first packs',
  'cap while others wait',
  'deferred covered to the next ETA before the cap is lifted',
  'substitute work conservation',
  'determinism under shuffling',
] as const;
export type Invariant = (typeof INVARIANTS)[number];

interface LineFacts {
  line: DemandLine;
  allocated: number;
  filled: number;
  pinned: boolean;
  /** Confirmed units the line keeps whatever happens (win and gain). */
  kept: number;
  /** A win line of a customer that is not critical: served in full past the cap, by the policy's choice. */
  winsPastCap: boolean;
  /** The most the line may hold of the SKU under its segment strategy. */
  most: number;
}

export function brokenPromises(input: AllocationInput, plan: AllocationPlan): Invariant[] {
  const broken = new Set<Invariant>();
  const { policy } = input;
  const restock = input.alreadyReceived !== undefined;
  const received = input.alreadyReceived ?? {};
  const profiles = new Map(input.customers.map((c) => [c.customerId, c]));
  const pins = new Map((input.overrides ?? []).map((o) => [o.lineId, o.allocate]));
  const planned = new Map(plan.lines.map((l) => [l.lineId, l]));

  const facts: LineFacts[] = input.lines.map((line) => {
    const out = planned.get(line.lineId)!;
    let strategy = strategyFor(policy, profiles.get(line.customerId)!);
    if (restock && (strategy === 'fill' || strategy === 'lose')) strategy = 'redistribute';
    const pinned = pins.has(line.lineId);
    if (out.allocated + out.substituted + out.backordered !== line.quantity || out.requested !== line.quantity) broken.add('conservation');
    if ([out.allocated, out.substituted, out.backordered].some((n) => !Number.isSafeInteger(n) || n < 0)) broken.add('never above request');
    const kept = !pinned && (strategy === 'win' || strategy === 'gain') ? line.confirmedQuantity : 0;
    const most = pinned ? out.allocated : strategy === 'fill' ? line.confirmedQuantity : strategy === 'lose' ? 0 : line.quantity;
    if (!pinned) {
      const fresh = out.allocated - kept;
      if (!line.partialAllowed ? out.allocated !== kept && out.allocated !== most : fresh % line.packSize !== 0 && out.allocated !== most) {
        broken.add('packs and all-or-nothing');
      }
    }
    const winsPastCap = !pinned && strategy === 'win' && !profiles.get(line.customerId)!.critical;
    return { line, allocated: out.allocated, filled: out.allocated + out.substituted, pinned, kept, most, winsPastCap };
  });

  const confirmed = input.lines.reduce((a, l) => a + l.confirmedQuantity, 0);
  const allocated = facts.reduce((a, f) => a + f.allocated, 0);
  if (allocated + plan.poolLeft !== input.pool + confirmed || plan.poolLeft < 0) broken.add('conservation');
  for (const usage of plan.substitutes) {
    const shipped = plan.lines.flatMap((l) => l.substitutes).filter((s) => s.sku === usage.sku);
    if (shipped.reduce((a, s) => a + s.quantity, 0) !== usage.used || usage.used > usage.available) broken.add('conservation');
  }

  // The smallest shipment a line can still take of the SKU: a pack, or the whole rest when all-or-nothing.
  const step = (f: LineFacts) => {
    const room = f.most - f.allocated;
    if (f.pinned || room <= 0) return Infinity;
    return f.line.partialAllowed ? Math.min(f.line.packSize, room) : room;
  };
  if (facts.some((f) => step(f) <= plan.poolLeft)) broken.add('SKU work conservation');

  const byCustomer = new Map<string, LineFacts[]>();
  for (const f of facts) byCustomer.set(f.line.customerId, [...(byCustomer.get(f.line.customerId) ?? []), f]);
  const held = (id: string) => byCustomer.get(id)!.reduce((a, f) => a + f.allocated, 0) + (received[id] ?? 0);

  const supply = input.pool + confirmed;
  const cap = Math.ceil(((supply + Object.values(received).reduce((a, n) => a + n, 0)) * policy.capPercent) / 100 - 1e-9);

  // No one left with nothing: customers holding nothing yet, with no pinned line, each get something when
  // what is free to share covers everyone's first pack (a first pack larger than the cap does not count).
  const free = input.pool + confirmed - facts.reduce((a, f) => a + f.kept + (f.pinned ? f.allocated : 0), 0);
  const firstPackUnits = (f: LineFacts) => {
    const room = f.pinned ? 0 : f.most;
    return room <= 0 ? Infinity : f.line.partialAllowed ? Math.min(f.line.packSize, room) : room;
  };
  const firstPack = (f: LineFacts) => {
    const units = firstPackUnits(f);
    return units <= cap ? units : Infinity;
  };
  // Customers holding nothing yet (`pinnedToNothing`: a line pinned to 0 holds nothing), each with its smallest
  // first pack within the cap, and whether the free supply holds them all.
  const firstPacks = (pinnedToNothing: boolean) => {
    const holdsNothing = (f: LineFacts) => (f.pinned ? pinnedToNothing && f.allocated === 0 : f.kept === 0);
    const needing = policy.floorPercent > 0 ? [...byCustomer].filter(([id, fs]) => (received[id] ?? 0) === 0 && fs.every(holdsNothing)) : [];
    const packs = needing.map(([id, fs]) => [id, Math.min(...fs.map(firstPack))] as const).filter(([, n]) => Number.isFinite(n));
    return { packs, fitAll: packs.reduce((a, [, n]) => a + n, 0) <= free };
  };
  const promised = firstPacks(false);
  if (promised.fitAll && promised.packs.some(([id]) => byCustomer.get(id)!.every((f) => f.filled === 0))) {
    broken.add('everyone something when the pool holds first packs');
  }

  // Rules version 3: a critical line still short could not take its next step from what went to the other
  // customers beyond their kept confirmations and pins, less their smallest first packs (held back when the
  // free supply holds everyone's first pack), plus what is left.
  if (policy.rulesVersion >= 3 && policy.criticalBeforeFloors) {
    const isCritical = (f: LineFacts) => profiles.get(f.line.customerId)!.critical;
    const others = facts.filter((f) => !isCritical(f) && !f.pinned);
    const toOthers = others.reduce((a, f) => a + f.allocated - f.kept, 0) + plan.poolLeft;
    const all = firstPacks(true);
    const held = all.fitAll ? all.packs.filter(([id]) => !profiles.get(id)!.critical).reduce((a, [, n]) => a + n, 0) : 0;
    if (facts.some((f) => isCritical(f) && step(f) <= toOthers - held)) broken.add('critical class short only by others’ first packs');
  }

  // The cap: units a customer holds above it (beyond what it keeps, was pinned or received, its win lines
  // took, or a critical customer's first pack under version 5) could have gone to another that waits below the cap — unless that one is not critical and the
  // holder is (critical comes first).
  // Rules version 5, rule 10: a critical customer that held nothing took its first pack past the cap if need
  // be. Which line was its first the plan does not say, so any line holding at least its first pack may have
  // been it: the largest such pack may be held past the cap.
  const pastCapFirstPack = (x: string, xs: LineFacts[]) => {
    if (policy.rulesVersion < 5 || policy.floorPercent <= 0 || !profiles.get(x)!.critical || (received[x] ?? 0) > 0) return 0;
    if (!xs.every((f) => (f.pinned ? f.allocated === 0 : f.kept === 0))) return 0;
    return Math.max(0, ...xs.filter((f) => f.allocated >= firstPackUnits(f)).map(firstPackUnits));
  };
  const eta = input.nextInboundEta ? dayNumber(input.nextInboundEta) - dayNumber(input.asOf) : null;
  for (const [x, xs] of byCustomer) {
    const kept = xs.reduce((a, f) => a + (f.pinned || f.winsPastCap ? f.allocated : f.kept), 0) + (received[x] ?? 0);
    const floor = Math.max(cap, kept, pastCapFirstPack(x, xs));
    const excess = held(x) - floor;
    if (excess <= 0) continue;
    const xCritical = profiles.get(x)!.critical;
    for (const [y, ys] of byCustomer) {
      if (y === x || (xCritical && !profiles.get(y)!.critical)) continue;
      const room = cap - held(y);
      const waits = ys.some((f) => step(f) <= Math.min(room, excess));
      if (!waits) continue;
      broken.add('cap while others wait');
      const stock = profiles.get(y)!.reportedOnHand;
      if (stock && stock.dailyUsage > 0 && eta !== null) {
        const days = (stock.quantity + ys.reduce((a, f) => a + f.filled, 0)) / stock.dailyUsage;
        if (days < eta) broken.add('deferred covered to the next ETA before the cap is lifted');
      }
    }
  }

  if (policy.substitutes.enabled) {
    const lines = new Map(input.lines.map((l) => [l.lineId, l]));
    for (const sub of input.substitutes) {
      const used = plan.substitutes.find((u) => u.sku === sub.sku)?.used ?? 0;
      const left = sub.available - used;
      const unitsFor = (n: number) => Math.ceil(Math.ceil(n * sub.ratio - 1e-9) / sub.packSize) * sub.packSize;
      const idle = plan.lines.some((l) => {
        const line = lines.get(l.lineId)!;
        if (l.backordered <= 0 || !line.substitutesAllowed || !profiles.get(line.customerId)!.acceptsSubstitutes) return false;
        return unitsFor(line.partialAllowed ? 1 : l.backordered) <= left;
      });
      if (idle) broken.add('substitute work conservation');
    }
  }
  return INVARIANTS.filter((i) => broken.has(i));
}
