// The sharing rules over one supply — the short SKU's pool, or one substitute's free stock — in the order
// they apply: fair-share floors; priority under the concentration cap (rules version 5: each priority class
// lifted to one fill rate first); customers who hold stock and can
// wait, evened out by days of supply under the cap; then the cap lifted once nobody under it can use what
// is left (work-conserving), for those who cannot wait and then for those who can. Rules version 1 served
// the customers who can wait only after the cap was lifted for everyone else (`deferredBeforeCapRelease`).
// Claims arrive in priority order; the rules write what they give into the claims.
import { apportion } from './apportion';
import { MinHeap } from './min-heap';
import { lastHolding } from './monotone-search';
import { REASON, type ReasonBits } from './reasons';

/**
 * Lines' claims on one supply, in priority order, and their holders (one per customer, in the order of its
 * first claim): one typed array per figure, filled by `add` and reused from one supply to the next.
 */
export class Claims {
  /** Claims and holders in use. */
  count = 0;
  holders = 0;
  // Per claim: the caller's line, its holder, the most units it may take from this supply, grants in whole
  // packs (except one that completes the claim), all or nothing, urgent (due before the urgency horizon), units
  // given so far, reasons noted (reasons.ts).
  readonly line: Uint32Array;
  readonly holder: Uint32Array;
  readonly limit: Float64Array;
  readonly pack: Float64Array;
  readonly allOrNothing: Uint8Array;
  readonly urgent: Uint8Array;
  readonly granted: Float64Array;
  readonly reasons: Int32Array;
  // Per holder: critical; units that count toward its floor and cap (growing with every grant) and what they
  // were when the sharing began; what its floor is a percent of; holds enough stock to wait (no floor, served
  // after everyone who cannot wait); reported stock in original units and use per day (NaN: none reported).
  readonly critical: Uint8Array;
  readonly held: Float64Array;
  readonly heldBefore: Float64Array;
  readonly demand: Float64Array;
  readonly deferred: Uint8Array;
  readonly stock: Float64Array;
  readonly dailyUsage: Float64Array;
  /** Its customer's priority class, 0 first (priority.ts, classRanks). */
  readonly rank: Uint32Array;
  /** Units its pinned lines hold and ask for: left out of its fill rate (an override adds to what it gets). */
  readonly pinned: Float64Array;
  readonly pinnedDemand: Float64Array;
  /** Each holder's claims, in order: members[first[h]] up to members[first[h + 1]]. */
  readonly first: Uint32Array;
  readonly members: Uint32Array;
  /** Per customer of the caller, its holder; -1: none yet. */
  private readonly holderOf: Int32Array;
  private readonly customerOf: Uint32Array;

  constructor(lines: number, customers: number) {
    this.line = new Uint32Array(lines);
    this.holder = new Uint32Array(lines);
    this.limit = new Float64Array(lines);
    this.pack = new Float64Array(lines);
    this.allOrNothing = new Uint8Array(lines);
    this.urgent = new Uint8Array(lines);
    this.granted = new Float64Array(lines);
    this.reasons = new Int32Array(lines);
    this.members = new Uint32Array(lines);
    this.critical = new Uint8Array(customers);
    this.held = new Float64Array(customers);
    this.heldBefore = new Float64Array(customers);
    this.demand = new Float64Array(customers);
    this.deferred = new Uint8Array(customers);
    this.stock = new Float64Array(customers);
    this.dailyUsage = new Float64Array(customers);
    this.rank = new Uint32Array(customers);
    this.pinned = new Float64Array(customers);
    this.pinnedDemand = new Float64Array(customers);
    this.first = new Uint32Array(customers + 1);
    this.holderOf = new Int32Array(customers).fill(-1);
    this.customerOf = new Uint32Array(customers);
  }

  /** Empties the claims for the next supply. */
  clear(): void {
    for (let h = 0; h < this.holders; h++) this.holderOf[this.customerOf[h]!] = -1;
    this.count = 0;
    this.holders = 0;
  }

  /** The holder of `customer`'s claims; -1 until `addHolder`. */
  holderFor(customer: number): number {
    return this.holderOf[customer]!;
  }

  addHolder(
    customer: number,
    figures: {
      critical: boolean;
      held: number;
      demand: number;
      deferred: boolean;
      stock?: { quantity: number; dailyUsage: number };
      rank?: number;
      pinned?: number;
      pinnedDemand?: number;
    },
  ): number {
    const h = this.holders++;
    this.holderOf[customer] = h;
    this.customerOf[h] = customer;
    this.critical[h] = figures.critical ? 1 : 0;
    this.held[h] = figures.held;
    this.demand[h] = figures.demand;
    this.deferred[h] = figures.deferred ? 1 : 0;
    this.stock[h] = figures.stock ? figures.stock.quantity : NaN;
    this.dailyUsage[h] = figures.stock ? figures.stock.dailyUsage : NaN;
    this.rank[h] = figures.rank ?? 0;
    this.pinned[h] = figures.pinned ?? 0;
    this.pinnedDemand[h] = figures.pinnedDemand ?? 0;
    return h;
  }

  add(line: number, holder: number, limit: number, pack: number, allOrNothing: boolean, urgent = false): void {
    const c = this.count++;
    this.line[c] = line;
    this.holder[c] = holder;
    this.limit[c] = limit;
    this.pack[c] = pack;
    this.allOrNothing[c] = allOrNothing ? 1 : 0;
    this.urgent[c] = urgent ? 1 : 0;
    this.granted[c] = 0;
    this.reasons[c] = 0;
  }

  /** Groups the claims by holder, and notes what each holder held before the sharing. */
  group(): void {
    const { first, holder, members } = this;
    first.fill(0, 0, this.holders + 1);
    for (let c = 0; c < this.count; c++) first[holder[c]! + 1]! += 1;
    for (let h = 0; h < this.holders; h++) first[h + 1]! += first[h]!;
    const next = first.slice(0, this.holders);
    for (let c = 0; c < this.count; c++) members[next[holder[c]!]!++] = c;
    this.heldBefore.set(this.held.subarray(0, this.holders));
  }
}

export interface SharingRules {
  floorPercent: number;
  /** Most units one customer holds while others wait. */
  capUnits: number;
  /** Units of this supply per original unit: days of supply are counted in original units. */
  ratio: number;
  /** Customers who can wait are served under the cap before it is lifted for anyone (rules version 2). */
  deferredBeforeCapRelease: boolean;
  /** Under the cap, each priority class is first lifted to one fill rate (rules version 5). */
  fillLevels: boolean;
}

interface Pass {
  left: number;
  rules: SharingRules;
  claims: Claims;
}

const FLOOR = REASON['fair-share-floor'];
const PROPORTIONAL = REASON['proportional-split'];
const CAP = REASON['concentration-cap'];
const CAP_RELEASED = REASON['cap-released'];
const RATIONED = REASON['rationed-days-of-supply'];
const CRITICAL = REASON['critical-priority'];
const STAGE = REASON['stage-priority'];
const SKIPPED = REASON['all-or-nothing-skipped'];
const ROUNDED = REASON['pack-size-rounded'];

/** How far one sharing goes: its floors alone, everything under the cap (rules version 2 on), or on until the cap is lifted. */
export type SharingReach = 'floors' | 'under the cap' | 'all';

/**
 * Shares `supply` among the claims by the rules, in order, as far as `reach`; returns what nobody could use.
 * `setAside` units are kept out of everything after the floors (other customers' floors, reserved) and
 * returned with the rest.
 */
export function distribute(supply: number, claims: Claims, rules: SharingRules, setAside = 0, reach: SharingReach = 'all'): number {
  claims.group();
  const pass: Pass = { left: supply, rules, claims };
  serveFloors(pass);
  if (reach === 'floors') return pass.left;
  const reserved = Math.min(pass.left, setAside);
  pass.left -= reserved;
  if (rules.fillLevels) serveFillLevels(pass);
  else servePriority(pass, true);
  if (rules.deferredBeforeCapRelease) {
    serveRationed(pass, true);
    if (reach === 'under the cap') return pass.left + reserved;
    servePriority(pass, false);
  } else {
    servePriority(pass, false);
    serveRationed(pass, true);
  }
  serveRationed(pass, false);
  return pass.left + reserved;
}

/** Units the claims' floors would take from an unlimited supply. */
export function floorNeeds(claims: Claims, rules: SharingRules): number {
  claims.group();
  return floorBounds({ left: 0, rules, claims }).bounds.reduce((a, n) => a + n, 0);
}

/** Serves claims strictly in order, no floor, no cap (lines that must win); returns what is left. */
export function serveInOrder(supply: number, claims: Claims): number {
  const pass: Pass = { left: supply, rules: { floorPercent: 0, capUnits: Infinity, ratio: 1, deferredBeforeCapRelease: false, fillLevels: false }, claims };
  // An empty budget gives nothing and notes nothing: the claims after the supply runs out are left as they are.
  for (let c = 0; c < claims.count && pass.left > 0; c++) give(pass, c, fit(pass, c, pass.left, false), priorityReason(claims, c));
  return pass.left;
}

/** Whole units of `units × percent / 100`, rounded down (floors) or up (the cap), immune to float noise. */
export const percentOf = (units: number, percent: number, round: 'down' | 'up') =>
  round === 'down' ? Math.floor((units * percent) / 100 + 1e-9) : Math.ceil((units * percent) / 100 - 1e-9);

/** Floors: every customer that cannot wait first gets its percent of its demand; short of that, shares in proportion. */
function serveFloors(pass: Pass): void {
  const { waiting, needs, bounds } = floorBounds(pass);
  const total = bounds.reduce((a, n) => a + n, 0);
  if (total === 0) return;
  const split = total > pass.left;
  const shares = split ? apportion(pass.left, needs, bounds) : bounds;
  const { first, members, reasons } = pass.claims;
  for (let k = 0; k < waiting.length; k++) {
    const h = waiting[k]!;
    let share = shares[k]!;
    for (let m = first[h]!; m < first[h + 1]! && share > 0; m++) {
      const c = members[m]!;
      const units = fit(pass, c, share, true);
      give(pass, c, units, FLOOR);
      if (units > 0 && split) reasons[c]! |= PROPORTIONAL;
      share -= units;
    }
  }
}

function floorBounds(pass: Pass): { waiting: number[]; needs: number[]; bounds: number[] } {
  const { holders, deferred, demand, held, first, members, limit, granted } = pass.claims;
  const { floorPercent, capUnits } = pass.rules;
  const waiting: number[] = [];
  const needs: number[] = [];
  const bounds: number[] = [];
  for (let h = 0; h < holders; h++) {
    if (deferred[h]) continue;
    const need = Math.max(0, percentOf(demand[h]!, floorPercent, 'down') - held[h]!);
    // What it can take toward its floor: no more than its lines' room, nor past the cap.
    let room = 0;
    for (let m = first[h]!; m < first[h + 1]!; m++) room += limit[members[m]!]! - granted[members[m]!]!;
    waiting.push(h);
    needs.push(need);
    bounds.push(Math.max(0, Math.min(need, room, capUnits - held[h]!)));
  }
  return { waiting, needs, bounds };
}

/** Priority: claims (from `start` to `end`) of customers who cannot wait, in order, each as much as it can take. */
function servePriority(pass: Pass, capped: boolean, start = 0, end = pass.claims.count): void {
  const { claims } = pass;
  const { holder, deferred } = claims;
  for (let c = start; c < end && pass.left > 0; c++) {
    if (deferred[holder[c]!]) continue;
    give(pass, c, fit(pass, c, pass.left, capped), capped ? priorityReason(claims, c) : CAP_RELEASED);
  }
}

/**
 * Rules version 5, before priority under the cap: each priority class in turn (critical, then each stage
 * class), its lines due before the urgency horizon and then all its lines, its customers who cannot wait
 * are lifted to one fill rate, the highest the supply holds under the cap; each customer takes its units on
 * its lines in order, in whole packs, all-or-nothing lines whole. What that leaves goes to the class's lines
 * by priority, before the next class.
 */
function serveFillLevels(pass: Pass): void {
  const { holders, rank, count, holder } = pass.claims;
  // Claims and holders come in priority order, so each class's claims and holders are one run of each.
  for (let from = 0, to = 0, start = 0, end = 0; from < holders && pass.left > 0; from = to, start = end) {
    while (to < holders && rank[to] === rank[from]) to++;
    while (end < count && rank[holder[end]!] === rank[from]) end++;
    liftToLevel(pass, from, to, true);
    liftToLevel(pass, from, to, false);
    servePriority(pass, true, start, end);
  }
}

/** Holders `from`–`to` (but those who can wait) lifted to one fill rate on their urgent claims (`urgentOnly`) or all. */
function liftToLevel(pass: Pass, from: number, to: number, urgentOnly: boolean): void {
  const { deferred, demand, held, pinned, pinnedDemand, first, members, limit, granted, urgent, allOrNothing, pack } = pass.claims;
  const { capUnits } = pass.rules;
  // Fill rates of what is not pinned: an override adds to a customer's share, as it did line by line.
  const wants = (h: number) => demand[h]! - pinnedDemand[h]!;
  const has = (h: number) => held[h]! - pinned[h]!;
  // Each holder's room: what its claims (a customer's urgent ones come first) and the cap still take.
  const rooms = new Float64Array(to - from);
  for (let h = from; h < to; h++) {
    if (deferred[h] || wants(h) <= 0) continue;
    let room = 0;
    for (let m = first[h]!; m < first[h + 1]!; m++) {
      const c = members[m]!;
      if (urgentOnly && !urgent[c]) break;
      room += limit[c]! - granted[c]!;
    }
    rooms[h - from] = Math.max(0, Math.min(room, capUnits - held[h]!));
  }
  const toLevel = (h: number, level: number) => Math.min(rooms[h - from]!, Math.max(0, Math.floor(level * wants(h) - has(h) + 1e-9)));
  const units = (level: number) => {
    let total = 0;
    for (let h = from; h < to; h++) total += toLevel(h, level);
    return total;
  };
  const full = units(1);
  if (full === 0) return;
  // The highest fill rate whose units the supply holds: halving, from none to full, done once they use it all.
  let [lo, hi, used] = [0, 1, 0];
  if (full <= pass.left) lo = 1;
  for (let k = 0; k < 64 && lo < 1 && used < pass.left; k++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    const n = units(mid);
    if (n <= pass.left) [lo, used] = [mid, n];
    else hi = mid;
  }
  // Who is lifted (not above the level already) and still has room after it takes one more step each, in
  // priority order: the whole units of the level leave less than a unit for each of them.
  const lifted = new Uint8Array(to - from);
  for (let h = from; h < to; h++) {
    if (rooms[h - from]! <= 0 || has(h) > lo * wants(h) + 1e-9) continue;
    lifted[h - from] = 1;
    let share = toLevel(h, lo);
    for (let m = first[h]!; m < first[h + 1]! && share > 0; m++) {
      const c = members[m]!;
      if (urgentOnly && !urgent[c]) break;
      const given = fit(pass, c, share, true);
      give(pass, c, given, priorityReason(pass.claims, c));
      share -= given;
    }
  }
  for (let h = from; h < to && pass.left > 0; h++) {
    if (!lifted[h - from]) continue;
    for (let m = first[h]!; m < first[h + 1]!; m++) {
      const c = members[m]!;
      if (urgentOnly && !urgent[c]) break;
      const given = fit(pass, c, Math.min(pass.left, allOrNothing[c] ? limit[c]! - granted[c]! : pack[c]!), true);
      give(pass, c, given, priorityReason(pass.claims, c));
      if (given > 0) break;
    }
  }
}

/**
 * Rationing: customers who can wait get what is left pack by pack, fewest days of supply first. The packs a
 * customer takes before another has fewer days are given at once (`wholePacksAhead`); customers taking turns
 * a pack each, their days close together, are lifted together to a level of days (`raiseLevel`). Either
 * gives exactly what pack by pack would, and the loop turns per change of claim, not per unit.
 */
function serveRationed(pass: Pass, capped: boolean): void {
  const { holders, deferred, held, heldBefore, stock, dailyUsage, first } = pass.claims;
  const { ratio } = pass.rules;
  // Days of supply change only for the holder just served: each is worked out once per grant. `more` units
  // on top of what it holds: the same sum, in the same order, as when they are given.
  const days = new Float64Array(holders);
  const daysOf = (h: number, more = 0) =>
    Number.isNaN(stock[h]!) || dailyUsage[h]! <= 0 ? Infinity : (stock[h]! + (held[h]! + more - heldBefore[h]!) / ratio) / dailyUsage[h]!;
  const queue = new MinHeap(holders, (a, b) => days[a]! < days[b]! || (days[a] === days[b] && a < b));
  const r: Rationing = { pass, capped, days, daysOf, queue, cursor: new Uint32Array(holders) };
  for (let h = 0; h < holders; h++) {
    if (!deferred[h]) continue;
    days[h] = daysOf(h);
    r.cursor[h] = first[h]!;
    queue.push(h);
  }
  // Turns before the customers are lifted to a level: any turns, not only single packs in a row (two customers
  // can alternate one pack and two for billions of turns); doubled while lifting gives nothing, reset when it does.
  let [turns, patience] = [0, 64];
  while (pass.left > 0 && queue.size > 0) {
    if (turns >= patience) {
      turns = 0;
      patience = raiseLevel(r) ? 64 : patience * 2;
      continue;
    }
    serveTurn(r, queue.pop());
    turns++;
  }
}

interface Rationing {
  pass: Pass;
  capped: boolean;
  days: Float64Array;
  daysOf: (h: number, more?: number) => number;
  /** Customers who can wait and may still take a step, fewest days first. */
  queue: MinHeap;
  /** Per holder, the claim it is served on. */
  cursor: Uint32Array;
}

/** Holder `h`'s turn: its claim in order that can take a step takes it (or the whole packs it takes in a row). */
function serveTurn(r: Rationing, h: number): void {
  const { pass, capped, days, daysOf, queue, cursor } = r;
  const { first, members, limit, granted, pack, allOrNothing } = pass.claims;
  const ahead = (d: number, of: number) => d < days[of]! || (d === days[of] && h < of);
  // A claim that cannot take a step now never can in this pass: supply only shrinks, holdings only grow.
  for (; cursor[h]! < first[h + 1]!; cursor[h]!++) {
    const c = members[cursor[h]!]!;
    const packs = allOrNothing[c] ? 0 : wholePacksAhead(pass, c, capped, (j) => queue.size === 0 || ahead(daysOf(h, j * pack[c]!), queue.peek()));
    const step = allOrNothing[c] ? limit[c]! - granted[c]! : pack[c]!;
    const units = packs > 0 ? packs * pack[c]! : fit(pass, c, Math.min(pass.left, step), capped);
    if (units > 0) {
      give(pass, c, units, capped ? RATIONED : CAP_RELEASED);
      days[h] = daysOf(h);
      queue.push(h);
      return;
    }
  }
}

/** Whole packs partial claim `c` can take without noting a reason, the supply aside: its room and (when capped) the cap's. */
function wholePacks(pass: Pass, c: number, capped: boolean): number {
  const { limit, granted, held, holder, pack } = pass.claims;
  const room = Math.min(limit[c]! - granted[c]!, capped ? pass.rules.capUnits - held[holder[c]!]! : Infinity);
  return room > 0 ? Math.floor(room / pack[c]!) : 0;
}

/**
 * How many whole packs partial claim `c` takes in a row, one rationing step each: as many as its room, the
 * supply and (when capped) the cap hold — steps that note no reason — while its holder, `j` packs more,
 * still comes first (`stillFirst`, false from some j on). The first step needs no check: its holder was just
 * chosen. 0 when not one whole pack fits, and the step is left to `fit`.
 */
function wholePacksAhead(pass: Pass, c: number, capped: boolean, stillFirst: (j: number) => boolean): number {
  const most = Math.min(wholePacks(pass, c, capped), Math.floor(pass.left / pass.claims.pack[c]!));
  if (most <= 1) return most;
  // The first j in 1..most-1 at which the holder no longer comes first ends the run; none: all `most`.
  return lastHolding(0, most - 1, stillFirst) + 1;
}

/**
 * Pack by pack, the customers served are those below some level of days in turn; every pack given below a
 * level D comes before any given at or above it. So when, below D, every customer is on a partial claim
 * that still takes whole packs past D (no claim runs out or meets the cap below D, where the next step could
 * be a different one) and the supply holds all of them, they are given at once, as pack by pack would.
 * Finds the highest such level (doubling, then halving the gap) and gives; false when it is no higher than
 * the fewest days now.
 */
function raiseLevel(r: Rationing): boolean {
  const { pass, capped, days, daysOf, queue, cursor } = r;
  const { first, members, pack, allOrNothing } = pass.claims;
  const base = days[queue.peek()]!;
  if (!Number.isFinite(base)) return false;
  // Packs holder h takes below `level`, or -1 when the level is too high for it.
  const packsBelow = (h: number, level: number): number => {
    if (cursor[h]! >= first[h + 1]!) return -1;
    const c = members[cursor[h]!]!;
    const most = allOrNothing[c] ? 0 : wholePacks(pass, c, capped);
    if (most === 0 || daysOf(h, most * pack[c]!) < level) return -1;
    // The first j in 1..most at which it reaches the level.
    return lastHolding(0, most - 1, (j) => daysOf(h, j * pack[c]!) < level) + 1;
  };
  // The holders below `level` (the heap's places whose days are below it), each with its packs; null when the level is too high.
  const below = (level: number): { h: number; packs: number }[] | null => {
    const found: { h: number; packs: number }[] = [];
    let units = 0;
    const stack = [0];
    while (stack.length > 0) {
      const i = stack.pop()!;
      if (i >= queue.size) continue;
      const h = queue.at(i);
      if (!(days[h]! < level)) continue;
      const packs = packsBelow(h, level);
      if (packs < 0) return null;
      units += packs * pack[members[cursor[h]!]!]!;
      if (units > pass.left) return null;
      found.push({ h, packs });
      stack.push(2 * i + 1, 2 * i + 2);
    }
    return found;
  };
  let [lo, gap] = [base, 1 / Math.max(1, pass.claims.dailyUsage[queue.peek()]!)];
  let hi = base + gap;
  for (let k = 0; k < 64 && below(hi) !== null; k++) [lo, gap, hi] = [hi, gap * 2, base + gap * 2];
  for (let k = 0; k < 64; k++) {
    const mid = lo + (hi - lo) / 2;
    if (mid <= lo || mid >= hi) break;
    if (below(mid) !== null) lo = mid;
    else hi = mid;
  }
  const raised = lo > base ? below(lo) : null;
  if (!raised || raised.length === 0) return false;
  for (const { h, packs } of raised) give(pass, members[cursor[h]!]!, packs * pack[members[cursor[h]!]!]!, capped ? RATIONED : CAP_RELEASED);
  for (const { h } of raised) days[h] = daysOf(h);
  queue.reorder();
  return true;
}

/**
 * Units claim `c` can take within `budget`: no more than its room and (when capped) its holder's room under
 * the cap, in whole packs, all or nothing for all-or-nothing lines. Notes on the claim why it takes less.
 */
function fit(pass: Pass, c: number, budget: number, capped: boolean): number {
  const { limit, granted, held, holder, reasons, allOrNothing, pack } = pass.claims;
  const room = limit[c]! - granted[c]!;
  if (room <= 0 || budget <= 0) return 0;
  const wanted = Math.min(room, budget);
  const bound = capped ? Math.min(wanted, Math.max(0, pass.rules.capUnits - held[holder[c]!]!)) : wanted;
  if (bound < wanted) reasons[c]! |= CAP;
  if (bound === room) return room;
  if (allOrNothing[c]) {
    if (budget < room) reasons[c]! |= SKIPPED;
    return 0;
  }
  const units = Math.floor(bound / pack[c]!) * pack[c]!;
  if (units < bound) reasons[c]! |= ROUNDED;
  return units;
}

function give(pass: Pass, c: number, units: number, reason: ReasonBits): void {
  if (units <= 0) return;
  const { granted, held, holder, reasons } = pass.claims;
  granted[c]! += units;
  held[holder[c]!]! += units;
  pass.left -= units;
  reasons[c]! |= reason;
}

const priorityReason = (claims: Claims, c: number): ReasonBits => (claims.critical[claims.holder[c]!] ? CRITICAL : STAGE);
