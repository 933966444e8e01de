// Bounds that hold for EVERY allocation of a crisis, not only the engine's or a baseline's: where they
// exclude a goal, the goals contradict on that crisis whatever the policy (issue 12). Each is computed on a
// continuous relaxation of the crisis, which only enlarges the set of allocations, so a bound that holds on
// the relaxation holds for every real allocation. The relaxation, once for all bounds:
//  - units are fractional: packs, all-or-nothing lines and whole units are dropped;
//  - lines are pooled per customer: a customer takes any amount up to what its lines ask for;
//  - pins (overrides), segment strategies, floors, cap, rationing and already-received units are dropped;
//  - a substitute covers up to `available / ratio` original units (ceilings and packs only ever ship more
//    substitute units for the same cover), and these covers may go to any customer that accepts
//    substitutes, up to its lines that allow them, whichever substitute SKU it is.
// Pure functions of the crisis; nothing of the engine.
import type { AllocationInput } from '../../../src/allocation/types';
import { EPS, GOALS, STRATEGIC, type Figures } from './metrics';

/** A customer as the relaxation sees it. */
export interface Claimant {
  /** Units its lines ask for. */
  requested: number;
  critical: boolean;
  strategic: boolean;
  /** Units of its lines that allow substitutes, when the customer accepts them (0 otherwise). */
  substitutable: number;
}

export interface Relaxation {
  /** Units of the SKU there are to allocate: the pool and every confirmation (what `largestShare` divides by). */
  supply: number;
  /** Original units all substitutes together can cover at most. */
  substituteCover: number;
  /** Customers with demand, as `figuresOf` counts them. */
  claimants: Claimant[];
}

export type Group = 'critical' | 'strategic';

export function relaxationOf(input: AllocationInput): Relaxation {
  const profiles = new Map(input.customers.map((c) => [c.customerId, c]));
  const byCustomer = new Map<string, Claimant>();
  for (const line of input.lines) {
    const profile = profiles.get(line.customerId)!;
    const c = byCustomer.get(line.customerId) ?? { requested: 0, critical: profile.critical, strategic: STRATEGIC.has(profile.stage), substitutable: 0 };
    c.requested += line.quantity;
    if (line.substitutesAllowed && profile.acceptsSubstitutes) c.substitutable += line.quantity;
    byCustomer.set(line.customerId, c);
  }
  // 1e-6: the callers' rounding of n × ratio forgives 1e-9 of a substitute unit.
  const substituteCover = input.substitutes.reduce((a, s) => a + (s.available + 1e-6) / s.ratio, 0);
  return {
    supply: input.pool + input.lines.reduce((a, l) => a + l.confirmedQuantity, 0),
    substituteCover,
    claimants: [...byCustomer.values()].filter((c) => c.requested > 0),
  };
}

const members = (r: Relaxation, group: Group) => r.claimants.filter((c) => c[group]);
const sum = (values: number[]) => values.reduce((a, v) => a + v, 0);

/**
 * Units of the SKU the group's customers must get together for the group's fill to reach `fill`: the
 * group's demand times `fill`, less the most substitute covers its customers can take. Infinity when no
 * allocation reaches it.
 */
export function skuUnitsNeeded(r: Relaxation, group: Group, fill: number): number {
  const customers = members(r, group);
  const requested = sum(customers.map((c) => c.requested));
  const need = Math.max(0, fill * requested - Math.min(r.substituteCover, sum(customers.map((c) => c.substitutable))));
  return need > Math.min(r.supply, requested) + 1e-9 ? Infinity : need;
}

/**
 * The least share of the supply that the group's largest customer holds in any allocation whose group
 * fill is at least `fill` (a lower bound on `largestShare`, which counts SKU units only). Spreading the
 * needed SKU units as evenly as the customers' demands allow minimises the largest: water-filling to the
 * level L with Σ min(requested, L) = needed, so in every allocation one customer of the group holds at
 * least L. Infinity when no allocation reaches the fill.
 */
export function leastLargestShare(r: Relaxation, group: Group, fill: number): number {
  const need = skuUnitsNeeded(r, group, fill);
  if (need === 0) return 0;
  if (!Number.isFinite(need)) return Infinity;
  return waterLevel(members(r, group).map((c) => c.requested), need) / r.supply;
}

/** The level L at which Σ min(cap_i, L) = total (total ≤ Σ cap_i). */
export function waterLevel(caps: number[], total: number): number {
  const sorted = [...caps].sort((a, b) => a - b);
  let left = total;
  for (let i = 0; i < sorted.length; i++) {
    const level = left / (sorted.length - i);
    if (sorted[i]! >= level) return level;
    left -= sorted[i]!;
  }
  return sorted.at(-1) ?? 0;
}

/**
 * The most the group's fill can be in any allocation in which no customer holds more than `largestShare`
 * of the supply: each customer at most min(requested, share × supply) SKU units, all of them together at
 * most the supply, plus the most substitute covers the group can take; at most 1.
 */
export function mostFillWithin(r: Relaxation, group: Group, largestShare: number): number {
  const customers = members(r, group);
  const requested = sum(customers.map((c) => c.requested));
  const units = Math.min(r.supply, sum(customers.map((c) => Math.min(c.requested, largestShare * r.supply))));
  return Math.min(1, (units + Math.min(r.substituteCover, sum(customers.map((c) => c.substitutable)))) / requested);
}

export interface Targets {
  /** Least fill of the critical customers' lines (omit when the crisis has none, or no target). */
  critical?: number;
  /** Least fill of the integrated and interdependent customers' lines. */
  strategic?: number;
}

/**
 * An upper bound on Jain's index of customer fill rates over every allocation that meets `targets`, or null
 * when no allocation meets them together. "Everyone with something" (rates > 0) is dropped too: the bound
 * holds over its closure, so for it as well.
 *
 * The relaxed problem, with r_c ∈ [0, 1] the fill rate of customer c and R_c its demand:
 *   maximise J(r) = (Σ r)² / (n Σ r²)  subject to  Σ R_c r_c ≤ B (supply + substitute covers),
 *   Σ_critical R_c r_c ≥ T_c,  Σ_strategic R_c r_c ≥ T_s.
 * Proof of the bound. For s = Σ r, J = s² / (n Σ r²), so J ≤ s² / (n m(s)) with m(s) the least Σ r² over
 * the allocations with Σ r = s. Weak duality: for any λ, μ_c, μ_s ≥ 0 and any γ, every such r has
 *   Σ r² ≥ Σ r² + λ(Σ R r − B) − μ_c(Σ_crit R r − T_c) − μ_s(Σ_strat R r − T_s) − γ(Σ r − s)
 *        ≥ min over r ∈ [0,1]ⁿ of the same = D + γ s,
 * D = Σ_c f(κ_c R_c − γ) − λB + μ_c T_c + μ_s T_s, κ_c = λ − μ_c[c critical] − μ_s[c strategic], where
 * f(w) = min over x ∈ [0,1] of x² + w x (0 for w ≥ 0, −w²/4 for −2 ≤ w < 0, 1 + w below). So each choice of
 * multipliers gives a line below m for every s at once; with several, m(s) ≥ ℓ(s), their upper envelope,
 * and m(s) ≥ s²/n (Cauchy–Schwarz). Every allocation has s in [sLow, sHigh] (below), so
 *   J ≤ max over s ∈ [sLow, sHigh] of min(1, s² / (n ℓ(s))),
 * and on each piece of ℓ, a + b s, s²/(a + b s) has no interior maximum where a + b s > 0 (its derivative is
 * s(2a + b s)/(a + b s)², whose zero is a minimum there), so the maximum is at the pieces' ends: the range's
 * ends and the crossings of the lines. The multipliers are found by coordinate ascent of D at points of
 * [sLow, sHigh]; how well they are found makes the bound tighter or looser, never wrong, and D is finally
 * evaluated customer by customer.
 */
export function jainCeiling(r: Relaxation, targets: Targets): number | null {
  const n = r.claimants.length;
  if (n === 0) return 1;
  const budget = r.supply + Math.min(r.substituteCover, sum(r.claimants.map((c) => c.substitutable)));
  const need = (group: Group, fill: number | undefined) => (fill === undefined ? 0 : Math.max(0, fill) * sum(members(r, group).map((c) => c.requested)));
  const tc = need('critical', targets.critical);
  const ts = need('strategic', targets.strategic);
  const both = sum(r.claimants.filter((c) => c.critical && c.strategic).map((c) => c.requested));
  // Units any allocation meeting both targets fills: customers in both groups count twice at most.
  if (Math.max(tc, ts, tc + ts - both) > budget * (1 + 1e-12)) return null;

  const classes = CLASS_KEYS.map(([critical, strategic]) => sortedClass(r.claimants.filter((c) => c.critical === critical && c.strategic === strategic), critical, strategic));
  const { sLow, sHigh } = rateSumRange(r, budget, tc, ts);
  if (sHigh <= 0) return 1;

  const problem: Dual = { classes, budget, tc, ts };
  const lines: { intercept: number; slope: number }[] = [];
  const multipliers = { lambda: 0, muC: 0, muS: 0, gamma: 0 };
  const POINTS = 10;
  for (let k = 0; k <= POINTS; k++) {
    const s = sLow + ((sHigh - sLow) * k) / POINTS;
    ascend(problem, multipliers, s);
    lines.push({ intercept: exactIntercept(r, budget, tc, ts, multipliers), slope: multipliers.gamma });
  }
  const envelope = (s: number) => Math.max((s * s) / n, ...lines.map((l) => l.intercept + l.slope * s));
  const candidates = [sLow, sHigh];
  for (let i = 0; i < lines.length; i++) {
    for (let j = i + 1; j < lines.length; j++) {
      const [a, b] = [lines[i]!, lines[j]!];
      if (a.slope === b.slope) continue;
      const s = (b.intercept - a.intercept) / (a.slope - b.slope);
      if (s > sLow && s < sHigh) candidates.push(s);
    }
  }
  // Crossings with s²/n are where the bound is 1 already; the cap covers them.
  let best = 0;
  for (const s of candidates) {
    const m = envelope(s);
    best = Math.max(best, m <= 0 ? 1 : Math.min(1, (s * s) / (n * m)));
  }
  return best;
}

/** The four classes of customers, by (critical, strategic): the multipliers act on each as one. */
const CLASS_KEYS = [
  [false, false],
  [true, false],
  [false, true],
  [true, true],
] as const;

interface SortedClass {
  critical: boolean;
  strategic: boolean;
  /** Demands ascending, and prefix sums of count, R and R². */
  demands: number[];
  sumR: number[];
  sumR2: number[];
}

function sortedClass(claimants: Claimant[], critical: boolean, strategic: boolean): SortedClass {
  const demands = claimants.map((c) => c.requested).sort((a, b) => a - b);
  const sumR = [0];
  const sumR2 = [0];
  for (const d of demands) {
    sumR.push(sumR.at(-1)! + d);
    sumR2.push(sumR2.at(-1)! + d * d);
  }
  return { critical, strategic, demands, sumR, sumR2 };
}

/**
 * The range of Σ r over the relaxed allocations. Highest: the budget filling the smallest demands first.
 * Lowest: each target met by the largest demands first (fewest rates per unit); both together need at least
 * the critical group's least plus the strategic-only customers' least for what customers in both groups
 * cannot give (T_s less their demand), and the same the other way round.
 */
function rateSumRange(r: Relaxation, budget: number, tc: number, ts: number): { sLow: number; sHigh: number } {
  const demandsOf = (keep: (c: Claimant) => boolean) => r.claimants.filter(keep).map((c) => c.requested);
  // The sum of fill rates `units` can buy, filling the demands in `order`: largest first buys the fewest, smallest first the most.
  const rateSum = (order: 1 | -1) => (demands: number[], units: number) => {
    let left = units;
    let rates = 0;
    for (const d of [...demands].sort((x, y) => order * (x - y))) {
      if (left <= 0) break;
      rates += Math.min(1, left / d);
      left -= d;
    }
    return rates;
  };
  const fewest = rateSum(-1);
  const most = rateSum(1);
  const both = sum(demandsOf((c) => c.critical && c.strategic));
  const sLow = Math.max(
    fewest(demandsOf((c) => c.critical), tc) + fewest(demandsOf((c) => c.strategic && !c.critical), ts - both),
    fewest(demandsOf((c) => c.strategic), ts) + fewest(demandsOf((c) => c.critical && !c.strategic), tc - both),
  );
  return { sLow, sHigh: most(demandsOf(() => true), budget) };
}

interface Dual {
  classes: SortedClass[];
  budget: number;
  tc: number;
  ts: number;
}

type Multipliers = { lambda: number; muC: number; muS: number; gamma: number };

const kappaOf = (c: { critical: boolean; strategic: boolean }, m: Multipliers) => m.lambda - (c.critical ? m.muC : 0) - (c.strategic ? m.muS : 0);

/** Index of the first demand > t (strictly: `after`) or ≥ t. */
function firstIndex(demands: number[], t: number, after: boolean): number {
  let lo = 0;
  let hi = demands.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (after ? demands[mid]! > t : demands[mid]! >= t) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/**
 * For one class, the minimisers x = clip((γ − κR)/2, 0, 1) summed: Σ x and Σ R x, from the prefix sums.
 * Used only to steer the ascent; the bound's value is computed customer by customer (exactIntercept).
 */
function classSums(c: SortedClass, kappa: number, gamma: number): { rates: number; units: number } {
  const n = c.demands.length;
  // Index ranges where x = 1 (γ − κR ≥ 2) and where 0 < x < 1.
  let one: [number, number];
  let mid: [number, number];
  if (kappa > 0) {
    const i1 = firstIndex(c.demands, (gamma - 2) / kappa, true);
    const i0 = Math.max(i1, firstIndex(c.demands, gamma / kappa, false));
    one = [0, i1];
    mid = [i1, i0];
  } else if (kappa < 0) {
    const i0 = firstIndex(c.demands, gamma / kappa, true);
    const i1 = Math.max(i0, firstIndex(c.demands, (gamma - 2) / kappa, false));
    mid = [i0, i1];
    one = [i1, n];
  } else {
    one = gamma >= 2 ? [0, n] : [0, 0];
    mid = gamma > 0 && gamma < 2 ? [0, n] : [0, 0];
  }
  const count = (range: [number, number]) => range[1] - range[0];
  const r1 = (range: [number, number]) => c.sumR[range[1]]! - c.sumR[range[0]]!;
  const r2 = (range: [number, number]) => c.sumR2[range[1]]! - c.sumR2[range[0]]!;
  return {
    rates: count(one) + (gamma * count(mid) - kappa * r1(mid)) / 2,
    units: r1(one) + (gamma * r1(mid) - kappa * r2(mid)) / 2,
  };
}

/** The derivative of D + γ s along one multiplier, from the class sums. */
function slopeAlong(p: Dual, m: Multipliers, key: keyof Multipliers, s: number): number {
  let total = 0;
  for (const c of p.classes) {
    if (c.demands.length === 0) continue;
    const x = classSums(c, kappaOf(c, m), m.gamma);
    if (key === 'lambda') total += x.units;
    else if (key === 'muC') total -= c.critical ? x.units : 0;
    else if (key === 'muS') total -= c.strategic ? x.units : 0;
    else total -= x.rates;
  }
  return total + (key === 'lambda' ? -p.budget : key === 'muC' ? p.tc : key === 'muS' ? p.ts : s);
}

/**
 * Coordinate ascent of the concave D + γ s (differentiable: f is), each coordinate to its maximum by
 * bisection of its derivative, which does not increase along it. λ and μ are at least 0; γ is free.
 * At most six sweeps, fewer when one moves no multiplier by more than a millionth: looser multipliers only
 * loosen the bound.
 */
function ascend(p: Dual, m: Multipliers, s: number): void {
  const coordinates: (keyof Multipliers)[] = ['lambda', ...(p.tc > 0 ? (['muC'] as const) : []), ...(p.ts > 0 ? (['muS'] as const) : []), 'gamma'];
  for (let sweep = 0; sweep < 6; sweep++) {
    let moved = 0;
    for (const key of coordinates) {
      const before = m[key];
      const slope = (x: number) => {
        m[key] = x;
        return slopeAlong(p, m, key, s);
      };
      const floor = key === 'gamma' ? -Infinity : 0;
      const g = slope(before);
      if (g === 0 || (g < 0 && before <= floor)) {
        m[key] = before;
        continue;
      }
      // Bracket the maximum, stepping the way the derivative points (the step is bounded: D may be flat far out).
      let step = Math.max(Math.abs(before), key === 'gamma' ? 1 : 1 / (1 + p.budget)) * 0.01;
      let lo = before;
      let hi = before;
      if (g > 0) {
        for (hi = before + step; slope(hi) > 0 && step < 1e15; step *= 4, hi = before + step) lo = hi;
      } else {
        for (lo = Math.max(floor, before - step); lo > floor && slope(lo) < 0 && step < 1e15; step *= 4, lo = Math.max(floor, before - step)) hi = lo;
      }
      if (slope(lo) <= 0) m[key] = lo;
      else {
        while (hi - lo > 1e-5 * (Math.abs(lo) + Math.abs(hi)) + 1e-300) {
          const x = (lo + hi) / 2;
          if (x === lo || x === hi) break;
          if (slope(x) > 0) lo = x;
          else hi = x;
        }
        m[key] = (lo + hi) / 2;
      }
      moved = Math.max(moved, Math.abs(m[key] - before) / (Math.abs(m[key]) + Math.abs(before) + 1e-300));
    }
    if (moved < 1e-6) break;
  }
}

/** D for these multipliers, summed customer by customer (the bound's line is D + γ s). */
function exactIntercept(r: Relaxation, budget: number, tc: number, ts: number, m: Multipliers): number {
  let d = -m.lambda * budget + m.muC * tc + m.muS * ts;
  for (const c of r.claimants) {
    const w = kappaOf(c, m) * c.requested - m.gamma;
    d += w >= 0 ? 0 : w >= -2 ? -(w * w) / 4 : 1 + w;
  }
  // Rounding in the sum: a margin far above it keeps the line below m.
  return d - 1e-9 * (r.claimants.length + Math.abs(d));
}

/** What the bounds say of one crisis against issue 12's goals, given FCFS's and strict priority's figures. */
export interface GoalBounds {
  /** Least largest share with critical fill within the goal of strict priority's; null without critical customers. */
  criticalShare: number | null;
  /** Least largest share with integrated + interdependent fill at the goal (Infinity: out of reach); null without them. */
  strategicShare: number | null;
  /** Highest Jain with both fill goals met (everyone with something too); null when no allocation meets both. */
  jain: number | null;
  /** The most critical / strategic fill of any allocation, and of any whose largest share is no more than FCFS's. */
  criticalFill: { any: number; withinFcfsShare: number } | null;
  strategicFill: { any: number; withinFcfsShare: number } | null;
}

export function goalBounds(input: AllocationInput, fcfs: Figures, strict: Figures): GoalBounds {
  const r = relaxationOf(input);
  const criticalTarget = strict.criticalFill === null ? undefined : strict.criticalFill - GOALS.criticalBelowStrict;
  const strategicTarget = fcfs.strategicFill === null ? undefined : GOALS.strategicFill;
  const fills = (group: Group, present: boolean) => (present ? { any: mostFillWithin(r, group, 1), withinFcfsShare: mostFillWithin(r, group, fcfs.largestShare + EPS) } : null);
  return {
    criticalShare: criticalTarget === undefined ? null : leastLargestShare(r, 'critical', criticalTarget),
    strategicShare: strategicTarget === undefined ? null : leastLargestShare(r, 'strategic', strategicTarget),
    jain: jainCeiling(r, { critical: criticalTarget, strategic: strategicTarget }),
    criticalFill: fills('critical', criticalTarget !== undefined),
    strategicFill: fills('strategic', strategicTarget !== undefined),
  };
}

/**
 * The highest mean of a group's fill over the crises (those with the group) of any set of allocations that
 * Pareto-dominates FCFS on the goal's share of crises: dominance needs a largest share no more than FCFS's,
 * so those crises give at most `withinFcfsShare`; the others, at most `any`, are best taken where that gains
 * most. Crises without the group count among the others as gaining nothing.
 */
export function bestMeanFillWithPareto(fills: ({ any: number; withinFcfsShare: number } | null)[]): number {
  const present = fills.filter((f) => f !== null);
  const spare = fills.length - Math.ceil(fills.length * GOALS.paretoOverFcfs);
  const gains = present.map((f) => f.any - f.withinFcfsShare).sort((a, b) => b - a);
  return (sum(present.map((f) => f.withinFcfsShare)) + sum(gains.slice(0, spare))) / present.length;
}
