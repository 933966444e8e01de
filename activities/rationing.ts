// Rationing over the period: the committed plan's shares scheduled into allotments (src/rationing/schedule.ts),
// each period's allotments reserved for the customers' open lines at its start, and the periods not yet
// released planned again when the ETA moves. Schedules live in the incident store; history carries summaries.
import type { AllocationPlan } from '../src/allocation/types';
import type { ReservationItem } from '../src/inventory/contract';
import {
  allotLines,
  changedCustomers,
  periodStartMs,
  planRations,
  releasesByLine,
  replanRations,
  runningPeriod,
  sharesOfPlan,
  withReleased,
  type RationPeriodFigures,
  type RationReleases,
  type RationingSummary,
  type StoredRations,
} from '../src/rationing/schedule';
import type { IncidentStore } from '../src/incident-store/store';
import type { ActivityDeps } from './deps';
import { listAllDemandLines, listIncidentBackorders } from './paging';
import { beat, heartbeating, progress, retriesSoFar, type Retried } from './progress';
import { BATCH_WRITE_LIMIT, chunks, keyFor, loadSnapshot, openByLine, requireDocument } from './shared';

/** Where the incident's rationing schedule and what its periods released are kept. */
export const RATIONS_KEY = 'rations';
/** Where period `period`'s release is stored (its reservations), and the re-plan for ETA revision `revision`. */
export const rationPeriodRef = (period: number) => `${RATIONS_KEY}/periods/${period}`;
export const rationReplanRef = (revision: number) => `${RATIONS_KEY}/replans/${revision}`;


/** One period's release, stored before its first write so every attempt writes the same. */
interface StoredRelease {
  released: number;
  reservations: ReservationItem[];
}

export function summaryOf(stored: StoredRations): RationingSummary {
  const { schedule } = stored;
  const over = stored.periods.some((p) => p.period === schedule.periods && p.returned !== null);
  return {
    rationRef: RATIONS_KEY,
    periods: schedule.periods,
    periodDays: schedule.periodDays,
    released: schedule.released,
    nextAt: over ? null : new Date(periodStartMs(schedule, schedule.released + 1)).toISOString(),
    customers: schedule.customers.length,
    units: schedule.customers.reduce((sum, c) => sum + c.share, 0),
  };
}

/** What the released periods reserved per line (period 1 at the commit, the later ones per period); null when not rationed. */
export async function storedReleases(store: IncidentStore, incidentId: string): Promise<RationReleases | null> {
  const stored = await store.get<StoredRations>(incidentId, RATIONS_KEY);
  if (!stored) return null;
  const periods: ReservationItem[][] = [];
  for (let period = 1; period <= stored.schedule.released; period++) periods.push(await releasedInPeriod(store, incidentId, period));
  return releasesByLine(stored.schedule.customers.map((c) => c.customerId), periods);
}

/** What period `period`'s release reserved, per line. */
export async function releasedInPeriod(store: IncidentStore, incidentId: string, period: number): Promise<ReservationItem[]> {
  return (await store.get<StoredRelease>(incidentId, rationPeriodRef(period)))?.reservations ?? [];
}

/** Units of the hub's free stock the schedule still holds: allotments to come and what the running period has not used. */
export function heldByRations(stored: StoredRations | null): number {
  if (!stored) return 0;
  const { schedule } = stored;
  const toCome = schedule.customers.reduce((sum, c) => sum + c.allotments.slice(schedule.released).reduce((t, a) => t + a, 0), 0);
  const running = runningPeriod(stored);
  return toCome + (running ? running.released - running.used : 0);
}

export function createRationingActivities({ inventory, store }: ActivityDeps) {
  return {
    /**
     * The committed plan's shares scheduled over the gap until `until` in periods of `periodDays`, once: a retry
     * returns the stored schedule. Null when the gap is one period or less (or no ETA): nothing is rationed.
     */
    async scheduleRations(input: { incidentId: string; planRef: string; periodDays: number; startAt: string; until: string | null }): Promise<RationingSummary | null> {
      const known = await store.get<StoredRations>(input.incidentId, RATIONS_KEY);
      if (known) return summaryOf(known);
      const plan = await requireDocument<AllocationPlan>(store, input.incidentId, input.planRef);
      const snapshot = await loadSnapshot(store, input.incidentId);
      const confirmed = new Map(snapshot.lines.map((l) => [l.lineId, l.confirmedQuantity]));
      const profiles = new Map(snapshot.customers.map((c) => [c.customerId, c.reportedOnHand]));
      const shares = sharesOfPlan(plan.lines, (lineId) => confirmed.get(lineId) ?? 0, (customerId) => profiles.get(customerId));
      const schedule = planRations({ shares, startAt: input.startAt, until: input.until, periodDays: input.periodDays });
      if (!schedule) return null;
      const stored: StoredRations = { planRef: input.planRef, schedule, periods: [] };
      await store.put(input.incidentId, RATIONS_KEY, stored);
      return summaryOf(stored);
    },

    /**
     * Period `period` starts: the one before it ends, returning what it left unused to the pool, and this one's
     * allotments are reserved for each customer's open lines (its most urgent first), keyed by incident,
     * customer, period and line. Period `periods + 1` only ends the last. Exactly once across attempts.
     */
    async releaseRationPeriod(input: { incidentId: string; period: number }): Promise<RationingSummary & { figures: RationPeriodFigures | null; returned: number } & Retried> {
      return heartbeating(async () => {
        const stored = await requireDocument<StoredRations>(store, input.incidentId, RATIONS_KEY);
        const { schedule } = stored;
        const ended = stored.periods.find((p) => p.period === input.period - 1 && p.returned === null);
        const returned = ended ? ended.released - ended.used : 0;
        if (input.period > schedule.periods) {
          const next: StoredRations = { ...stored, periods: stored.periods.map((p) => (p === ended ? { ...p, returned } : p)) };
          await store.put(input.incidentId, RATIONS_KEY, next);
          return { ...summaryOf(next), figures: null, returned, ...retriesSoFar() };
        }
        const ref = rationPeriodRef(input.period);
        let release = await store.get<StoredRelease>(input.incidentId, ref);
        if (!release) {
          release = await planRelease(input.incidentId, stored, input.period);
          await store.put(input.incidentId, ref, release);
        }
        const written = progress();
        for (const [i, part] of chunks(release.reservations, BATCH_WRITE_LIMIT).entries()) {
          if (written.has(`reserve/${i}`)) continue;
          await inventory.createReservations({ items: part });
          written.finish(`reserve/${i}`, true);
        }
        const figures: RationPeriodFigures = {
          period: input.period,
          startsAt: new Date(periodStartMs(schedule, input.period)).toISOString(),
          released: release.released,
          used: release.reservations.reduce((sum, r) => sum + r.quantity, 0),
          returned: null,
        };
        const periods = [...stored.periods.filter((p) => p.period !== input.period).map((p) => (p === ended ? { ...p, returned } : p)), figures];
        const next: StoredRations = { ...stored, schedule: withReleased(schedule, input.period), periods };
        await store.put(input.incidentId, RATIONS_KEY, next);
        return { ...summaryOf(next), figures, returned, ...retriesSoFar() };
      });
    },

    /**
     * The periods not yet released planned again for the ETA of revision `revision`, once per revision; returns
     * how many customers' allotments to come changed (those the incident tells).
     */
    async replanRations(input: { incidentId: string; until: string; revision: number }): Promise<RationingSummary & { changedCustomers: string[] }> {
      const done = await store.get<RationingSummary & { changedCustomers: string[] }>(input.incidentId, rationReplanRef(input.revision));
      if (done) return done;
      const stored = await requireDocument<StoredRations>(store, input.incidentId, RATIONS_KEY);
      const schedule = replanRations(stored.schedule, input.until);
      const next: StoredRations = { ...stored, schedule };
      const result = { ...summaryOf(next), changedCustomers: changedCustomers(stored.schedule, schedule) };
      await store.put(input.incidentId, RATIONS_KEY, next);
      await store.put(input.incidentId, rationReplanRef(input.revision), result);
      return result;
    },
  };

  /**
   * A period's reservations: each customer's allotment over its plan lines' rationed units still open (most urgent
   * first), then over its next orders.
   */
  async function planRelease(incidentId: string, stored: StoredRations, period: number): Promise<StoredRelease> {
    const plan = await requireDocument<AllocationPlan>(store, incidentId, stored.planRef);
    const snapshot = await loadSnapshot(store, incidentId);
    const hubId = snapshot.hubId;
    // The lines as the inventory system has them now: a line lowered or cancelled since takes only what it still has room for.
    const now = new Map((await listAllDemandLines(inventory, plan.sku, beat)).map((l) => [l.lineId, l]));
    const confirmed = new Map(snapshot.lines.map((l) => [l.lineId, l.confirmedQuantity]));
    const backordered = openByLine(await listIncidentBackorders(inventory, incidentId, beat));
    const reservedSoFar = new Map<string, number>();
    for (let earlier = 1; earlier < period; earlier++) {
      for (const r of await releasedInPeriod(store, incidentId, earlier)) {
        reservedSoFar.set(r.lineId, (reservedSoFar.get(r.lineId) ?? 0) + r.quantity);
      }
    }
    const byCustomer = new Map<string, { lineId: string; open: number; requestedDate: string }[]>();
    for (const line of plan.lines) {
      const current = now.get(line.lineId);
      if (!current) continue;
      const kept = line.releasedConfirmation > 0 ? 0 : Math.min(confirmed.get(line.lineId) ?? 0, line.allocated);
      const room = current.quantity - current.reservedQuantity - (backordered.get(line.lineId) ?? 0);
      const open = Math.min(room, line.allocated - kept - (reservedSoFar.get(line.lineId) ?? 0));
      const lines = byCustomer.get(line.customerId) ?? [];
      lines.push({ lineId: line.lineId, open, requestedDate: current.requestedDate });
      byCustomer.set(line.customerId, lines);
    }
    const sorted = <L extends { lineId: string; requestedDate: string }>(lines: L[]) =>
      lines.sort((a, b) => a.requestedDate.localeCompare(b.requestedDate) || a.lineId.localeCompare(b.lineId));
    for (const lines of byCustomer.values()) sorted(lines);
    // After its plan lines, the customer's next orders: lines placed since that no round has reserved or backordered yet.
    const planned = new Set(plan.lines.map((l) => l.lineId));
    const next = sorted([...now.values()].filter((l) => !planned.has(l.lineId) && byCustomer.has(l.customerId)));
    for (const line of next) {
      const room = line.quantity - line.reservedQuantity - (backordered.get(line.lineId) ?? 0);
      byCustomer.get(line.customerId)!.push({ lineId: line.lineId, open: room, requestedDate: line.requestedDate });
    }
    let released = 0;
    const reservations: ReservationItem[] = [];
    for (const customer of stored.schedule.customers) {
      const allotment = customer.allotments[period - 1] ?? 0;
      released += allotment;
      for (const { lineId, quantity } of allotLines(allotment, byCustomer.get(customer.customerId) ?? [])) {
        reservations.push({
          idempotencyKey: keyFor(incidentId, 'ration', customer.customerId, `p${period}`, lineId),
          incidentId,
          lineId,
          sku: plan.sku,
          locationId: hubId,
          quantity,
        });
      }
    }
    return { released, reservations };
  }
}
