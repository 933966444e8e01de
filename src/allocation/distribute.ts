// The sharing rules over one supply — the short SKU's pool, or one substitute's free stock — in the order
// they apply: fair-share floors; priority under the concentration cap; customers who hold stock and can
// wait, evened out by days of supply under the cap; then the cap lifted once nobody under it can use what
// is left (work-conserving), for those who cannot wait and then for those who can. Rules version 1 served
// the customers who can wait only after the cap was lifted for everyone else (`deferredBeforeCapRelease`).
// Claims arrive in priority order; the rules write what they give into the claims.
import { apportion } from './apportion';
import { MinHeap } from './min-heap';
import type { ReasonCode } from './types';

/** A customer as the sharing rules see it, for one supply. */
export interface Holder {
  critical: boolean;
  /** Units that count toward its floor and cap; grows with every grant. */
  held: number;
  /** What its floor is a percent of. */
  demand: number;
  /** Holds enough stock to wait: no floor, served after everyone who cannot wait. */
  deferred: boolean;
  /** Reported stock (original units) and use per day, for evening out days of supply. */
  stock: { quantity: number; dailyUsage: number } | null;
}

/** One line's claim on the supply. */
export interface Claim {
  holder: Holder;
  /** Most units the line may take from this supply. */
  limit: number;
  /** Grants are whole packs, except one that completes the claim. */
  pack: number;
  /** All-or-nothing: the whole limit or nothing. */
  allOrNothing: boolean;
  /** Units given so far. */
  granted: number;
  reasons: Set<ReasonCode>;
}

export interface SharingRules {
  floorPercent: number;
  /** Most units one customer holds while others wait. */
  capUnits: number;
  /** Units of this supply per original unit: days of supply are counted in original units. */
  ratio: number;
  /** Customers who can wait are served under the cap before it is lifted for anyone (rules version 2). */
  deferredBeforeCapRelease: boolean;
}

interface Pass {
  left: number;
  rules: SharingRules;
  claims: Claim[];
  /** Each holder's claims, holders in the order of their first claim (their best priority). */
  groups: { holder: Holder; claims: Claim[]; heldBefore: number }[];
}

/**
 * Shares `supply` among the claims by the rules, in order; returns what nobody could use. `setAside` units
 * are kept out of everything after the floors (other customers' floors, reserved) and returned with the rest.
 */
export function distribute(supply: number, claims: Claim[], rules: SharingRules, setAside = 0): number {
  const pass: Pass = { left: supply, rules, claims, groups: groupByHolder(claims) };
  serveFloors(pass);
  const reserved = Math.min(pass.left, setAside);
  pass.left -= reserved;
  servePriority(pass, { capped: true });
  if (rules.deferredBeforeCapRelease) {
    serveRationed(pass, { capped: true });
    servePriority(pass, { capped: false });
  } else {
    servePriority(pass, { capped: false });
    serveRationed(pass, { capped: true });
  }
  serveRationed(pass, { capped: false });
  return pass.left + reserved;
}

/** Units the claims' floors would take from an unlimited supply. */
export function floorNeeds(claims: Claim[], rules: SharingRules): number {
  const pass: Pass = { left: 0, rules, claims, groups: groupByHolder(claims) };
  return floorBounds(pass).bounds.reduce((a, n) => a + n, 0);
}

/** Serves claims strictly in order, no floor, no cap (lines that must win); returns what is left. */
export function serveInOrder(supply: number, claims: Claim[]): number {
  const pass: Pass = { left: supply, rules: { floorPercent: 0, capUnits: Infinity, ratio: 1, deferredBeforeCapRelease: false }, claims, groups: [] };
  for (const claim of claims) give(pass, claim, fit(pass, claim, pass.left, false), priorityReason(claim));
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
  waiting.forEach(({ claims }, i) => {
    let share = shares[i]!;
    for (const claim of claims) {
      const units = fit(pass, claim, share, true);
      give(pass, claim, units, 'fair-share-floor');
      if (units > 0 && split) claim.reasons.add('proportional-split');
      share -= units;
    }
  });
}

function floorBounds(pass: Pass) {
  const waiting = pass.groups.filter((g) => !g.holder.deferred);
  const needs = waiting.map(({ holder }) => Math.max(0, percentOf(holder.demand, pass.rules.floorPercent, 'down') - holder.held));
  // What each can take toward its floor: no more than its lines' room, nor past the cap.
  const bounds = waiting.map(({ holder, claims }, i) => {
    const room = claims.reduce((sum, c) => sum + c.limit - c.granted, 0);
    return Math.max(0, Math.min(needs[i]!, room, pass.rules.capUnits - holder.held));
  });
  return { waiting, needs, bounds };
}

/** Priority: claims of customers who cannot wait, in order, each as much as it can take. */
function servePriority(pass: Pass, { capped }: { capped: boolean }): void {
  for (const claim of pass.claims) {
    if (claim.holder.deferred) continue;
    give(pass, claim, fit(pass, claim, pass.left, capped), capped ? priorityReason(claim) : 'cap-released');
  }
}

/** Rationing: customers who can wait get what is left pack by pack, fewest days of supply first. */
function serveRationed(pass: Pass, { capped }: { capped: boolean }): void {
  const days = (g: Pass['groups'][number]) => {
    const stock = g.holder.stock;
    if (!stock || stock.dailyUsage <= 0) return Infinity;
    return (stock.quantity + (g.holder.held - g.heldBefore) / pass.rules.ratio) / stock.dailyUsage;
  };
  const queue = new MinHeap<{ group: Pass['groups'][number]; order: number; cursor: number }>((a, b) => {
    const [da, db] = [days(a.group), days(b.group)];
    return da < db || (da === db && a.order < b.order);
  });
  pass.groups.forEach((group, order) => group.holder.deferred && queue.push({ group, order, cursor: 0 }));
  while (pass.left > 0 && queue.size > 0) {
    const entry = queue.pop()!;
    // A claim that cannot take a step now never can in this pass: supply only shrinks, holdings only grow.
    for (; entry.cursor < entry.group.claims.length; entry.cursor++) {
      const claim = entry.group.claims[entry.cursor]!;
      const step = claim.allOrNothing ? claim.limit - claim.granted : claim.pack;
      const units = fit(pass, claim, Math.min(pass.left, step), capped);
      if (units > 0) {
        give(pass, claim, units, capped ? 'rationed-days-of-supply' : 'cap-released');
        queue.push(entry);
        break;
      }
    }
  }
}

/**
 * Units a claim can take within `budget`: no more than its room and (when capped) its holder's room under
 * the cap, in whole packs, all or nothing for all-or-nothing lines. Notes on the claim why it takes less.
 */
function fit(pass: Pass, claim: Claim, budget: number, capped: boolean): number {
  const room = claim.limit - claim.granted;
  if (room <= 0 || budget <= 0) return 0;
  const wanted = Math.min(room, budget);
  const bound = capped ? Math.min(wanted, Math.max(0, pass.rules.capUnits - claim.holder.held)) : wanted;
  if (bound < wanted) claim.reasons.add('concentration-cap');
  if (bound === room) return room;
  if (claim.allOrNothing) {
    if (budget < room) claim.reasons.add('all-or-nothing-skipped');
    return 0;
  }
  const units = Math.floor(bound / claim.pack) * claim.pack;
  if (units < bound) claim.reasons.add('pack-size-rounded');
  return units;
}

function give(pass: Pass, claim: Claim, units: number, reason: ReasonCode): void {
  if (units <= 0) return;
  claim.granted += units;
  claim.holder.held += units;
  pass.left -= units;
  claim.reasons.add(reason);
}

const priorityReason = (claim: Claim): ReasonCode => (claim.holder.critical ? 'critical-priority' : 'stage-priority');

function groupByHolder(claims: Claim[]): Pass['groups'] {
  const groups = new Map<Holder, Pass['groups'][number]>();
  for (const claim of claims) {
    const group = groups.get(claim.holder) ?? { holder: claim.holder, claims: [], heldBefore: claim.holder.held };
    group.claims.push(claim);
    groups.set(claim.holder, group);
  }
  return [...groups.values()];
}
