// What the incident page states from an incident's state as it is now, not as it was at assessment or
// commit: the next ETA after a move, and what a cancellation would still undo. Rendered to HTML here (the
// browser test drives the page itself); only the figures are read, from the page's text.
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/auth/sessions';
import { incidentPage, type IncidentView } from '../../src/console/pages/incident';
import { WHAT_IF_POLICIES } from '../../src/console/what-if-policies';
import { openIncident } from '../../src/incident/lifecycle';
import type { IncidentState } from '../../src/incident/state';

const session: Session = { person: { name: 'ann', role: 'approver' }, csrfToken: 'csrf-token', expiresAt: Date.now() + 60_000 };

/** Following up after a commit: two transfers pooled (one still unshipped), 40 of 100 backordered units since shipped. */
function followingUp(): IncidentState {
  const s = openIncident({ triggerId: 't', sku: 'SKU-1', network: 'EU', source: 'manual', reason: 'r' }, { workflowId: 'stockout:EU:SKU-1', firstExecutionRunId: 'abcdefgh' }, '2026-12-01T00:00:00Z');
  s.stage = 'following-up';
  s.impact = {
    asOf: '2026-12-01', shortage: 100, available: 50, demand: 150, affectedLines: 4, affectedCustomers: 3, affectedAccountManagers: 1,
    revenueAtRisk: 1000, gapDays: 20, daysOfCover: 2, nextInboundEta: '2030-01-10', severity: 'high', snapshotRef: 'snapshot',
    inboundEtas: { 'PO-1': '2030-01-10', 'PO-2': '2030-02-01' }, timeZone: 'Europe/Berlin', locationIds: ['EU-HUB'],
  };
  s.pooling = {
    hubId: 'EU-HUB', hubFree: 20, pooled: 30, pool: 50,
    transfers: [
      { transferId: 'TR-1', fromLocationId: 'EU-S01', toLocationId: 'EU-HUB', quantity: 10, status: 'created' },
      { transferId: 'TR-2', fromLocationId: 'EU-S02', toLocationId: 'EU-HUB', quantity: 20, status: 'shipped' },
      { transferId: 'TR-3', fromLocationId: 'EU-S03', toLocationId: 'EU-HUB', quantity: 5, status: 'received' },
    ],
  };
  s.commit = { reservedLines: 3, reservedUnits: 50, backorderedLines: 2, backorderedUnits: 100, substituteUnits: 0, credits: 0 };
  s.backorders = { openLines: 1, openUnits: 60, fulfilledUnits: 40, cancelledUnits: 0 };
  return s;
}

const text = (state: IncidentState) => {
  const view: IncidentView = { state, workflowId: 'stockout:EU:SKU-1', currency: 'EUR', inbound: [], communications: [], planLines: null, whatIfPolicies: WHAT_IF_POLICIES, receiptKey: 'key' };
  return incidentPage(session, view).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
};

describe('the incident page', () => {
  it('says the next inbound ETA as last told to customers', () => {
    expect(text(followingUp())).toContain('Next inbound ETA 2030-01-10');
    const moved = { ...followingUp(), inboundEtas: { 'PO-1': '2030-03-01' } };
    expect(text(moved)).toContain('Next inbound ETA 2030-02-01');
  });

  it('warns of what a cancellation would still undo: unshipped transfers, backorders still open', () => {
    const page = text(followingUp());
    expect(page).toContain('1 unshipped transfers are cancelled (1 already on their way still arrive at the hub)');
    expect(page).toContain('60 backordered units still open are withdrawn');
    expect(page).not.toContain('100 backordered');
    expect(text({ ...followingUp(), commit: null, backorders: null })).toContain('nothing was committed yet');
  });
});
