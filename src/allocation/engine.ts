// The allocation engine (shared/DOMAIN.md, "The allocation engine"): a pure, deterministic, explainable
// split of a short SKU among its open demand lines. The rules, in the order they apply:
//   1. planner overrides are pinned first;
//   2. confirmations made before the incident follow their segment's strategy: `win` and `gain` lines
//      keep theirs, every other line's confirmation goes back to the pool (`fill` may win it back but
//      never more, `lose` gets none of the SKU);
//   3. `win` lines are served in full, in priority order, ahead of floors, cap and rationing — an
//      exception for a person when they cannot be;
//   4. the rest is shared by the sharing rules (distribute.ts): fair-share floors, priority under the
//      concentration cap, the cap lifted when nobody else can use the rest, and last the customers who
//      report enough stock to wait, evened out by days of supply;
//   5. substitutes cover what stays uncovered, for lines and customers that accept them, by the same
//      sharing rules, the cheapest substitute first;
//   6. each line's outcome with its reason codes, totals per relationship stage.
// A restock round (`alreadyReceived` given) is the same computation: its lines are the open backorders,
// its pool the receipt, and `alreadyReceived` counts what each customer got earlier in the incident toward
// floors and cap. Its lines hold no stock from before the incident, so `fill` and `lose`, which only limit
// what a line gets back of that stock, do not hold back their backorders: they are served by priority like
// the others, and `win` lines still come first.
// Units are whole numbers throughout (types.ts explains how substitutes count). The same input gives the
// same output byte for byte, whatever the order of its lines, customers or substitutes.
import { AllocationInputError, checkInput } from './check-input';
import { distribute, percentOf, serveInOrder, type Claim, type Holder } from './distribute';
import { strategyFor, type Policy, type Strategy } from './policy';
import { inPriorityOrder } from './priority';
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
  /** Units of the SKU, a kept confirmation included. */
  allocated: number;
  substitutes: SubstituteAllocation[];
  reasons: Set<ReasonCode>;
}

interface Book {
  policy: Policy;
  /** Highest priority first. */
  lines: LineState[];
}

// Ratios are decimals: a product like 3 × 1.1 must not round up to an extra unit.
const EPSILON = 1e-9;

export function allocate(input: AllocationInput): AllocationPlan {
  checkInput(input);
  const book = openBook(input, input.alreadyReceived !== undefined);
  const supply = input.pool + sum(book.lines, (l) => l.line.confirmedQuantity);
  let left = pinOverrides(book, input.overrides ?? [], supply);
  left = keepConfirmations(book, left);
  left = serveWinLines(book, left);
  left = shareThePool(book, left, supply + sum(Object.values(input.alreadyReceived ?? {}), (units) => units));
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
  const profiles = new Map(input.customers.map((c) => [c.customerId, c]));
  const received = input.alreadyReceived ?? {};
  const customers = new Map<string, CustomerState>();
  const ordered = inPriorityOrder(input.lines, (l) => profiles.get(l.customerId)!, policy, input.asOf);
  const lines = ordered.map((line) => {
    const profile = profiles.get(line.customerId)!;
    let customer = customers.get(line.customerId);
    if (!customer) {
      customer = {
        profile,
        deferred: canWait(profile, policy),
        received: Object.hasOwn(received, line.customerId) ? received[line.customerId]! : 0,
        lines: [],
      };
      customers.set(line.customerId, customer);
    }
    const state: LineState = { line, customer, strategy: strategyOf(policy, profile, restock), pinned: false, allocated: 0, substitutes: [], reasons: new Set() };
    customer.lines.push(state);
    return state;
  });
  return { policy, lines };
}

/** The segment's strategy; in a restock round `fill` and `lose` have no earlier stock to limit, so they share like `redistribute`. */
function strategyOf(policy: Policy, profile: CustomerProfile, restock: boolean): Strategy {
  const strategy = strategyFor(policy, profile);
  return restock && (strategy === 'fill' || strategy === 'lose') ? 'redistribute' : strategy;
}

/** Rationing: a customer whose reported stock lasts the policy's minimum days can wait. */
function canWait(profile: CustomerProfile, policy: Policy): boolean {
  const stock = profile.reportedOnHand;
  if (!policy.rationing.enabled || !stock || stock.quantity <= 0) return false;
  return stock.dailyUsage <= 0 || stock.quantity / stock.dailyUsage >= policy.rationing.minDaysOfSupply;
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

/** Rule 3: lines that must win are served in full, in priority order. */
function serveWinLines(book: Book, left: number): number {
  const staked = stake(
    book.lines.filter((l) => !l.pinned && l.strategy === 'win'),
    (l) => l.line.quantity - l.allocated,
    (c) => holder(c, { held: 0, demand: 0, deferred: false }),
  );
  left = serveInOrder(left, staked.map((s) => s.claim));
  for (const { state, claim } of staked) state.allocated += claim.granted;
  return left;
}

/** Rule 4: the rest of the pool by the sharing rules; floors and cap count what each customer already holds. */
function shareThePool(book: Book, left: number, capBase: number): number {
  const { policy } = book;
  const staked = stake(
    book.lines.filter((l) => !l.pinned && l.strategy !== 'win'),
    (l) => mostOfSku(l) - l.allocated,
    (c) =>
      holder(c, {
        held: sum(c.lines, (l) => l.allocated) + c.received,
        demand: sum(c.lines, (l) => l.line.quantity) + c.received,
        deferred: c.deferred,
      }),
  );
  for (const { state } of staked) if (state.customer.deferred) state.reasons.add('deferred-holds-stock');
  left = distribute(left, staked.map((s) => s.claim), { floorPercent: policy.floorPercent, capUnits: percentOf(capBase, policy.capPercent, 'up'), ratio: 1 });
  for (const { state, claim } of staked) state.allocated += claim.granted;
  return left;
}

/** What a line may hold of the SKU under its segment strategy. */
function mostOfSku(l: LineState): number {
  if (l.strategy === 'fill') return l.line.confirmedQuantity;
  if (l.strategy === 'lose') return 0;
  return l.line.quantity;
}

/** Rule 5: one substitute's free stock covers what stays uncovered, by the same sharing rules, in its own units. */
function offerSubstitute(book: Book, substitute: SubstituteSupply): SubstituteUsage {
  const { policy } = book;
  const staked = stake(
    book.lines.filter((l) => l.line.substitutesAllowed && l.customer.profile.acceptsSubstitutes),
    (l) => substituteUnits(uncovered(l), substitute),
    (c) => holder(c, { held: 0, demand: 0, deferred: c.deferred }),
    { pack: substitute.packSize, reasons: () => new Set() },
  );
  for (const { claim } of staked) claim.holder.demand += claim.limit;
  distribute(substitute.available, staked.map((s) => s.claim), {
    floorPercent: policy.floorPercent,
    capUnits: percentOf(substitute.available, policy.capPercent, 'up'),
    ratio: substitute.ratio,
  });
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
  return { sku: substitute.sku, available: substitute.available, used };
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

/** Rule 6: outcomes in line id order, with totals per stage in the policy's order. */
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
