// The allocation engine (shared/DOMAIN.md, "The allocation engine"): a pure, deterministic, explainable
// split of a short SKU among its open demand lines. The rules, in the order they apply:
//   1. planner overrides are pinned first;
//   2. confirmations made before the incident follow their segment's strategy: `win` and `gain` lines
//      keep theirs, every other line's confirmation goes back to the pool (`fill` may win it back but
//      never more, `lose` gets none of the SKU);
//   3. every customer holding nothing gets its first pack (rules version 2, policy.ts rule 1);
//   4. critical customers share by the sharing rules among themselves (version 2, rule 2); then `win`
//      lines are served in full, in priority order, ahead of the other customers' floors, cap and
//      rationing — an exception for a person when they cannot be (version 1: every win line, critical
//      or not, before anything else);
//   5. the rest is shared by the sharing rules (distribute.ts): fair-share floors, priority under the
//      concentration cap, the customers who report enough stock to wait evened out by days of supply,
//      the cap lifted when nobody else can use the rest;
//   6. substitutes cover what stays uncovered, for lines and customers that accept them, by the same
//      sharing rules, the cheapest substitute first; what the cap leaves idle goes by priority to the
//      lines still short (version 2, rule 5);
//   7. each line's outcome with its reason codes, totals per relationship stage.
// A restock round (`alreadyReceived` given) is the same computation: its lines are the open backorders,
// its pool the receipt, and `alreadyReceived` counts what each customer got earlier in the incident toward
// floors and cap. Its lines hold no stock from before the incident, so `fill` and `lose`, which only limit
// what a line gets back of that stock, do not hold back their backorders: they are served by priority like
// the others, and `win` lines still come first.
// Units are whole numbers throughout (types.ts explains how substitutes count). The same input gives the
// same output byte for byte, whatever the order of its lines, customers or substitutes.
import { AllocationInputError, checkInput } from './check-input';
import { dayNumber } from './dates';
import { distribute, floorNeeds, percentOf, serveInOrder, type Claim, type Holder, type SharingRules } from './distribute';
import { strategyFor, type Policy, type Strategy } from './policy';
import { inPriorityOrder, urgencyHorizon } from './priority';
import {
  REASON_CODES,
  type AllocationInput,
  type AllocationPlan,
  type AllocationSummary,
  type CustomerProfile,
  type DemandLine,
  type LineAllocation,
  type PlanOverride,
  type ReasonCode,
  type StageTotals,
  type SubstituteAllocation,
  type SubstituteSupply,
  type SubstituteUsage,
} from './types';

export { AllocationInputError } from './check-input';

interface CustomerState {
  profile: CustomerProfile;
  /** Reports enough stock on hand to wait (rationing). */
  deferred: boolean;
  /** Units received earlier in this incident. */
  received: number;
  lines: LineState[];
}

interface LineState {
  line: DemandLine;
  customer: CustomerState;
  strategy: Strategy;
  pinned: boolean;
  /** Due before the next inbound ETA (rules version 2). */
  urgentBeforeEta: boolean;
  /** Units of the SKU, a kept confirmation included. */
  allocated: number;
  substitutes: SubstituteAllocation[];
  reasons: Set<ReasonCode>;
}

interface Book {
  policy: Policy;
  /** Rules version 2 (policy.ts). */
  keepsPromises: boolean;
  /** Highest priority first. */
  lines: LineState[];
  /** Most units one customer holds while others wait. */
  capUnits: number;
}

// Ratios are decimals: a product like 3 × 1.1 must not round up to an extra unit.
const EPSILON = 1e-9;

export function allocate(input: AllocationInput): AllocationPlan {
  checkInput(input);
  const book = openBook(input, input.alreadyReceived !== undefined);
  const supply = input.pool + sum(book.lines, (l) => l.line.confirmedQuantity);
  let left = pinOverrides(book, input.overrides ?? [], supply);
  left = keepConfirmations(book, left);
  if (book.keepsPromises) {
    left = serveFirstPacks(book, left);
    const shared = (l: LineState) => !l.pinned && l.strategy !== 'win';
    const critical = book.lines.filter((l) => !l.pinned && l.customer.profile.critical);
    const others = book.lines.filter((l) => !l.customer.profile.critical);
    // Other customers' floors set aside before critical needs beyond their floors, when the policy says so.
    const setAside = book.policy.criticalBeforeFloors ? 0 : floorNeeds(stakeShares(others.filter(shared)).map((s) => s.claim), sharingRules(book, 1));
    left = shareThePool(book, critical, left, setAside);
    left = serveWinLines(book, others, left);
    left = shareThePool(book, others.filter(shared), left);
  } else {
    left = serveWinLines(book, book.lines, left);
    left = shareThePool(book, book.lines.filter((l) => !l.pinned && l.strategy !== 'win'), left);
  }
  const substitutes = input.policy.substitutes.enabled
    ? [...input.substitutes].sort(cheapestFirst).map((substitute) => offerSubstitute(book, substitute))
    : [];
  return planOf(book, input, { supply, left, substitutes });
}

/** The plan without its lines: what workflow history keeps. */
export function summarizePlan(plan: AllocationPlan): AllocationSummary {
  const { lines: _lines, ...summary } = plan;
  return summary;
}

function openBook(input: AllocationInput, restock: boolean): Book {
  const { policy } = input;
  const keepsPromises = policy.rulesVersion === 2;
  const profiles = new Map(input.customers.map((c) => [c.customerId, c]));
  const received = input.alreadyReceived ?? {};
  const customers = new Map<string, CustomerState>();
  const horizon = urgencyHorizon(policy, input.asOf, input.nextInboundEta);
  const urgentBeforeEta = keepsPromises && !!input.nextInboundEta;
  const waitDays = keepsPromises && input.nextInboundEta ? dayNumber(input.nextInboundEta) - dayNumber(input.asOf) + policy.rationing.etaMarginDays : policy.rationing.minDaysOfSupply;
  const ordered = inPriorityOrder(input.lines, (l) => profiles.get(l.customerId)!, policy, horizon);
  const lines = ordered.map((line) => {
    const profile = profiles.get(line.customerId)!;
    let customer = customers.get(line.customerId);
    if (!customer) {
      customer = {
        profile,
        deferred: canWait(profile, policy, waitDays),
        received: Object.hasOwn(received, line.customerId) ? received[line.customerId]! : 0,
        lines: [],
      };
      customers.set(line.customerId, customer);
    }
    const state: LineState = {
      line,
      customer,
      strategy: strategyOf(policy, profile, restock),
      pinned: false,
      urgentBeforeEta: urgentBeforeEta && dayNumber(line.requestedDate) <= horizon,
      allocated: 0,
      substitutes: [],
      reasons: new Set(),
    };
    customer.lines.push(state);
    return state;
  });
  const capBase = input.pool + sum(lines, (l) => l.line.confirmedQuantity) + sum(Object.values(received), (units) => units);
  return { policy, keepsPromises, lines, capUnits: percentOf(capBase, policy.capPercent, 'up') };
}

function sharingRules(book: Book, ratio: number, capUnits = book.capUnits): SharingRules {
  return { floorPercent: book.policy.floorPercent, capUnits, ratio, deferredBeforeCapRelease: book.keepsPromises };
}

/** The segment's strategy; in a restock round `fill` and `lose` have no earlier stock to limit, so they share like `redistribute`. */
function strategyOf(policy: Policy, profile: CustomerProfile, restock: boolean): Strategy {
  const strategy = strategyFor(policy, profile);
  return restock && (strategy === 'fill' || strategy === 'lose') ? 'redistribute' : strategy;
}

/** Rationing: a customer whose reported stock lasts `days` can wait (version 2: the next ETA plus the margin). */
function canWait(profile: CustomerProfile, policy: Policy, days: number): boolean {
  const stock = profile.reportedOnHand;
  if (!policy.rationing.enabled || !stock || stock.quantity <= 0) return false;
  return stock.dailyUsage <= 0 || stock.quantity / stock.dailyUsage >= days;
}

/** Rule 1: an override pins the line's quantity. It may use any stock but the confirmations win and gain lines keep. */
function pinOverrides(book: Book, overrides: PlanOverride[], supply: number): number {
  const byId = new Map(book.lines.map((l) => [l.line.lineId, l]));
  const pins = [...overrides].sort((a, b) => compareIds(a.lineId, b.lineId)).map((o) => ({ allocate: o.allocate, state: byId.get(o.lineId)! }));
  for (const { state } of pins) state.pinned = true;
  const keptElsewhere = sum(book.lines.filter(keepsConfirmation), (l) => l.line.confirmedQuantity);
  let left = supply - keptElsewhere;
  for (const { allocate, state } of pins) {
    if (allocate > left) {
      throw new AllocationInputError(`override for line ${state.line.lineId}: ${allocate} units exceed the ${left} left in the pool`);
    }
    state.allocated = allocate;
    state.reasons.add('override');
    left -= allocate;
  }
  return left + keptElsewhere;
}

/** Rule 2: win and gain lines keep their confirmed stock; every other confirmation is back in the pool. */
function keepConfirmations(book: Book, left: number): number {
  for (const state of book.lines.filter((l) => !l.pinned)) {
    const { quantity, confirmedQuantity } = state.line;
    if (keepsConfirmation(state)) {
      state.allocated = confirmedQuantity;
      left -= confirmedQuantity;
    }
    if (state.strategy === 'fill' && confirmedQuantity < quantity) state.reasons.add('segment-fill-limit');
    if (state.strategy === 'lose' && quantity > 0) state.reasons.add('segment-lose');
  }
  return left;
}

const keepsConfirmation = (l: LineState) => !l.pinned && (l.strategy === 'win' || l.strategy === 'gain') && l.line.confirmedQuantity > 0;

/**
 * Rule 3 (version 2): every customer that holds nothing gets one pack of its most urgent line that fits,
 * within the cap; short of everyone's first pack, the most customers possible, smallest first pack first.
 * No floor percent, no first pack.
 */
function serveFirstPacks(book: Book, left: number): number {
  if (book.policy.floorPercent <= 0) return left;
  const seen = new Set<CustomerState>();
  const firsts: { customer: CustomerState; need: number; order: number }[] = [];
  for (const state of book.lines) {
    const c = state.customer;
    if (seen.has(c)) continue;
    seen.add(c);
    if (c.received > 0 || c.lines.some((l) => l.allocated > 0)) continue;
    const need = Math.min(...c.lines.map(firstPack));
    if (need <= book.capUnits) firsts.push({ customer: c, need, order: firsts.length });
  }
  let total = sum(firsts, (f) => f.need);
  if (total > left) {
    firsts.sort((a, b) => a.need - b.need || a.order - b.order);
    total = 0;
  }
  for (const { customer, need } of firsts) {
    total -= Math.min(total, need);
    // What the customers after this one still need stays free: this one takes its most urgent line that fits the rest.
    const budget = left - total;
    const state = customer.lines.find((l) => firstPack(l) <= Math.min(budget, book.capUnits));
    if (!state) continue;
    const units = firstPack(state);
    state.allocated += units;
    state.reasons.add('customer-floor');
    left -= units;
  }
  return left;
}

/** The smallest shipment a line can take: a pack, the rest of the line if shorter, the whole of an all-or-nothing line. */
function firstPack(l: LineState): number {
  const room = l.pinned ? 0 : mostOfSku(l) - l.allocated;
  if (room <= 0) return Infinity;
  return l.line.partialAllowed ? Math.min(l.line.packSize, room) : room;
}

/** Rule 4: lines that must win are served in full, in priority order. */
function serveWinLines(book: Book, lines: LineState[], left: number): number {
  const staked = stake(
    lines.filter((l) => !l.pinned && l.strategy === 'win'),
    (l) => l.line.quantity - l.allocated,
    (c) => holder(c, { held: 0, demand: 0, deferred: false }),
  );
  left = serveInOrder(left, staked.map((s) => s.claim));
  for (const { state, claim } of staked) state.allocated += claim.granted;
  return left;
}

/** Rule 5: the pool among `lines` by the sharing rules; floors and cap count what each customer already holds. */
function shareThePool(book: Book, lines: LineState[], left: number, setAside = 0): number {
  const staked = stakeShares(lines);
  for (const { state } of staked) if (state.customer.deferred) state.reasons.add('deferred-holds-stock');
  left = distribute(left, staked.map((s) => s.claim), sharingRules(book, 1), setAside);
  for (const { state, claim } of staked) state.allocated += claim.granted;
  return left;
}

function stakeShares(lines: LineState[]): Staked[] {
  return stake(
    lines,
    (l) => mostOfSku(l) - l.allocated,
    (c) =>
      holder(c, {
        held: sum(c.lines, (l) => l.allocated) + c.received,
        demand: sum(c.lines, (l) => l.line.quantity) + c.received,
        deferred: c.deferred,
      }),
  );
}

/** What a line may hold of the SKU under its segment strategy. */
function mostOfSku(l: LineState): number {
  if (l.strategy === 'fill') return l.line.confirmedQuantity;
  if (l.strategy === 'lose') return 0;
  return l.line.quantity;
}

/** Rule 6: one substitute's free stock covers what stays uncovered, by the same sharing rules, in its own units. */
function offerSubstitute(book: Book, substitute: SubstituteSupply): SubstituteUsage {
  const { policy } = book;
  const accepts = (l: LineState) => l.line.substitutesAllowed && l.customer.profile.acceptsSubstitutes;
  const staked = stake(
    book.lines.filter(accepts),
    (l) => substituteUnits(uncovered(l), substitute),
    (c) => holder(c, { held: 0, demand: 0, deferred: c.deferred }),
    { pack: substitute.packSize, reasons: () => new Set() },
  );
  for (const { claim } of staked) claim.holder.demand += claim.limit;
  distribute(substitute.available, staked.map((s) => s.claim), sharingRules(book, substitute.ratio, percentOf(substitute.available, policy.capPercent, 'up')));
  let used = 0;
  for (const { state, claim } of staked) {
    const need = uncovered(state);
    const covers = claim.granted >= claim.limit ? need : Math.min(need, Math.floor(claim.granted / substitute.ratio + EPSILON));
    if (covers === 0) continue;
    // A partial grant ships only what its covered units take; the rest of it stays in stock.
    const quantity = substituteUnits(covers, substitute);
    state.substitutes.push({ sku: substitute.sku, quantity, covers });
    state.reasons.add('substituted');
    used += quantity;
  }
  if (book.keepsPromises) used += topUpSubstitute(book.lines.filter(accepts), substitute, substitute.available - used);
  return { sku: substitute.sku, available: substitute.available, used };
}

/**
 * Version 2, rule 5: what the shares left idle (cut by the cap into amounts that cover no whole original
 * unit) goes to the lines still short, in priority order, each as much as it can take. Returns the units used.
 */
function topUpSubstitute(lines: LineState[], substitute: SubstituteSupply, idle: number): number {
  let left = idle;
  for (const state of lines) {
    const need = uncovered(state);
    if (left <= 0) break;
    if (need <= 0) continue;
    const entry = state.substitutes.find((s) => s.sku === substitute.sku);
    const covers = entry?.covers ?? 0;
    const cost = (n: number) => substituteUnits(covers + n, substitute) - (entry?.quantity ?? 0);
    // All-or-nothing: the whole need or nothing; else the most whole original units that fit.
    let n = state.line.partialAllowed ? Math.min(need, Math.floor((left + (entry?.quantity ?? 0)) / substitute.ratio + EPSILON) - covers) : need;
    while (n > 0 && cost(n) > left) n = state.line.partialAllowed ? n - 1 : 0;
    if (n <= 0) continue;
    const quantity = substituteUnits(covers + n, substitute);
    left -= quantity - (entry?.quantity ?? 0);
    if (entry) Object.assign(entry, { quantity, covers: covers + n });
    else state.substitutes.push({ sku: substitute.sku, quantity, covers: n });
    state.reasons.add('substituted');
    state.reasons.add('substitute-top-up');
  }
  return idle - left;
}

const uncovered = (l: LineState) => l.line.quantity - l.allocated - sum(l.substitutes, (s) => s.covers);

/** Substitute units that cover `units` original units, in whole substitute packs. */
function substituteUnits(units: number, substitute: SubstituteSupply): number {
  const exact = Math.ceil(units * substitute.ratio - EPSILON);
  return Math.ceil(exact / substitute.packSize) * substitute.packSize;
}

const cheapestFirst = (a: SubstituteSupply, b: SubstituteSupply) => a.priceDelta - b.priceDelta || compareIds(a.sku, b.sku);

interface Staked {
  state: LineState;
  claim: Claim;
}

/** Claims of lines on one supply, in priority order; one holder per customer. */
function stake(
  lines: LineState[],
  limitOf: (l: LineState) => number,
  holderOf: (c: CustomerState) => Holder,
  options: { pack?: number; reasons?: (l: LineState) => Set<ReasonCode> } = {},
): Staked[] {
  const holders = new Map<CustomerState, Holder>();
  return lines.flatMap((state) => {
    const limit = limitOf(state);
    if (limit <= 0) return [];
    const owner = holders.get(state.customer) ?? holderOf(state.customer);
    holders.set(state.customer, owner);
    const claim: Claim = {
      holder: owner,
      limit,
      pack: options.pack ?? state.line.packSize,
      allOrNothing: !state.line.partialAllowed,
      granted: 0,
      reasons: options.reasons?.(state) ?? state.reasons,
    };
    return [{ state, claim }];
  });
}

function holder(c: CustomerState, figures: Pick<Holder, 'held' | 'demand' | 'deferred'>): Holder {
  return { critical: c.profile.critical, stock: c.profile.reportedOnHand ?? null, ...figures };
}

/** Rule 7: outcomes in line id order, with totals per stage in the policy's order. */
function planOf(book: Book, input: AllocationInput, run: { supply: number; left: number; substitutes: SubstituteUsage[] }): AllocationPlan {
  const states = [...book.lines].sort((a, b) => compareIds(a.line.lineId, b.line.lineId));
  const lines = states.map((state) => outcomeOf(state, run.left));
  const rows = states.map((state, i) => ({ allocation: lines[i]!, customerId: state.line.customerId, priceCents: Math.round(state.line.unitPrice * 100) }));
  const byStage = book.policy.stages.flatMap((stage) => {
    const ofStage = rows.filter((r) => r.allocation.stage === stage.name);
    return ofStage.length > 0 ? [{ stage: stage.name, ...totalsOf(ofStage) }] : [];
  });
  const confirmedKept = sum(states, (s) => Math.min(s.line.confirmedQuantity, s.allocated));
  const confirmedReleased = sum(lines, (l) => l.releasedConfirmation);
  const byCustomer = new Map<string, number>();
  for (const l of lines) byCustomer.set(l.customerId, (byCustomer.get(l.customerId) ?? 0) + l.allocated);
  // Ties go to the lower customer id: the same plan always names the same customer.
  let largestCustomerId: string | null = null;
  let largest = 0;
  for (const [customerId, units] of [...byCustomer].sort(([a], [b]) => compareIds(a, b))) {
    if (units > largest) [largestCustomerId, largest] = [customerId, units];
  }
  return {
    sku: input.sku,
    pool: input.pool,
    poolUsed: sum(lines, (l) => l.allocated) - confirmedKept,
    poolLeft: run.left,
    confirmedKept,
    confirmedReleased,
    lines,
    byStage,
    totals: totalsOf(rows),
    largestCustomerShare: run.supply > 0 ? largest / run.supply : 0,
    largestCustomerId,
    substitutes: run.substitutes,
    exceptions: lines.flatMap((l) => (l.exception ? [l.exception] : [])),
  };
}

// Reasons that explain a shortfall, dropped once the line is served in full after all.
const SHORTFALL_REASONS: ReasonCode[] = ['all-or-nothing-skipped', 'pack-size-rounded'];

function outcomeOf(state: LineState, poolLeft: number): LineAllocation {
  const { line, reasons } = state;
  const substituted = sum(state.substitutes, (s) => s.covers);
  const backordered = line.quantity - state.allocated - substituted;
  const releasedConfirmation = Math.max(0, line.confirmedQuantity - state.allocated);
  if (state.urgentBeforeEta && state.allocated > 0) reasons.add('urgent-before-eta');
  if (releasedConfirmation > 0) reasons.add('confirmation-released');
  else if (line.confirmedQuantity > 0) reasons.add('confirmation-kept');
  if (backordered === 0) {
    for (const r of SHORTFALL_REASONS) reasons.delete(r);
    reasons.add('fully-served');
    if (state.strategy === 'win' && !state.pinned) reasons.add('confirmation-won');
  } else if (poolLeft === 0) reasons.add('pool-exhausted');
  const winMissed = state.strategy === 'win' && !state.pinned && backordered > 0;
  if (winMissed) reasons.add('win-exception');
  return {
    lineId: line.lineId,
    customerId: line.customerId,
    stage: state.customer.profile.stage,
    requested: line.quantity,
    allocated: state.allocated,
    substitutes: state.substitutes,
    substituted,
    backordered,
    releasedConfirmation,
    reasons: REASON_CODES.filter((r) => reasons.has(r)),
    ...(winMissed
      ? {
          exception: `line ${line.lineId} (customer ${line.customerId}) must be served in full but ${backordered} of ${line.quantity} units are missing: decide by hand`,
        }
      : {}),
  };
}

function totalsOf(rows: { allocation: LineAllocation; customerId: string; priceCents: number }[]): Omit<StageTotals, 'stage'> {
  const got = new Map<string, boolean>();
  for (const { allocation: a, customerId } of rows) got.set(customerId, (got.get(customerId) ?? false) || a.allocated + a.substituted > 0);
  const requested = sum(rows, (r) => r.allocation.requested);
  const allocated = sum(rows, (r) => r.allocation.allocated);
  const substituted = sum(rows, (r) => r.allocation.substituted);
  return {
    lines: rows.length,
    customers: got.size,
    requested,
    allocated,
    substituted,
    backordered: sum(rows, (r) => r.allocation.backordered),
    fillRate: requested === 0 ? 1 : (allocated + substituted) / requested,
    customersWithNothing: [...got.values()].filter((g) => !g).length,
    // Money in whole cents: sums stay exact whatever their order.
    revenueAtRisk: sum(rows, (r) => r.allocation.backordered * r.priceCents) / 100,
    revenueProtected: sum(rows, (r) => (r.allocation.allocated + r.allocation.substituted) * r.priceCents) / 100,
  };
}

function sum<T>(items: Iterable<T>, value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
