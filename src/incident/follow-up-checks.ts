// Whether a restock, ETA change or customer answer fits the incident it is sent to: its own purchase orders,
// its network's locations, dates customers can be told, its own order lines. One home for these rules: the
// update validators refuse with them, and the operations layer asks them up front. Pure: the caller passes
// the time; imported by workflow code. Paths start at the command's root (`eta.poId`).
import type { CustomerAnswer, EtaChange, Restock } from './commands';
import { etasTold } from './follow-ups';
import type { IncidentState } from './state';
import { DEFAULT_TIME_ZONE } from '../inventory/contract';
import type { Issue } from '../validation/issues';

/** The calendar date (`YYYY-MM-DD`) at an instant in an IANA time zone. */
export function calendarDate(at: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat('en-US', { timeZone, year: 'numeric', month: '2-digit', day: '2-digit' }).formatToParts(at);
  const part = (type: string) => parts.find((p) => p.type === type)!.value;
  return `${part('year')}-${part('month')}-${part('day')}`;
}

/** The network's time zone as the assessment read it from the hub; UTC for incidents assessed before it was kept. */
export function networkTimeZone(s: Pick<IncidentState, 'impact'>): string {
  return s.impact?.timeZone ?? DEFAULT_TIME_ZONE;
}

/**
 * An ETA customers can be told: not before the network's today, at most a year ahead (a moved-up ETA is fine
 * while it is still ahead), for one of the incident's own purchase orders when the assessment listed them.
 */
export function etaChangeIssue(s: IncidentState, change: EtaChange, now: number): Issue | null {
  const poIssue = purchaseOrderIssue(s, change.poId, 'eta.poId');
  if (poIssue) return poIssue;
  const timeZone = networkTimeZone(s);
  const today = calendarDate(now, timeZone);
  if (change.eta < today) return { path: 'eta.eta', message: `${change.eta} is before today (${today} in ${timeZone}): an ETA tells customers when goods arrive` };
  const latest = `${Number(today.slice(0, 4)) + 1}${today.slice(4)}`;
  if (change.eta > latest) return { path: 'eta.eta', message: `${change.eta} is more than a year ahead (latest ${latest})` };
  return null;
}

/** A restock names, if anything, one of the incident's purchase orders and a location of its network. */
export function restockIssue(s: IncidentState, restock: Restock): Issue | null {
  if (restock.poId !== undefined) {
    const poIssue = purchaseOrderIssue(s, restock.poId, 'restock.poId');
    if (poIssue) return poIssue;
  }
  const locations = s.impact?.locationIds;
  if (restock.locationId !== undefined && locations && !locations.includes(restock.locationId)) {
    return { path: 'restock.locationId', message: `${restock.locationId} is not a location of network ${s.network}` };
  }
  return null;
}

/** An answer is about an order line of the incident's demand, of the customer who answers. */
export function answerLineIssue(lines: readonly { lineId: string; customerId: string }[], answer: CustomerAnswer): Issue | null {
  const line = lines.find((l) => l.lineId === answer.lineId);
  if (line && line.customerId === answer.customerId) return null;
  return { path: 'answer.lineId', message: `line ${answer.lineId} is not an order line of ${answer.customerId}` };
}

/** A purchase order a restock or an ETA change of this incident may name: the forms offer only these. */
export function isOwnPurchaseOrder(s: IncidentState, po: { poId: string; locationId: string }): boolean {
  const locations = s.impact?.locationIds;
  return purchaseOrderIssue(s, po.poId, 'poId') === null && (!locations || locations.includes(po.locationId));
}

/** The incident's open inbound orders, as assessed and as seen since; unknown (no check) for assessments that did not list them. */
function purchaseOrderIssue(s: IncidentState, poId: string, path: string): Issue | null {
  if (s.impact?.inboundEtas === undefined) return null;
  const known = Object.keys(etasTold(s)).sort();
  if (known.includes(poId)) return null;
  const listed = known.length > 0 ? `its orders are ${known.slice(0, 10).join(', ')}` : 'it has none';
  return { path, message: `${poId} is not an inbound purchase order of ${s.sku} in network ${s.network} (${listed})` };
}
