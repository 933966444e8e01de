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
import { distribute, floorNeeds, percentOf, serveInOrder, type Claim, type Holder, type SharingRules } from './distribute';
import { strategyFor, type Policy, type Strategy } from './policy';
import { indexLines, type LineIndex } from './line-index';
import { inPriorityOrder, urgencyHorizon } from './priority';
import { REASON, reasonList, type ReasonBits } from './reasons';
import {
  type AllocationInput,
  type AllocationPlan,
  type AllocationSummary,
  type CustomerProfile,
  type DemandLine,
  type LineAllocation,
  type PlanOverride,
  type StageTotals,
  type SubstituteAllocation,
  type SubstituteSupply,
  type SubstituteUsage,
} from './types';

export { AllocationInputError } from './check-input';

interface CustomerState {
  /** Its place in `Book.customers`. */
  index: number;
  profile: CustomerProfile;
  /** Reports enough stock on hand to wait (rationing). */
  deferred: boolean;
  /** Units received earlier in this incident. */
  received: number;
  /** Its segment's strategy for confirmations. */
  strategy: Strategy;
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
  reasons: ReasonBits;
}

interface Book {
  policy: Policy;
  /** Rules version 2 or later (policy.ts). */
  keepsPromises: boolean;
  /** Rules version 3: the critical class before every other customer's first pack and substitute share. */
  criticalFirst: boolean;
  /** Highest priority first. */
  lines: LineState[];
  /** The same, in line id order. */
  byId: LineState[];
  customers: CustomerState[];
  /** Most units one customer holds while others wait. */
  capUnits: number;
}

// Ratios are decimals: a product like 3 × 1.1 must not round up to an extra unit.
const EPSILON = 1e-9;

export function allocate(input: AllocationInput): AllocationPlan {
  const index = indexLines(input);
  checkInput(input, index);
  const book = openBook(input, input.alreadyReceived !== undefined, index);
  const supply = input.pool + sum(book.lines, (l) => l.line.confirmedQuantity);
  let left = pinOverrides(book, input.overrides ?? [], supply);
  left = keepConfirmations(book, left);
  if (book.keepsPromises) {
    const shared = (l: LineState) => !l.pinned && l.strategy !== 'win';
    const critical = book.lines.filter((l) => !l.pinned && l.customer.profile.critical);
    const others = book.lines.filter((l) => !l.customer.profile.critical);
    // Version 3: only the other customers' smallest first packs are held back from the critical class, and
    // only when the supply holds everyone's; version 2 hands every first pack out before anything else.
    const firstPacks = firstPacksToServe(book, left);
    const held = book.criticalFirst && firstPacks.fitAll ? sum(firstPacks.customers.filter((f) => !f.customer.profile.critical), (f) => f.need) : 0;
    left = serveFirstPacks(book, left - held, held > 0 ? firstPacks.customers.filter((f) => f.customer.profile.critical) : firstPacks.customers) + held;
    // Other customers' floors set aside before critical needs beyond their floors, when the policy says so;
    // the first packs held back count toward them.
    const setAside = book.policy.criticalBeforeFloors ? 0 : floorNeeds(stakeShares(others.filter(shared)), sharingRules(book, 1));
    left = shareThePool(book, critical, left - held, Math.max(0, setAside - held)) + held;
    if (held > 0) left = serveFirstPacks(book, left, firstPacks.customers.filter((f) => !f.customer.profile.critical));
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

function openBook(input: AllocationInput, restock: boolean, index: LineIndex): Book {
  const { policy } = input;
  const { owner, idOrder, days } = index;
  const keepsPromises = policy.rulesVersion === 2 || policy.rulesVersion === 3;
  const received = input.alreadyReceived ?? {};
  // Per profile, its customer's state once it has a line.
  const states: (CustomerState | undefined)[] = input.customers.map(() => undefined);
  const horizon = urgencyHorizon(policy, input.asOf, input.nextInboundEta);
  const urgentBeforeEta = keepsPromises && !!input.nextInboundEta;
  const waitDays = keepsPromises && input.nextInboundEta ? days(input.nextInboundEta) - days(input.asOf) + policy.rationing.etaMarginDays : policy.rationing.minDaysOfSupply;
  const idRank = new Uint32Array(idOrder.length);
  for (let k = 0; k < idOrder.length; k++) idRank[idOrder[k]!] = k;
  const ordered = inPriorityOrder(input.lines, input.customers, index, idRank, policy, horizon);
  const customers: CustomerState[] = [];
  // Arrays grow by push: `new Array(n)` of a large n has slow (dictionary) elements.
  const lines: LineState[] = [];
  const place = new Uint32Array(ordered.length);
  let capBase = input.pool;
  for (let k = 0; k < ordered.length; k++) {
    const line = input.lines[ordered[k]!]!;
    const at = owner[ordered[k]!]!;
    let customer = states[at];
    if (!customer) {
      const profile = input.customers[at]!;
      customer = {
        index: customers.length,
        profile,
        deferred: canWait(profile, policy, waitDays),
        received: Object.hasOwn(received, line.customerId) ? received[line.customerId]! : 0,
        strategy: strategyOf(policy, profile, restock),
        lines: [],
      };
      states[at] = customer;
      customers.push(customer);
    }
    const state: LineState = {
      line,
      customer,
      strategy: customer.strategy,
      pinned: false,
      urgentBeforeEta: urgentBeforeEta && days(line.requestedDate) <= horizon,
      allocated: 0,
      substitutes: [],
      reasons: 0,
    };
    customer.lines.push(state);
    lines.push(state);
    place[ordered[k]!] = k;
    capBase += line.confirmedQuantity;
  }
  const byId: LineState[] = [];
  for (const i of idOrder) byId.push(lines[place[i]!]!);
  capBase += sum(Object.values(received), (units) => units);
  return { policy, keepsPromises, criticalFirst: policy.rulesVersion === 3, lines, byId, customers, capUnits: percentOf(capBase, policy.capPercent, 'up') };
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
  const pins = [...overrides].sort((a, b) => compareIds(a.lineId, b.lineId)).map((o) => ({ allocate: o.allocate, state: byLineId(book, o.lineId) }));
  for (const { state } of pins) state.pinned = true;
  let keptElsewhere = 0;
  for (const l of book.lines) if (keepsConfirmation(l)) keptElsewhere += l.line.confirmedQuantity;
  let left = supply - keptElsewhere;
  for (const { allocate, state } of pins) {
    if (allocate > left) {
      throw new AllocationInputError(`override for line ${state.line.lineId}: ${allocate} units exceed the ${left} left in the pool`);
    }
    state.allocated = allocate;
    state.reasons |= REASON.override;
    left -= allocate;
  }
  return left + keptElsewhere;
}

/** A line by its id (checked to exist), by binary search of the lines in id order. */
function byLineId(book: Book, lineId: string): LineState {
  let [lo, hi] = [0, book.byId.length - 1];
  for (;;) {
    const mid = (lo + hi) >> 1;
    const id = book.byId[mid]!.line.lineId;
    if (id === lineId) return book.byId[mid]!;
    if (id < lineId) lo = mid + 1;
    else hi = mid - 1;
  }
}

/** Rule 2: win and gain lines keep their confirmed stock; every other confirmation is back in the pool. */
function keepConfirmations(book: Book, left: number): number {
  for (const state of book.lines) {
    if (state.pinned) continue;
    const { quantity, confirmedQuantity } = state.line;
    if (keepsConfirmation(state)) {
      state.allocated = confirmedQuantity;
      left -= confirmedQuantity;
    }
    if (state.strategy === 'fill' && confirmedQuantity < quantity) state.reasons |= REASON['segment-fill-limit'];
    if (state.strategy === 'lose' && quantity > 0) state.reasons |= REASON['segment-lose'];
  }
  return left;
}

const keepsConfirmation = (l: LineState) => !l.pinned && (l.strategy === 'win' || l.strategy === 'gain') && l.line.confirmedQuantity > 0;

/** A customer holding nothing yet, and the smallest first pack it can take (`order`: its place by priority). */
interface FirstPack {
  customer: CustomerState;
  need: number;
  order: number;
}

/**
 * Rule 3 (version 2): the customers that hold nothing yet, each with its smallest first pack within the cap,
 * in the order they are served: by priority when the supply holds them all (`fitAll`), else smallest first
 * pack first, so that the most customers possible get one. No floor percent, no first pack.
 */
function firstPacksToServe(book: Book, left: number): { customers: FirstPack[]; fitAll: boolean } {
  if (book.policy.floorPercent <= 0) return { customers: [], fitAll: true };
  const firsts: FirstPack[] = [];
  // Customers in the order of their first line's priority.
  for (const c of book.customers) {
    if (c.received > 0 || c.lines.some((l) => l.allocated > 0)) continue;
    let need = Infinity;
    for (const l of c.lines) need = Math.min(need, firstPack(l));
    if (need <= book.capUnits) firsts.push({ customer: c, need, order: firsts.length });
  }
  const fitAll = sum(firsts, (f) => f.need) <= left;
  if (!fitAll) firsts.sort((a, b) => a.need - b.need || a.order - b.order);
  return { customers: firsts, fitAll };
}

/** Rule 3: each of `firsts` in turn gets one pack of its most urgent line that fits, leaving the later ones' first packs free. */
function serveFirstPacks(book: Book, left: number, firsts: FirstPack[]): number {
  let total = sum(firsts, (f) => f.need);
  if (total > left) total = 0;
  for (const { customer, need } of firsts) {
    total -= Math.min(total, need);
    // What the customers after this one still need stays free: this one takes its most urgent line that fits the rest.
    const budget = left - total;
    const state = customer.lines.find((l) => firstPack(l) <= Math.min(budget, book.capUnits));
    if (!state) continue;
    const units = firstPack(state);
    state.allocated += units;
    state.reasons |= REASON['customer-floor'];
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
  left = serveInOrder(left, staked);
  for (const claim of staked) take(claim);
  return left;
}

/** Rule 5: the pool among `lines` by the sharing rules; floors and cap count what each customer already holds. */
function shareThePool(book: Book, lines: LineState[], left: number, setAside = 0): number {
  const staked = stakeShares(lines);
  for (const { state } of staked) if (state.customer.deferred) state.reasons |= REASON['deferred-holds-stock'];
  left = distribute(left, staked, sharingRules(book, 1), setAside);
  for (const claim of staked) take(claim);
  return left;
}

/** A claim on the SKU's supply: its units and the reasons the sharing rules noted go to the line. */
function take({ state, granted, reasons }: LineClaim): void {
  state.allocated += granted;
  state.reasons |= reasons;
}

function stakeShares(lines: LineState[]): LineClaim[] {
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

/**
 * Rule 6: one substitute's free stock covers what stays uncovered, by the same sharing rules, in its own
 * units; version 3 shares it within the critical class first, then among the others, as the SKU's pool.
 */
function offerSubstitute(book: Book, substitute: SubstituteSupply): SubstituteUsage {
  const accepts = (l: LineState) => l.line.substitutesAllowed && l.customer.profile.acceptsSubstitutes;
  const accepting = book.lines.filter(accepts);
  const classes = book.criticalFirst ? [accepting.filter((l) => l.customer.profile.critical), accepting.filter((l) => !l.customer.profile.critical)] : [accepting];
  let used = 0;
  for (const lines of classes) used += shareSubstitute(book, lines, substitute, substitute.available - used);
  if (book.keepsPromises) used += topUpSubstitute(accepting, substitute, substitute.available - used);
  return { sku: substitute.sku, available: substitute.available, used };
}

/** `available` units of the substitute among `lines` by the sharing rules, the cap a share of all its stock; returns the units used. */
function shareSubstitute(book: Book, lines: LineState[], substitute: SubstituteSupply, available: number): number {
  const staked = stake(
    lines,
    (l) => substituteUnits(uncovered(l), substitute),
    (c) => holder(c, { held: 0, demand: 0, deferred: c.deferred }),
    substitute.packSize,
  );
  for (const claim of staked) claim.holder.demand += claim.limit;
  distribute(available, staked, sharingRules(book, substitute.ratio, percentOf(substitute.available, book.policy.capPercent, 'up')));
  let used = 0;
  for (const claim of staked) {
    const { state } = claim;
    const need = uncovered(state);
    const covers = claim.granted >= claim.limit ? need : Math.min(need, Math.floor(claim.granted / substitute.ratio + EPSILON));
    if (covers === 0) continue;
    // A partial grant ships only what its covered units take; the rest of it stays in stock.
    const quantity = substituteUnits(covers, substitute);
    state.substitutes.push({ sku: substitute.sku, quantity, covers });
    state.reasons |= REASON.substituted;
    used += quantity;
  }
  return used;
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
    state.reasons |= REASON.substituted | REASON['substitute-top-up'];
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

/** A line's claim on one supply. */
interface LineClaim extends Claim {
  state: LineState;
}

/** Claims of lines on one supply, in priority order; one holder per customer. Packs: `pack`, else each line's own. */
function stake(
  lines: LineState[],
  limitOf: (l: LineState) => number,
  holderOf: (c: CustomerState) => Holder,
  pack?: number,
): LineClaim[] {
  const holders = new Map<CustomerState, Holder>();
  const claims: LineClaim[] = [];
  for (const state of lines) {
    const limit = limitOf(state);
    if (limit <= 0) continue;
    let owner = holders.get(state.customer);
    if (!owner) {
      owner = holderOf(state.customer);
      holders.set(state.customer, owner);
    }
    claims.push({ holder: owner, limit, pack: pack ?? state.line.packSize, allOrNothing: !state.line.partialAllowed, granted: 0, reasons: 0, state });
  }
  return claims;
}

function holder(c: CustomerState, figures: Pick<Holder, 'held' | 'demand' | 'deferred'>): Holder {
  return { critical: c.profile.critical, stock: c.profile.reportedOnHand ?? null, ...figures };
}

/** Rule 7: outcomes in line id order, with totals per stage in the policy's order. */
function planOf(book: Book, input: AllocationInput, run: { supply: number; left: number; substitutes: SubstituteUsage[] }): AllocationPlan {
  const totals = new Map<string, Tally>(book.policy.stages.map((s) => [s.name, newTally()]));
  const all = newTally();
  const lines: LineAllocation[] = [];
  const exceptions: string[] = [];
  let confirmedKept = 0;
  let confirmedReleased = 0;
  // Per customer: units of the SKU, and whether it gets anything at all.
  const units = new Float64Array(book.customers.length);
  const got = new Uint8Array(book.customers.length);
  for (const state of book.byId) {
    const outcome = outcomeOf(state, run.left);
    lines.push(outcome);
    const priceCents = Math.round(state.line.unitPrice * 100);
    count(all, outcome, priceCents);
    const ofStage = totals.get(outcome.stage);
    if (ofStage) count(ofStage, outcome, priceCents);
    confirmedKept += Math.min(state.line.confirmedQuantity, state.allocated);
    confirmedReleased += outcome.releasedConfirmation;
    if (outcome.exception) exceptions.push(outcome.exception);
    units[state.customer.index]! += outcome.allocated;
    if (outcome.allocated + outcome.substituted > 0) got[state.customer.index] = 1;
  }
  // Ties go to the lower customer id: the same plan always names the same customer.
  let largestCustomerId: string | null = null;
  let largest = 0;
  for (const customer of book.customers) {
    for (const tally of [all, totals.get(customer.profile.stage)]) {
      if (!tally) continue;
      tally.customers += 1;
      if (!got[customer.index]) tally.customersWithNothing += 1;
    }
    const held = units[customer.index]!;
    const id = customer.profile.customerId;
    if (held > largest || (held === largest && held > 0 && id < largestCustomerId!)) [largestCustomerId, largest] = [id, held];
  }
  const byStage = book.policy.stages.flatMap((stage) => {
    const tally = totals.get(stage.name)!;
    return tally.lines > 0 ? [{ stage: stage.name, ...totalsOf(tally) }] : [];
  });
  return {
    sku: input.sku,
    pool: input.pool,
    poolUsed: all.allocated - confirmedKept,
    poolLeft: run.left,
    confirmedKept,
    confirmedReleased,
    lines,
    byStage,
    totals: totalsOf(all),
    largestCustomerShare: run.supply > 0 ? largest / run.supply : 0,
    largestCustomerId,
    substitutes: run.substitutes,
    exceptions,
  };
}

// Reasons that explain a shortfall, dropped once the line is served in full after all.
const SHORTFALL_REASONS = REASON['all-or-nothing-skipped'] | REASON['pack-size-rounded'];

function outcomeOf(state: LineState, poolLeft: number): LineAllocation {
  const { line } = state;
  let reasons = state.reasons;
  const substituted = sum(state.substitutes, (s) => s.covers);
  const backordered = line.quantity - state.allocated - substituted;
  const releasedConfirmation = Math.max(0, line.confirmedQuantity - state.allocated);
  if (state.urgentBeforeEta && state.allocated > 0) reasons |= REASON['urgent-before-eta'];
  if (releasedConfirmation > 0) reasons |= REASON['confirmation-released'];
  else if (line.confirmedQuantity > 0) reasons |= REASON['confirmation-kept'];
  if (backordered === 0) {
    reasons = (reasons & ~SHORTFALL_REASONS) | REASON['fully-served'];
    if (state.strategy === 'win' && !state.pinned) reasons |= REASON['confirmation-won'];
  } else if (poolLeft === 0) reasons |= REASON['pool-exhausted'];
  const winMissed = state.strategy === 'win' && !state.pinned && backordered > 0;
  if (winMissed) reasons |= REASON['win-exception'];
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
    reasons: reasonList(reasons),
    ...(winMissed && {
      exception: `line ${line.lineId} (customer ${line.customerId}) must be served in full but ${backordered} of ${line.quantity} units are missing: decide by hand`,
    }),
  };
}

/** Running sums of one stage's lines (or all lines); money in whole cents, so the sums stay exact whatever their order. */
interface Tally {
  lines: number;
  customers: number;
  customersWithNothing: number;
  requested: number;
  allocated: number;
  substituted: number;
  backordered: number;
  atRiskCents: number;
  protectedCents: number;
}

const newTally = (): Tally => ({ lines: 0, customers: 0, customersWithNothing: 0, requested: 0, allocated: 0, substituted: 0, backordered: 0, atRiskCents: 0, protectedCents: 0 });

function count(tally: Tally, a: LineAllocation, priceCents: number): void {
  tally.lines += 1;
  tally.requested += a.requested;
  tally.allocated += a.allocated;
  tally.substituted += a.substituted;
  tally.backordered += a.backordered;
  tally.atRiskCents += a.backordered * priceCents;
  tally.protectedCents += (a.allocated + a.substituted) * priceCents;
}

function totalsOf(t: Tally): Omit<StageTotals, 'stage'> {
  return {
    lines: t.lines,
    customers: t.customers,
    requested: t.requested,
    allocated: t.allocated,
    substituted: t.substituted,
    backordered: t.backordered,
    fillRate: t.requested === 0 ? 1 : (t.allocated + t.substituted) / t.requested,
    customersWithNothing: t.customersWithNothing,
    revenueAtRisk: t.atRiskCents / 100,
    revenueProtected: t.protectedCents / 100,
  };
}

function sum<T>(items: Iterable<T>, value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
