// The rules a follow-up must meet to be accepted, as pure functions: the network's today in its own time zone,
// a year ahead at most, the incident's own purchase orders and locations, the customer's own lines.
import { describe, expect, it } from 'vitest';
import { answerLineIssue, calendarDate, etaChangeIssue, isOwnPurchaseOrder, restockIssue } from '../../src/incident/follow-up-checks';
import { nextEtaTold } from '../../src/incident/follow-ups';
import { openIncident } from '../../src/incident/lifecycle';
import type { IncidentState } from '../../src/incident/state';

/** An incident assessed with two purchase orders, in a network whose hub keeps Berlin time (unless told otherwise). */
function incident(impact: Partial<NonNullable<IncidentState['impact']>> = {}): IncidentState {
  const s = openIncident({ triggerId: 't', sku: 'SKU-1', network: 'EU', source: 'manual', reason: 'r' }, { workflowId: 'stockout:EU:SKU-1', firstExecutionRunId: 'abcdefgh' }, '2026-12-01T00:00:00Z');
  s.impact = {
    asOf: '2026-12-01', shortage: 10, available: 0, demand: 10, affectedLines: 1, affectedCustomers: 1, affectedAccountManagers: 1,
    revenueAtRisk: 1, gapDays: 7, daysOfCover: 0, nextInboundEta: '2026-12-08', severity: 'high', snapshotRef: 'snapshot',
    inboundEtas: { 'PO-1': '2026-12-08', 'PO-2': '2026-12-22' }, timeZone: 'Europe/Berlin', locationIds: ['EU-HUB', 'EU-S01'],
    ...impact,
  };
  return s;
}

// 23:30 UTC on 1 December is already 2 December in Berlin.
const lateEvening = Date.parse('2026-12-01T23:30:00Z');

describe('ETA changes', () => {
  it("takes today as the network's calendar day", () => {
    expect(calendarDate(lateEvening, 'UTC')).toBe('2026-12-01');
    expect(calendarDate(lateEvening, 'Europe/Berlin')).toBe('2026-12-02');
    expect(etaChangeIssue(incident(), { poId: 'PO-1', eta: '2026-12-01' }, lateEvening)).toEqual({
      path: 'eta.eta',
      message: '2026-12-01 is before today (2026-12-02 in Europe/Berlin): an ETA tells customers when goods arrive',
    });
    // An incident assessed before the zone was kept counts in UTC.
    expect(etaChangeIssue(incident({ timeZone: undefined }), { poId: 'PO-1', eta: '2026-12-01' }, lateEvening)).toBeNull();
  });

  it('takes an earlier date than the one told while it is still ahead, and at most a year ahead', () => {
    expect(etaChangeIssue(incident(), { poId: 'PO-1', eta: '2026-12-02' }, lateEvening)).toBeNull();
    expect(etaChangeIssue(incident(), { poId: 'PO-1', eta: '2027-12-02' }, lateEvening)).toBeNull();
    expect(etaChangeIssue(incident(), { poId: 'PO-1', eta: '2027-12-03' }, lateEvening)?.path).toBe('eta.eta');
  });

  it("names eta.poId for a purchase order that is not the incident's, also one seen only since the assessment", () => {
    expect(etaChangeIssue(incident(), { poId: 'PO-7', eta: '2026-12-20' }, lateEvening)).toEqual({
      path: 'eta.poId',
      message: 'PO-7 is not an inbound purchase order of SKU-1 in network EU (its orders are PO-1, PO-2)',
    });
    const seenLater = { ...incident(), inboundEtas: { 'PO-3': '2026-12-30' } };
    expect(etaChangeIssue(seenLater, { poId: 'PO-3', eta: '2026-12-20' }, lateEvening)).toBeNull();
    // Assessments that did not list the orders cannot tell: the inventory system decides.
    expect(etaChangeIssue(incident({ inboundEtas: undefined }), { poId: 'PO-7', eta: '2026-12-20' }, lateEvening)).toBeNull();
  });
});

describe('restocks and answers', () => {
  it("names the purchase order or location that is not the incident's", () => {
    expect(restockIssue(incident(), { receiptId: 'R', quantity: 5, poId: 'PO-2', locationId: 'EU-S01' })).toBeNull();
    expect(restockIssue(incident(), { receiptId: 'R', quantity: 5, poId: 'PO-9' })?.path).toBe('restock.poId');
    expect(restockIssue(incident(), { receiptId: 'R', quantity: 5, locationId: 'US-HUB' })).toEqual({ path: 'restock.locationId', message: 'US-HUB is not a location of network EU' });
    expect(restockIssue(incident({ locationIds: undefined }), { receiptId: 'R', quantity: 5, locationId: 'US-HUB' })).toBeNull();
  });

  it("refuses an answer about a line of another customer or of no line of the incident's demand", () => {
    const lines = [{ lineId: 'L-1', customerId: 'C-1' }];
    const answer = { answer: 'cancel' as const, answerId: 'a', customerId: 'C-1', lineId: 'L-1' };
    expect(answerLineIssue(lines, answer)).toBeNull();
    expect(answerLineIssue(lines, { ...answer, customerId: 'C-2' })).toEqual({ path: 'answer.lineId', message: 'line L-1 is not an order line of C-2' });
    expect(answerLineIssue(lines, { ...answer, lineId: 'L-9' })?.path).toBe('answer.lineId');
  });
});

describe('the purchase orders and the next ETA the console shows', () => {
  it("offers only the incident's own purchase orders, at its network's locations", () => {
    expect(isOwnPurchaseOrder(incident(), { poId: 'PO-1', locationId: 'EU-HUB' })).toBe(true);
    // Same SKU, another network's order: a restock or ETA change against it would be refused.
    expect(isOwnPurchaseOrder(incident(), { poId: 'PO-1', locationId: 'US-HUB' })).toBe(false);
    expect(isOwnPurchaseOrder(incident(), { poId: 'PO-9', locationId: 'EU-HUB' })).toBe(false);
    expect(isOwnPurchaseOrder(incident({ inboundEtas: undefined, locationIds: undefined }), { poId: 'PO-9', locationId: 'US-HUB' })).toBe(true);
  });

  it('says the earliest ETA as last told, not the assessment\'s once an ETA moved', () => {
    expect(nextEtaTold(incident(), '2026-12-02')).toBe('2026-12-08');
    const moved = { ...incident(), inboundEtas: { 'PO-1': '2026-12-28' } };
    expect(nextEtaTold(moved, '2026-12-02')).toBe('2026-12-22');
    // A date gone by is a PO received since, not the next arrival.
    expect(nextEtaTold(incident(), '2026-12-10')).toBe('2026-12-22');
    expect(nextEtaTold(incident(), '2026-12-23')).toBeNull();
    expect(nextEtaTold(incident({ inboundEtas: undefined }), '2026-12-02')).toBe('2026-12-08');
  });
});
