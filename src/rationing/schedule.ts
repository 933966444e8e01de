// Rationing over the period (policy.rationing.periodDays): each customer's share of the pool for the gap until
// the next inbound ETA, divided into allotments, one per period. Pure: the activities store the schedule and
// write what a period releases; the workflow only keeps when the next period starts.

const DAY_MS = 86_400_000;

/** What one customer is rationed: its share of the pool, and how long the stock it reports holding lasts. */
export interface RationShare {
  customerId: string;
  /** Units of the pool the plan gives the customer beyond the confirmations it keeps. */
  share: number;
  /** Days the customer's reported stock lasts from the schedule's start; 0 when it reports none. */
  stockDays: number;
}

export interface CustomerRation extends RationShare {
  /** Units released at the start of each period, period 1 first; they add up to the share. */
  allotments: number[];
}

export interface RationSchedule {
  periodDays: number;
  /** The instant period 1 starts (the commit). */
  startAt: string;
  /** 'YYYY-MM-DD': the inbound ETA the periods run until. */
  until: string;
  periods: number;
  /** Periods already released: a re-plan keeps their allotments. */
  released: number;
  /** In customer id order. */
  customers: CustomerRation[];
}

/** Days a stock used at a daily rate lasts; one not used lasts for good. */
const LASTS_FOR_GOOD = 1_000_000;

/**
 * Each customer's share of the pool in a plan: what its lines are allocated beyond the confirmation they keep
 * (`confirmed` per line, kept unless the plan released it), with how long the stock it reports lasts.
 */
export function sharesOfPlan(
  lines: { lineId: string; customerId: string; allocated: number; releasedConfirmation: number }[],
  confirmed: (lineId: string) => number,
  reportedOnHand: (customerId: string) => { quantity: number; dailyUsage: number } | undefined,
): RationShare[] {
  const share = new Map<string, number>();
  for (const line of lines) {
    const kept = line.releasedConfirmation > 0 ? 0 : Math.min(confirmed(line.lineId), line.allocated);
    share.set(line.customerId, (share.get(line.customerId) ?? 0) + line.allocated - kept);
  }
  return [...share].map(([customerId, units]) => {
    const stock = reportedOnHand(customerId);
    const stockDays = !stock || stock.quantity === 0 ? 0 : stock.dailyUsage === 0 ? LASTS_FOR_GOOD : Math.floor(stock.quantity / stock.dailyUsage);
    return { customerId, share: units, stockDays };
  });
}

/**
 * What the ration periods reserved per line: period 1's at the commit (what a rationed line ships at once, beside
 * the confirmation it keeps), the later periods' as released per period.
 */
export interface RationReleases {
  /** Customers whose plan share is rationed: their plan lines ship at once only what they keep and period 1 reserved. */
  customers: Set<string>;
  atCommit: Map<string, number>;
  later: Map<string, number>;
}

/** The releases per line of a schedule's customers, from each released period's reservations, period 1 first. */
export function releasesByLine(customers: string[], periods: { lineId: string; quantity: number }[][]): RationReleases {
  const atCommit = new Map<string, number>();
  const later = new Map<string, number>();
  for (const [i, reservations] of periods.entries()) {
    const into = i === 0 ? atCommit : later;
    for (const r of reservations) into.set(r.lineId, (into.get(r.lineId) ?? 0) + r.quantity);
  }
  return { customers: new Set(customers), atCommit, later };
}

/** One period as the report states it: released at its start, reserved for lines, and given back to the pool at its end. */
export interface RationPeriodFigures {
  period: number;
  startsAt: string;
  released: number;
  used: number;
  /** What the period left unused, returned at its end; null while it runs. */
  returned: number | null;
}

/** The schedule as the incident store keeps it, with what its periods released. */
export interface StoredRations {
  /** The plan whose shares are rationed (as committed). */
  planRef: string;
  schedule: RationSchedule;
  periods: RationPeriodFigures[];
  /** Order rounds whose new lines took from their period's allotments, counted in its `used`; absent before any did. */
  roundsCounted?: number[];
}

/** What the workflow keeps of the schedule: where it is, how far it got and when the next period starts. */
export interface RationingSummary {
  /** Store key of the schedule and its periods' figures. */
  rationRef: string;
  periods: number;
  periodDays: number;
  /** Periods released so far. */
  released: number;
  /** When period `released + 1` starts (or, past the last, the last ends); null once the last has ended. */
  nextAt: string | null;
  customers: number;
  units: number;
}

/** Periods of `periodDays` from `startAt` until the ETA: at least one. */
export function periodsUntil(startAt: string, until: string, periodDays: number): number {
  const days = (Date.parse(`${until}T00:00:00Z`) - Date.parse(startAt)) / DAY_MS;
  return Math.max(1, Math.ceil(days / periodDays));
}

/** When period `period` (from 1) starts; period `periods + 1` is when the last one ends. */
export function periodStartMs(schedule: Pick<RationSchedule, 'startAt' | 'periodDays'>, period: number): number {
  return Date.parse(schedule.startAt) + (period - 1) * schedule.periodDays * DAY_MS;
}

/** The customer's stock lasts to the end of the period: it gets nothing that period and is not left with nothing. */
export function stockLasts(customer: Pick<RationShare, 'stockDays'>, period: number, periodDays: number): boolean {
  return customer.stockDays >= period * periodDays;
}

/**
 * The schedule for a plan's shares; null when there is nothing to ration (no ETA, or the ETA falls within the
 * first period: the whole share is released at once, as without rationing).
 */
export function planRations(input: { shares: RationShare[]; startAt: string; until: string | null; periodDays: number }): RationSchedule | null {
  if (!input.until) return null;
  const periods = periodsUntil(input.startAt, input.until, input.periodDays);
  if (periods <= 1) return null;
  const customers = [...input.shares]
    .filter((c) => c.share > 0)
    .sort((a, b) => (a.customerId < b.customerId ? -1 : a.customerId > b.customerId ? 1 : 0))
    .map((c) => ({ ...c, allotments: spread(c, c.share, 1, periods, input.periodDays) }));
  return { periodDays: input.periodDays, startAt: input.startAt, until: input.until, periods, released: 0, customers };
}

/**
 * The periods not yet released planned again for a new ETA: each customer's allotments released so far are kept,
 * and what of its share they leave is spread over the periods from the next one until the new ETA (at least one).
 */
export function replanRations(schedule: RationSchedule, until: string): RationSchedule {
  const kept = schedule.released;
  const periods = Math.max(kept + 1, periodsUntil(schedule.startAt, until, schedule.periodDays));
  const customers = schedule.customers.map((c) => {
    const released = c.allotments.slice(0, kept);
    const left = c.share - sum(released);
    return { ...c, allotments: [...released, ...spread(c, left, kept + 1, periods, schedule.periodDays)] };
  });
  return { ...schedule, until, periods, customers };
}

/** The schedule with period `period` released. */
export function withReleased(schedule: RationSchedule, period: number): RationSchedule {
  return { ...schedule, released: Math.max(schedule.released, period) };
}

/** Customers whose allotments from the next period on differ between two schedules: those a re-plan tells. */
export function changedCustomers(before: RationSchedule, after: RationSchedule): string[] {
  const was = new Map(before.customers.map((c) => [c.customerId, c.allotments]));
  return after.customers
    .filter((c) => {
      const old = was.get(c.customerId) ?? [];
      const length = Math.max(old.length, c.allotments.length);
      for (let p = after.released; p < length; p++) if ((old[p] ?? 0) !== (c.allotments[p] ?? 0)) return true;
      return false;
    })
    .map((c) => c.customerId);
}

/** Customers left with nothing in a period: no allotment, and no stock of their own that lasts it. */
export function customersWithNothing(schedule: RationSchedule, period: number): number {
  return schedule.customers.filter((c) => (c.allotments[period - 1] ?? 0) === 0 && !stockLasts(c, period, schedule.periodDays)).length;
}

/** What an order round took from the running period's allotments, per customer. */
export interface AllotmentTake {
  period: number;
  byCustomer: Record<string, number>;
}

/** The period released and not yet ended; null before the first or once the last ended. */
export function runningPeriod(stored: StoredRations): RationPeriodFigures | null {
  return stored.periods.find((p) => p.returned === null) ?? null;
}

/**
 * What each customer has left of period `period`'s allotment for lines placed meanwhile: its allotment, less what
 * the period's release reserved for its lines and what earlier order rounds took from it (`taken`, of any period:
 * only this one's count). Customers with nothing left are not listed.
 */
export function allotmentsLeft(stored: StoredRations, period: number, releasedTo: (customerId: string) => number, taken: AllotmentTake[]): Map<string, number> {
  const left = new Map<string, number>();
  for (const c of stored.schedule.customers) {
    const took = sum(taken.filter((t) => t.period === period).map((t) => t.byCustomer[c.customerId] ?? 0));
    const units = (c.allotments[period - 1] ?? 0) - releasedTo(c.customerId) - took;
    if (units > 0) left.set(c.customerId, units);
  }
  return left;
}

/** The schedule with an order round's take counted in its period's `used`, once: a round already counted changes nothing. */
export function withRoundCounted(stored: StoredRations, round: number, take: AllotmentTake): StoredRations {
  if (stored.roundsCounted?.includes(round)) return stored;
  const units = sum(Object.values(take.byCustomer));
  return {
    ...stored,
    periods: stored.periods.map((p) => (p.period === take.period ? { ...p, used: p.used + units } : p)),
    roundsCounted: [...(stored.roundsCounted ?? []), round],
  };
}

/**
 * An allotment reserved for the customer's open lines, most urgent first as given: each line takes what it
 * still needs; what no line needs is the period's unused part.
 */
export function allotLines<L extends { lineId: string; open: number }>(allotment: number, lines: L[]): { lineId: string; quantity: number }[] {
  let left = allotment;
  const out: { lineId: string; quantity: number }[] = [];
  for (const line of lines) {
    if (left <= 0) break;
    const quantity = Math.min(left, Math.max(0, line.open));
    if (quantity > 0) out.push({ lineId: line.lineId, quantity });
    left -= quantity;
  }
  return out;
}

/**
 * `units` spread evenly over periods `from`..`to` (1-based) the customer's own stock does not last, the
 * remainder to the earliest of them; periods before `from` are not part of the result. When its stock lasts
 * every one of them, the last period gets it all.
 */
function spread(customer: Pick<RationShare, 'stockDays'>, units: number, from: number, to: number, periodDays: number): number[] {
  const length = to - from + 1;
  const open = Array.from({ length }, (_, i) => !stockLasts(customer, from + i, periodDays));
  if (!open.some(Boolean)) open[length - 1] = true;
  const count = open.filter(Boolean).length;
  const base = Math.floor(units / count);
  let remainder = units - base * count;
  return open.map((isOpen) => {
    if (!isOpen) return 0;
    const extra = remainder > 0 ? 1 : 0;
    remainder -= extra;
    return base + extra;
  });
}

const sum = (values: number[]) => values.reduce((total, v) => total + v, 0);
