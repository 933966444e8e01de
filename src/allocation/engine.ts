// The allocation engine (shared/DOMAIN.md, "The allocation engine"): a pure, deterministic, explainable
// split of a short SKU among its open demand lines. The rules, in the order they apply:
//   1. planner overrides are pinned first;
//   2. confirmations made before the incident follow their segment's strategy: `win` and `gain` lines
//      keep theirs, every other line's confirmation goes back to the pool (`fill` may win it back but
//      never more, `lose` gets none of the SKU);
//   3. every customer holding nothing gets its first pack (rules version 2, policy.ts rule 1; a critical
//      customer's may pass the cap, version 5, rule 10);
//   4. critical customers share by the sharing rules among themselves (version 2, rule 2), taking back what
//      they need of the other customers' kept confirmations beyond a unit each (version 5, rule 8), or lifting
//      their cap only after the other customers' floors when those come first (version 5, rule 11); then `win`
//      lines are served in full, in priority order, ahead of the other customers' floors, cap and
//      rationing — an exception for a person when they cannot be (version 1: every win line, critical
//      or not, before anything else);
//   5. the rest is shared by the sharing rules (distribute.ts): fair-share floors, priority under the
//      concentration cap (version 5, rule 9: each priority class lowest fill rate first), the customers
//      who report enough stock to wait evened out by days of supply,
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
// The working state is one typed array per figure (book.ts); the plan is written from it once (plan.ts).
import { PARTIAL, PINNED, STRATEGY, SUBSTITUTES_ALLOWED, URGENT, grant, isPinned, mostOfSku, openBook, uncovered, type Book, type SubstituteLedger } from './book';
import { AllocationInputError, checkInput } from './check-input';
import { Claims, distribute, floorNeeds, percentOf, serveInOrder, type SharingReach, type SharingRules } from './distribute';
import { indexLines } from './line-index';
import { lastHolding } from './monotone-search';
import { planOf } from './plan';
import { REASON } from './reasons';
import type { AllocationInput, AllocationPlan, AllocationSummary, PlanOverride, SubstituteSupply, SubstituteUsage } from './types';

export { AllocationInputError } from './check-input';

// Ratios are decimals: a product like 3 × 1.1 must not round up to an extra unit.
const EPSILON = 1e-9;

export function allocate(input: AllocationInput): AllocationPlan {
  const index = indexLines(input);
  checkInput(input, index);
  const book = openBook(input, index);
  // One set of claims, refilled for each supply the rules share.
  const claims = new Claims(book.lines, book.customers);
  let left = pinOverrides(book, input.overrides ?? [], book.supply);
  left = keepConfirmations(book, left);
  if (book.keepsPromises) {
    const critical = select({ pinned: false, critical: true });
    const othersWin = select({ pinned: false, critical: false, win: true });
    const othersShared = select({ pinned: false, critical: false, win: false });
    const isCritical = (f: FirstPack) => book.critical[f.customer] === 1;
    // Version 3: only the other customers' smallest first packs are held back from the critical class, and
    // only when the supply holds everyone's; version 2 hands every first pack out before anything else.
    const firstPacks = firstPacksToServe(book, left);
    const held = book.criticalFirst && firstPacks.fitAll ? sum(firstPacks.customers.filter((f) => !isCritical(f)), (f) => f.need) : 0;
    // Version 4: short of everyone's first pack, the critical class's first packs and share come before the
    // others' first packs (version 3 handed them out smallest first, critical or not).
    const othersAfter = held > 0 || (book.criticalPacksFirst && !firstPacks.fitAll);
    const criticalPacks = held > 0 ? firstPacks.customers.filter(isCritical) : othersAfter ? firstPacksToServe(book, left, true).customers : firstPacks.customers;
    // Version 5: the critical class may also use what other customers keep of their confirmations beyond
    // their floors (`lent`); what it took of them is taken back after it shared, lowest priority first.
    const lent = book.criticalOverKept && book.policy.criticalBeforeFloors ? takeBackKept(book, Infinity, false) : 0;
    left = serveFirstPacks(book, left - held + lent, criticalPacks) + held - lent;
    // Other customers' floors set aside before critical needs beyond their floors, when the policy says so;
    // the first packs held back count toward them.
    const setAside = book.policy.criticalBeforeFloors ? 0 : floorNeeds(stakeShares(book, claims, othersShared), sharingRules(book, 1));
    const reserve = Math.max(0, setAside - held);
    // Version 5, rule 11: with units set aside for the others' floors, the critical class lifts its cap only
    // once those floors took what they could of them.
    const returned = reserve > 0 && book.setAsideReturned;
    left = shareThePool(book, claims, critical, left - held + lent, reserve, returned ? 'under the cap' : 'all') + held - lent;
    if (left < held) left += takeBackKept(book, held - left, true);
    if (held > 0) left = serveFirstPacks(book, left, firstPacks.customers.filter((f) => !isCritical(f)));
    else if (othersAfter) left = serveFirstPacks(book, left, firstPacksToServe(book, left, false).customers);
    left = serveWinLines(book, claims, othersWin, left);
    if (returned) left = shareThePool(book, claims, critical, shareThePool(book, claims, othersShared, left, 0, 'floors'));
    left = shareThePool(book, claims, othersShared, left);
  } else {
    left = serveWinLines(book, claims, select({ pinned: false, win: true }), left);
    left = shareThePool(book, claims, select({ pinned: false, win: false }), left);
  }
  const substitutes = input.policy.substitutes.enabled
    ? [...input.substitutes].sort(cheapestFirst).map((substitute) => offerSubstitute(book, claims, substitute))
    : [];
  return planOf(book, { left, substitutes });
}

/** The plan without its lines: what workflow history keeps. */
export function summarizePlan(plan: AllocationPlan): AllocationSummary {
  const { lines: _lines, ...summary } = plan;
  return summary;
}

/** Which lines a step serves: each field given must hold of the line. One shape for all, so `selects` stays fast. */
interface Selection {
  pinned: boolean | undefined;
  critical: boolean | undefined;
  win: boolean | undefined;
  /** The line and its customer accept substitutes. */
  accepting: boolean | undefined;
}

const select = (s: Partial<Selection>): Selection => ({ pinned: s.pinned, critical: s.critical, win: s.win, accepting: s.accepting });

function selects(book: Book, p: number, s: Selection): boolean {
  const c = book.customerOf[p]!;
  if (s.pinned !== undefined && isPinned(book, p) !== s.pinned) return false;
  if (s.critical !== undefined && (book.critical[c] === 1) !== s.critical) return false;
  if (s.win !== undefined && (book.strategy[c] === STRATEGY.win) !== s.win) return false;
  if (s.accepting !== undefined && ((book.flags[p]! & SUBSTITUTES_ALLOWED) !== 0 && book.acceptsSubstitutes[c] === 1) !== s.accepting) return false;
  return true;
}

function sharingRules(book: Book, ratio: number, capUnits = book.capUnits): SharingRules {
  return { floorPercent: book.policy.floorPercent, capUnits, ratio, deferredBeforeCapRelease: book.keepsPromises, fillLevels: book.fillLevels };
}

/** Rule 1: an override pins the line's quantity. It may use any stock but the confirmations win and gain lines keep. */
function pinOverrides(book: Book, overrides: PlanOverride[], supply: number): number {
  const pins = [...overrides].sort((a, b) => compareIds(a.lineId, b.lineId)).map((o) => ({ allocate: o.allocate, p: placeById(book, o.lineId) }));
  for (const { p } of pins) book.flags[p]! |= PINNED;
  let keptElsewhere = 0;
  for (let p = 0; p < book.lines; p++) if (keepsConfirmation(book, p)) keptElsewhere += book.confirmed[p]!;
  let left = supply - keptElsewhere;
  for (const { allocate, p } of pins) {
    if (allocate > left) {
      throw new AllocationInputError(`override for line ${book.input.lines[book.lineAt[p]!]!.lineId}: ${allocate} units exceed the ${left} left in the pool`);
    }
    grant(book, p, allocate);
    book.reasons[p]! |= REASON.override;
    book.pinnedDemand[book.customerOf[p]!]! += book.quantity[p]!;
    left -= allocate;
  }
  return left + keptElsewhere;
}

/** A line's place by its id (checked to exist), by binary search of the lines in id order. */
function placeById(book: Book, lineId: string): number {
  const { idOrder, ids } = book;
  let [lo, hi] = [0, idOrder.length - 1];
  for (;;) {
    const mid = (lo + hi) >> 1;
    const id = ids[idOrder[mid]!]!;
    if (id === lineId) return book.placeOf[idOrder[mid]!]!;
    if (id < lineId) lo = mid + 1;
    else hi = mid - 1;
  }
}

/** Rule 2: win and gain lines keep their confirmed stock; every other confirmation is back in the pool. */
function keepConfirmations(book: Book, left: number): number {
  for (let p = 0; p < book.lines; p++) {
    if (isPinned(book, p)) continue;
    const [quantity, confirmed] = [book.quantity[p]!, book.confirmed[p]!];
    const strategy = book.strategy[book.customerOf[p]!];
    if (keepsConfirmation(book, p)) {
      grant(book, p, confirmed);
      left -= confirmed;
    }
    if (strategy === STRATEGY.fill && confirmed < quantity) book.reasons[p]! |= REASON['segment-fill-limit'];
    if (strategy === STRATEGY.lose && quantity > 0) book.reasons[p]! |= REASON['segment-lose'];
  }
  return left;
}

/**
 * Version 5, rule 8: units of the confirmations customers that are not critical keep, beyond a unit each (so
 * none is left with nothing), in whole packs of lines that may ship partly, lowest priority first: at least
 * `units` where there are as many, the fewest whole packs that make them. Taken back when `take`, else counted.
 */
function takeBackKept(book: Book, units: number, take: boolean): number {
  const spare = new Float64Array(book.customers);
  for (let c = 0; c < book.customers; c++) {
    if (book.critical[c] === 1 || book.held[c]! <= 0) continue;
    spare[c] = book.held[c]! - 1;
  }
  let taken = 0;
  for (let p = book.lines - 1; p >= 0 && taken < units; p--) {
    const c = book.customerOf[p]!;
    if (spare[c]! <= 0 || !keepsConfirmation(book, p) || !(book.flags[p]! & PARTIAL)) continue;
    const pack = book.pack[p]!;
    const most = Math.floor(Math.min(book.allocated[p]!, spare[c]!) / pack) * pack;
    const back = Math.min(most, Math.ceil((units - taken) / pack) * pack);
    if (back <= 0) continue;
    spare[c]! -= back;
    taken += back;
    if (take) grant(book, p, -back);
  }
  return taken;
}

function keepsConfirmation(book: Book, p: number): boolean {
  const strategy = book.strategy[book.customerOf[p]!];
  return !isPinned(book, p) && (strategy === STRATEGY.win || strategy === STRATEGY.gain) && book.confirmed[p]! > 0;
}

/** A customer holding nothing yet, and the smallest first pack it can take (`order`: its place by priority). */
interface FirstPack {
  customer: number;
  need: number;
  order: number;
}

/**
 * Rule 3 (version 2): the customers that hold nothing yet (of the critical class or not, when `critical` is
 * given), each with its smallest first pack within the cap, in the order they are served: by priority when
 * the supply holds them all (`fitAll`), else smallest first pack first, so that the most customers possible
 * get one. No floor percent, no first pack.
 */
function firstPacksToServe(book: Book, left: number, critical?: boolean): { customers: FirstPack[]; fitAll: boolean } {
  if (book.policy.floorPercent <= 0) return { customers: [], fitAll: true };
  const { firstOf, linesOf } = book;
  const firsts: FirstPack[] = [];
  // Customers in the order of their first line's priority.
  for (let c = 0; c < book.customers; c++) {
    if (book.received[c]! > 0 || book.held[c]! > 0) continue;
    if (critical !== undefined && (book.critical[c] === 1) !== critical) continue;
    let need = Infinity;
    for (let m = firstOf[c]!; m < firstOf[c + 1]!; m++) need = Math.min(need, firstPack(book, linesOf[m]!));
    if (need <= book.capUnits) firsts.push({ customer: c, need, order: firsts.length });
  }
  const fitAll = sum(firsts, (f) => f.need) <= left;
  if (!fitAll) firsts.sort((a, b) => a.need - b.need || a.order - b.order);
  return { customers: firsts, fitAll };
}

/** Rule 3: each of `firsts` in turn gets one pack of its most urgent line that fits, leaving the later ones' first packs free. */
function serveFirstPacks(book: Book, left: number, firsts: FirstPack[]): number {
  const { firstOf, linesOf } = book;
  let total = sum(firsts, (f) => f.need);
  if (total > left) total = 0;
  for (const { customer, need } of firsts) {
    total -= Math.min(total, need);
    // What the customers after this one still need stays free: this one takes its most urgent line that fits the rest.
    // Version 5: a critical customer's most urgent line that fits, above the cap if need be (rule 10).
    const most = Math.min(left - total, book.criticalPacksPastCap && book.critical[customer] === 1 ? Infinity : book.capUnits);
    for (let m = firstOf[customer]!; m < firstOf[customer + 1]!; m++) {
      const p = linesOf[m]!;
      const units = firstPack(book, p);
      if (units > most) continue;
      grant(book, p, units);
      book.reasons[p]! |= REASON['customer-floor'];
      left -= units;
      break;
    }
  }
  return left;
}

/** The smallest shipment a line can take: a pack, the rest of the line if shorter, the whole of an all-or-nothing line. */
function firstPack(book: Book, p: number): number {
  const room = isPinned(book, p) ? 0 : mostOfSku(book, p) - book.allocated[p]!;
  if (room <= 0) return Infinity;
  return book.flags[p]! & PARTIAL ? Math.min(book.pack[p]!, room) : room;
}

/** Rule 4: lines that must win are served in full, in priority order. */
function serveWinLines(book: Book, claims: Claims, lines: Selection, left: number): number {
  claims.clear();
  for (let p = 0; p < book.lines; p++) {
    if (!selects(book, p, lines)) continue;
    const limit = book.quantity[p]! - book.allocated[p]!;
    if (limit <= 0) continue;
    const c = book.customerOf[p]!;
    let h = claims.holderFor(c);
    if (h < 0) h = claims.addHolder(c, { critical: book.critical[c] === 1, held: 0, demand: 0, deferred: false });
    claims.add(p, h, limit, book.pack[p]!, !(book.flags[p]! & PARTIAL));
  }
  left = serveInOrder(left, claims);
  take(book, claims);
  return left;
}

/** Rule 5: the pool among `lines` by the sharing rules; floors and cap count what each customer already holds. */
function shareThePool(book: Book, claims: Claims, lines: Selection, left: number, setAside = 0, reach: SharingReach = 'all'): number {
  stakeShares(book, claims, lines);
  for (let c = 0; c < claims.count; c++) if (claims.deferred[claims.holder[c]!]) book.reasons[claims.line[c]!]! |= REASON['deferred-holds-stock'];
  left = distribute(left, claims, sharingRules(book, 1), setAside, reach);
  take(book, claims);
  return left;
}

/** Claims of `lines` on the SKU's pool: what each may still hold, its customer's holdings and demand so far. */
function stakeShares(book: Book, claims: Claims, lines: Selection): Claims {
  claims.clear();
  for (let p = 0; p < book.lines; p++) {
    if (!selects(book, p, lines)) continue;
    const limit = mostOfSku(book, p) - book.allocated[p]!;
    if (limit <= 0) continue;
    const c = book.customerOf[p]!;
    let h = claims.holderFor(c);
    if (h < 0) {
      const received = book.received[c]!;
      h = claims.addHolder(c, {
        critical: book.critical[c] === 1,
        held: book.held[c]! + received,
        demand: book.demand[c]! + received,
        deferred: book.deferred[c] === 1,
        stock: book.profile[c]!.reportedOnHand,
        rank: book.rank[c],
        pinned: book.pinnedDemand[c]! > 0 ? pinnedUnits(book, c) : 0,
        pinnedDemand: book.pinnedDemand[c],
      });
    }
    claims.add(p, h, limit, book.pack[p]!, !(book.flags[p]! & PARTIAL), (book.flags[p]! & URGENT) !== 0);
  }
  return claims;
}

/** Units customer `c`'s pinned lines hold. */
function pinnedUnits(book: Book, c: number): number {
  let units = 0;
  for (let m = book.firstOf[c]!; m < book.firstOf[c + 1]!; m++) if (isPinned(book, book.linesOf[m]!)) units += book.allocated[book.linesOf[m]!]!;
  return units;
}

/** The units and reasons the sharing rules gave each claim go to its line. */
function take(book: Book, claims: Claims): void {
  for (let c = 0; c < claims.count; c++) {
    const p = claims.line[c]!;
    grant(book, p, claims.granted[c]!);
    book.reasons[p]! |= claims.reasons[c]!;
  }
}

/**
 * Rule 6: one substitute's free stock covers what stays uncovered, by the same sharing rules, in its own
 * units; version 3 shares it within the critical class first, then among the others, as the SKU's pool.
 */
function offerSubstitute(book: Book, claims: Claims, substitute: SubstituteSupply): SubstituteUsage {
  const ledger: SubstituteLedger = { sku: substitute.sku, quantity: new Float64Array(book.lines), covers: new Float64Array(book.lines) };
  book.substitutes.push(ledger);
  const classes = book.criticalFirst
    ? [select({ accepting: true, critical: true }), select({ accepting: true, critical: false })]
    : [select({ accepting: true })];
  let used = 0;
  for (const lines of classes) used += shareSubstitute(book, claims, lines, substitute, ledger, substitute.available - used);
  if (book.keepsPromises) used += topUpSubstitute(book, select({ accepting: true }), substitute, ledger, substitute.available - used);
  return { sku: substitute.sku, available: substitute.available, used };
}

/** `available` units of the substitute among `lines` by the sharing rules, the cap a share of all its stock; returns the units used. */
function shareSubstitute(book: Book, claims: Claims, lines: Selection, substitute: SubstituteSupply, ledger: SubstituteLedger, available: number): number {
  claims.clear();
  for (let p = 0; p < book.lines; p++) {
    if (!selects(book, p, lines)) continue;
    const limit = substituteUnits(uncovered(book, p), substitute);
    if (limit <= 0) continue;
    const c = book.customerOf[p]!;
    let h = claims.holderFor(c);
    if (h < 0) {
      const [critical, deferred] = [book.critical[c] === 1, book.deferred[c] === 1];
      h = claims.addHolder(c, { critical, held: 0, demand: 0, deferred, stock: book.profile[c]!.reportedOnHand, rank: book.rank[c] });
    }
    claims.add(p, h, limit, substitute.packSize, !(book.flags[p]! & PARTIAL), (book.flags[p]! & URGENT) !== 0);
    claims.demand[h]! += limit;
  }
  distribute(available, claims, sharingRules(book, substitute.ratio, percentOf(substitute.available, book.policy.capPercent, 'up')));
  let used = 0;
  for (let c = 0; c < claims.count; c++) {
    const p = claims.line[c]!;
    const granted = claims.granted[c]!;
    const need = uncovered(book, p);
    const covers = granted >= claims.limit[c]! ? need : Math.min(need, Math.floor(granted / substitute.ratio + EPSILON));
    if (covers === 0) continue;
    // A partial grant ships only what its covered units take; the rest of it stays in stock.
    const quantity = substituteUnits(covers, substitute);
    ledger.quantity[p] = quantity;
    ledger.covers[p] = covers;
    book.covered[p]! += covers;
    book.reasons[p]! |= REASON.substituted;
    used += quantity;
  }
  return used;
}

/**
 * Version 2, rule 5: what the shares left idle (cut by the cap into amounts that cover no whole original
 * unit) goes to the lines still short, in priority order, each as much as it can take. Returns the units used.
 */
function topUpSubstitute(book: Book, lines: Selection, substitute: SubstituteSupply, ledger: SubstituteLedger, idle: number): number {
  let left = idle;
  for (let p = 0; p < book.lines; p++) {
    if (!selects(book, p, lines)) continue;
    const need = uncovered(book, p);
    if (left <= 0) break;
    if (need <= 0) continue;
    const covers = ledger.covers[p]!;
    const shipped = covers > 0 ? ledger.quantity[p]! : 0;
    const partial = (book.flags[p]! & PARTIAL) !== 0;
    // All-or-nothing: the whole need or nothing; else the most whole original units that fit. The units shipped
    // only grow with n; rounded up to whole packs they can overshoot by a pack's worth of original units.
    const fits = (n: number) => substituteUnits(covers + n, substitute) - shipped <= left;
    const most = partial ? Math.min(need, Math.floor((left + shipped) / substitute.ratio + EPSILON) - covers) : need;
    const n = most <= 0 ? 0 : partial ? lastHolding(0, most, fits) : fits(most) ? most : 0;
    if (n <= 0) continue;
    const quantity = substituteUnits(covers + n, substitute);
    left -= quantity - shipped;
    ledger.quantity[p] = quantity;
    ledger.covers[p] = covers + n;
    book.covered[p]! += n;
    book.reasons[p]! |= REASON.substituted | REASON['substitute-top-up'];
  }
  return idle - left;
}

/** Substitute units that cover `units` original units, in whole substitute packs. */
function substituteUnits(units: number, substitute: SubstituteSupply): number {
  const exact = Math.ceil(units * substitute.ratio - EPSILON);
  return Math.ceil(exact / substitute.packSize) * substitute.packSize;
}

const cheapestFirst = (a: SubstituteSupply, b: SubstituteSupply) => a.priceDelta - b.priceDelta || compareIds(a.sku, b.sku);

function sum<T>(items: Iterable<T>, value: (item: T) => number): number {
  let total = 0;
  for (const item of items) total += value(item);
  return total;
}

const compareIds = (a: string, b: string) => (a < b ? -1 : a > b ? 1 : 0);
