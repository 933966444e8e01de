// What to change so the next shortage of the SKU hurts less, from what this incident actually went through.
// Pure: the report hands in the figures.
//
// The buffer is ONE network buffer at the hub, not safety stock spread over the spokes: pooling never moves
// safety stock, so more of it at a spoke shrinks the next pool instead of growing it. It is sized from daily
// demand × the gap customers actually waited (first notice to the last backorder closed, or to the purchase
// order's final ETA when the incident did not close that way), and capped at the units backordered at commit:
// more than that would not have served one more unit in this incident.
import { dayNumber } from '../allocation/dates';
import type { IncidentOutcome } from '../incident/vocabulary';
import type { LocationStock } from '../pooling/plan';

const DAY_MS = 86_400_000;

export interface PurchaseOrderEta {
  poId: string;
  /** 'YYYY-MM-DD' the assessment counted on. */
  originalEta: string;
  /** 'YYYY-MM-DD' at closing. */
  finalEta: string;
}

export interface SubstituteStock {
  sku: string;
  /** Free units the plan could use, and used, at commit. */
  availableAtCommit: number;
  usedAtCommit: number;
  /** Free units at the hub at closing (on hand − reserved − safety stock). */
  freeAtClose: number;
}

export interface EtaSlip extends PurchaseOrderEta {
  slipDays: number;
}

export interface Gap {
  days: number;
  /** What ended it: the last backorder closed, or the purchase orders' final ETA. */
  until: 'last-backorder-closed' | 'final-eta';
}

export interface NetworkBuffer {
  hubId: string;
  units: number;
  /** Units per day over the requested dates of the incident's demand. */
  dailyDemand: number;
  gap: Gap;
  /** daily demand × gap, before the cap. */
  uncapped: number;
  /** Units backordered at commit. */
  cap: number;
  hubSafetyStock: number;
}

/** Purchase orders whose ETA moved later during the incident, by how many days. */
export function etaSlips(orders: PurchaseOrderEta[]): EtaSlip[] {
  return orders
    .map((po) => ({ ...po, slipDays: dayNumber(po.finalEta) - dayNumber(po.originalEta) }))
    .filter((po) => po.slipDays > 0)
    .sort((a, b) => a.poId.localeCompare(b.poId));
}

/** From `from` (first notice) to the closing of the last backorder, or else to the latest final ETA; null when neither is known. */
export function actualGap(input: { from: string; closedAt: string | null; purchaseOrders: PurchaseOrderEta[] }): Gap | null {
  const start = Date.parse(input.from);
  if (input.closedAt) return { days: Math.max(0, Math.ceil((Date.parse(input.closedAt) - start) / DAY_MS)), until: 'last-backorder-closed' };
  const latest = Math.max(...input.purchaseOrders.map((po) => dayNumber(po.finalEta) * DAY_MS));
  if (!Number.isFinite(latest)) return null;
  return { days: Math.max(0, Math.ceil((latest - start) / DAY_MS)), until: 'final-eta' };
}

/** One buffer at the hub (see the top of this file); null when nothing went short or there is no gap or hub. */
export function networkBuffer(input: {
  lines: { requested: number; requestedDate: string }[];
  /** 'YYYY-MM-DD' the demand was assessed on. */
  asOf: string;
  gap: Gap | null;
  shortAtCommit: number;
  hub: LocationStock | null;
}): NetworkBuffer | null {
  const { gap, hub } = input;
  if (!gap || gap.days === 0 || input.shortAtCommit <= 0 || !hub || input.lines.length === 0) return null;
  // Overdue lines are due today: the demand spreads over today up to the last requested date.
  const today = dayNumber(input.asOf);
  const horizon = 1 + Math.max(0, ...input.lines.map((l) => dayNumber(l.requestedDate) - today));
  const demand = input.lines.reduce((sum, l) => sum + l.requested, 0);
  const dailyDemand = Math.round((demand / horizon) * 100) / 100;
  const uncapped = Math.ceil((demand * gap.days) / horizon);
  return {
    hubId: hub.locationId,
    units: Math.min(uncapped, input.shortAtCommit),
    dailyDemand,
    gap,
    uncapped,
    cap: input.shortAtCommit,
    hubSafetyStock: hub.safetyStock,
  };
}

/** The advice, most structural first. */
export function recommendations(input: {
  sku: string;
  outcome: IncidentOutcome;
  hubId: string | null;
  buffer: NetworkBuffer | null;
  etaSlips: EtaSlip[];
  substitutes: SubstituteStock[];
  backorderedAtCommit: number;
  skippedAllOrNothing: { lines: number; units: number; customers: number };
  poolLeftAtCommit: number;
  firstNoticeAfterMinutes: number | null;
  /** Null when nothing was committed. */
  fillRateAtCommit: number | null;
  cancelledUnits: number;
  /** Who cancelled the incident before its plan was committed, and why; absent when it was committed. */
  cancellation?: { reason: string; cancelledBy: string } | null;
}): string[] {
  const { sku } = input;
  if (input.outcome === 'false-alarm') return [`Review the critical level of ${sku}: it triggered an incident although demand was covered.`];
  const advice: string[] = [];
  if (input.cancellation) {
    advice.push(
      `Review what opened this incident of ${sku}: it was cancelled before its plan was committed (${input.cancellation.cancelledBy}: ${input.cancellation.reason}), ` +
        'so nothing was reserved, backordered or told to customers; if the shortage was not real, review the critical level that triggered it.',
    );
  }
  const b = input.buffer;
  if (b) {
    const gap = b.gap.until === 'last-backorder-closed' ? 'first notice to last backorder closed' : "first notice to the purchase order's final ETA";
    advice.push(
      `Hold a network buffer of ${b.units} units of ${sku} at hub ${b.hubId} (safety stock there today: ${b.hubSafetyStock}): ` +
        `${b.dailyDemand} units/day of demand × the ${b.gap.days}-day gap customers actually waited (${gap})` +
        (b.uncapped > b.units ? `, capped at the ${b.cap} units backordered at commit` : '') +
        '. Hold it as hub stock an incident may pool: pooling never moves safety stock, so more of it at the spokes would shrink the next pool.',
    );
  }
  for (const slip of input.etaSlips) {
    advice.push(
      `Purchase order ${slip.poId} arrived ${slip.slipDays} days later than promised (ETA ${slip.originalEta} → ${slip.finalEta}): ` +
        `review the supplier's ETA reliability for ${sku} and plan on the slipped date.`,
    );
  }
  if (input.backorderedAtCommit > 0) {
    for (const s of input.substitutes.filter((s) => s.usedAtCommit >= s.availableAtCommit || s.freeAtClose <= 0)) {
      advice.push(
        `Substitute ${s.sku} ran out (${s.usedAtCommit} of ${s.availableAtCommit} free units used at commit, ${s.freeAtClose} free at closing): ` +
          `keep substitute stock ready${input.hubId ? ` at hub ${input.hubId}` : ''} for ${sku}.`,
      );
    }
  }
  const skipped = input.skippedAllOrNothing;
  if (skipped.lines > 0) {
    advice.push(
      `${count(skipped.lines, 'all-or-nothing line')} (${count(skipped.units, 'unit')}, ${count(skipped.customers, 'customer')}) skipped at commit because they did not fit whole` +
        (input.poolLeftAtCommit > 0 ? `, while ${input.poolLeftAtCommit} units of the pool stayed unused` : '') +
        ': review with those customers whether they accept partial shipments.',
    );
  }
  if (input.firstNoticeAfterMinutes !== null && input.firstNoticeAfterMinutes > 24 * 60) {
    advice.push(`Customers heard after ${Math.round(input.firstNoticeAfterMinutes / 60)} hours: shorten the approval deadline or raise the approval threshold.`);
  }
  if (input.fillRateAtCommit !== null && input.fillRateAtCommit < 0.8) {
    advice.push(`Fill rate at commit was ${(input.fillRateAtCommit * 100).toFixed(0)}%: qualify a second source or more substitutes for ${sku}.`);
  }
  if (input.cancelledUnits > 0) advice.push(`${count(input.cancelledUnits, 'backordered unit')} cancelled by customers: follow up on the lost orders with the account managers.`);
  return advice;
}

const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
