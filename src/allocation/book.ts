// The engine's working tables (engine.ts): the lines in priority order and their customers, one typed array
// per figure instead of an object per line, so a million lines cost some fifty bytes each and make no garbage.
// A line is known by its place in priority order (0: served first), a customer by the order of its first
// line among the customers'.
import { percentOf } from './distribute';
import type { LineIndex } from './line-index';
import { STRATEGIES, strategyFor, type Policy, type Strategy } from './policy';
import { classRanks, inPriorityOrder, urgencyHorizon } from './priority';
import { dayNumber } from './dates';
import type { AllocationInput, CustomerProfile } from './types';

/** A unit price in whole cents, as the plan's money sums count it (exact whatever their order). */
export const cents = (unitPrice: number) => Math.round(unitPrice * 100);

/** A customer's strategy: its index in STRATEGIES. */
export const STRATEGY = Object.fromEntries(STRATEGIES.map((s, i) => [s, i])) as Record<Strategy, number>;

// A line's flags.
export const PARTIAL = 1;
export const SUBSTITUTES_ALLOWED = 2;
export const PINNED = 4;
/** Due before the next inbound ETA (rules version 2). */
export const URGENT_BEFORE_ETA = 8;
/** Due before the urgency horizon (priority.ts, urgencyHorizon), ETA known or not. */
export const URGENT = 16;

/**
 * Whole units, one per line: 32-bit whenever every line asks for fewer than 2³¹ (what a line holds never
 * exceeds what it asks for), so the plan's figures read from them are small integers, not a boxed double each.
 */
export type Units = Int32Array | Float64Array;

/** What one substitute gives each line: units shipped and original units they cover (0: none). */
export interface SubstituteLedger {
  sku: string;
  quantity: Float64Array;
  covers: Float64Array;
}

export interface Book {
  input: AllocationInput;
  policy: Policy;
  /** Rules version 2 or later (policy.ts). */
  keepsPromises: boolean;
  /** Rules version 3 or later: the critical class before every other customer's first pack and substitute share. */
  criticalFirst: boolean;
  /** Rules version 4: so too when the supply cannot hold everyone's first pack. */
  criticalPacksFirst: boolean;
  /** Rules version 5: the critical class before other customers' kept confirmations beyond their floors. */
  criticalOverKept: boolean;
  /** Rules version 5: under the cap, each priority class lifted to one fill rate first. */
  fillLevels: boolean;
  /** Rules version 5: a critical customer's first pack may pass the cap. */
  criticalPacksPastCap: boolean;
  /** Rules version 5: the critical class lifts its cap only after the other customers' floors took what was set aside for them. */
  setAsideReturned: boolean;
  /** Most units one customer holds while others wait. */
  capUnits: number;
  /** Pool plus every line's confirmation. */
  supply: number;

  // Per line, by place in priority order.
  lines: number;
  /** Its index in `input.lines`. */
  lineAt: Uint32Array;
  customerOf: Uint32Array;
  quantity: Units;
  confirmed: Units;
  pack: Float64Array;
  flags: Uint8Array;
  /** Units of the SKU, a kept confirmation included. */
  allocated: Units;
  /** Original units its substitutes cover. */
  covered: Units;
  reasons: Int32Array;
  /** Its unit price in whole cents. */
  priceCents: Float64Array;
  /** Its place in line id order. */
  idRank: Uint32Array;
  /** Per input line, its place. */
  placeOf: Uint32Array;
  /** Input line indices in line id order, and their ids. */
  idOrder: Uint32Array;
  ids: readonly string[];

  // Per customer, in the order of its first line.
  customers: number;
  profile: CustomerProfile[];
  /** Its segment's strategy for confirmations (STRATEGY). */
  strategy: Uint8Array;
  critical: Uint8Array;
  /** Its priority class, 0 first (priority.ts, classRanks). */
  rank: Uint32Array;
  acceptsSubstitutes: Uint8Array;
  /** Reports enough stock on hand to wait (rationing). */
  deferred: Uint8Array;
  /** Units its pinned lines ask for (overrides): its fill rate in rules version 5's levels leaves them out. */
  pinnedDemand: Float64Array;
  /** Units received earlier in this incident. */
  received: Float64Array;
  /** Units its lines ask for. */
  demand: Float64Array;
  /** Units of the SKU its lines hold so far. */
  held: Float64Array;
  /** Its lines' places, in priority order: linesOf[firstOf[c]] up to linesOf[firstOf[c + 1]]. */
  firstOf: Uint32Array;
  linesOf: Uint32Array;

  /** Substitutes in the order they were offered. */
  substitutes: SubstituteLedger[];
}

export function openBook(input: AllocationInput, index: LineIndex): Book {
  const { policy } = input;
  const { owner, requestedDay } = index;
  const n = input.lines.length;
  // A policy parsed before the field existed has none: version 1.
  const keepsPromises = policy.rulesVersion >= 2;
  const restock = input.alreadyReceived !== undefined;
  const received = input.alreadyReceived ?? {};
  const horizon = urgencyHorizon(policy, input.asOf, input.nextInboundEta);
  const urgentBeforeEta = keepsPromises && !!input.nextInboundEta;
  const waitDays =
    keepsPromises && input.nextInboundEta ? dayNumber(input.nextInboundEta) - dayNumber(input.asOf) + policy.rationing.etaMarginDays : policy.rationing.minDaysOfSupply;
  const ordered = inPriorityOrder(input.lines, input.customers, index, policy, horizon);
  const profiles = input.customers.length;
  const Units = input.lines.every((l) => l.quantity < 2 ** 31) ? Int32Array : Float64Array;
  const book: Book = {
    input,
    policy,
    keepsPromises,
    criticalFirst: policy.rulesVersion >= 3,
    criticalPacksFirst: policy.rulesVersion >= 4,
    criticalOverKept: policy.rulesVersion >= 5,
    fillLevels: policy.rulesVersion >= 5,
    criticalPacksPastCap: policy.rulesVersion >= 5,
    setAsideReturned: policy.rulesVersion >= 5,
    capUnits: 0,
    supply: input.pool,
    lines: n,
    lineAt: ordered,
    customerOf: new Uint32Array(n),
    quantity: new Units(n),
    confirmed: new Units(n),
    pack: new Float64Array(n),
    flags: new Uint8Array(n),
    allocated: new Units(n),
    covered: new Units(n),
    reasons: new Int32Array(n),
    priceCents: new Float64Array(n),
    idRank: new Uint32Array(n),
    placeOf: new Uint32Array(n),
    idOrder: index.idOrder,
    ids: index.ids,
    customers: 0,
    profile: [],
    strategy: new Uint8Array(profiles),
    critical: new Uint8Array(profiles),
    rank: new Uint32Array(profiles),
    acceptsSubstitutes: new Uint8Array(profiles),
    deferred: new Uint8Array(profiles),
    pinnedDemand: new Float64Array(profiles),
    received: new Float64Array(profiles),
    demand: new Float64Array(profiles),
    held: new Float64Array(profiles),
    firstOf: new Uint32Array(profiles + 1),
    linesOf: new Uint32Array(n),
    substitutes: [],
  };
  // Customers numbered in priority order; then each line's figures, read in input order (a line's object
  // is read once, in the order it sits in memory) and written at its place.
  const customerAt = new Int32Array(profiles).fill(-1);
  const ranks = classRanks(input.customers, policy);
  for (let p = 0; p < n; p++) {
    const at = owner[ordered[p]!]!;
    let c = customerAt[at]!;
    if (c < 0) {
      const profile = input.customers[at]!;
      c = book.customers++;
      customerAt[at] = c;
      book.profile.push(profile);
      book.strategy[c] = STRATEGY[strategyOf(policy, profile, restock)];
      book.critical[c] = profile.critical ? 1 : 0;
      book.rank[c] = ranks[at]!;
      book.acceptsSubstitutes[c] = profile.acceptsSubstitutes ? 1 : 0;
      book.deferred[c] = canWait(profile, policy, waitDays) ? 1 : 0;
      book.received[c] = restock && Object.hasOwn(received, profile.customerId) ? received[profile.customerId]! : 0;
    }
    book.customerOf[p] = c;
    book.firstOf[c + 1]! += 1;
    book.placeOf[ordered[p]!] = p;
  }
  for (let i = 0; i < n; i++) {
    const line = input.lines[i]!;
    const p = book.placeOf[i]!;
    book.quantity[p] = line.quantity;
    book.confirmed[p] = line.confirmedQuantity;
    book.pack[p] = line.packSize;
    book.priceCents[p] = cents(line.unitPrice);
    book.flags[p] =
      (line.partialAllowed ? PARTIAL : 0) | (line.substitutesAllowed ? SUBSTITUTES_ALLOWED : 0) | (urgentBeforeEta && requestedDay[i]! <= horizon ? URGENT_BEFORE_ETA : 0) |
      (requestedDay[i]! <= horizon ? URGENT : 0);
    book.demand[book.customerOf[p]!]! += line.quantity;
    book.supply += line.confirmedQuantity;
  }
  for (let k = 0; k < n; k++) book.idRank[book.placeOf[index.idOrder[k]!]!] = k;
  // Each customer's lines, in priority order.
  for (let c = 0; c < book.customers; c++) book.firstOf[c + 1]! += book.firstOf[c]!;
  const next = book.firstOf.slice(0, book.customers);
  for (let p = 0; p < n; p++) book.linesOf[next[book.customerOf[p]!]!++] = p;
  let capBase = book.supply;
  for (const units of Object.values(received)) capBase += units;
  book.capUnits = percentOf(capBase, policy.capPercent, 'up');
  return book;
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

/** What line `p` may hold of the SKU under its segment strategy. */
export function mostOfSku(book: Book, p: number): number {
  const strategy = book.strategy[book.customerOf[p]!];
  if (strategy === STRATEGY.fill) return book.confirmed[p]!;
  if (strategy === STRATEGY.lose) return 0;
  return book.quantity[p]!;
}

/** Gives line `p` `units` more of the SKU. */
export function grant(book: Book, p: number, units: number): void {
  book.allocated[p]! += units;
  book.held[book.customerOf[p]!]! += units;
}

export const isPinned = (book: Book, p: number) => (book.flags[p]! & PINNED) !== 0;

/** Original units line `p` still misses: neither the SKU nor a substitute covers them. */
export const uncovered = (book: Book, p: number) => book.quantity[p]! - book.allocated[p]! - book.covered[p]!;
