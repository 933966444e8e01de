// What the console's pages state from an incident's state as it is now, not as it was at assessment or
// commit: the next ETA after a move, what a cancellation would still undo, and links that keep to the run a
// closed incident was. Rendered to HTML here (the browser test drives the pages themselves).
import { describe, expect, it } from 'vitest';
import type { Session } from '../../src/auth/sessions';
import type { BoardRow } from '../../src/console/board-data';
import { boardPage } from '../../src/console/pages/board';
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

const page = (state: IncidentState, extra: Partial<IncidentView> = {}) =>
  incidentPage(session, { state, workflowId: 'stockout:EU:SKU-1', currency: 'EUR', inbound: [], communications: [], planLines: null, whatIfPolicies: WHAT_IF_POLICIES, receiptKey: 'key', ...extra });
const text = (state: IncidentState) => page(state).replace(/<[^>]+>/g, ' ').replace(/\s+/g, ' ');
const RUN = '0b8f0f3e-6a43-4c1e-9a55-2f1d3c4b5a69';

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

  it('offers to withdraw the command whose write parked the incident, and only then', () => {
    const parked = (command?: string): IncidentState => ({
      ...followingUp(),
      stage: 'needs-attention',
      attention: { stage: 'following-up', reason: 'PO-1 is closed in the inventory system', since: '2026-12-02T09:00:00Z', ...(command ? { command } : {}) },
    });
    const html = page(parked('ETA of PO-1 → 2030-01-20'));
    expect(html).toContain('action="/console/incidents/stockout%3AEU%3ASKU-1/withdraw"');
    expect(html).toMatch(/<input id="withdraw-reason" name="reason" required/);
    expect(text(parked('ETA of PO-1 → 2030-01-20'))).toContain('Withdraw ETA of PO-1 → 2030-01-20');
    expect(page(parked())).not.toContain('/withdraw"');
    expect(page(parked('restock R-1 (5 units)'))).toContain('action="/console/incidents/stockout%3AEU%3ASKU-1/resume"');
  });

  it("links a closed incident's report to its own run, which the SKU's next incident does not share", () => {
    const closed = { ...followingUp(), stage: 'closed' as const };
    expect(page(closed, { runId: RUN })).toContain(`href="/console/incidents/stockout%3AEU%3ASKU-1/report?run=${RUN}"`);
    expect(page(closed)).toContain('href="/console/incidents/stockout%3AEU%3ASKU-1/report"');
  });
});

describe('the board', () => {
  it('links a closed row to its run and an open one to the incident that runs now', () => {
    const row = (open: boolean): BoardRow => ({
      workflowId: 'stockout:EU:SKU-1', runId: RUN, sku: 'SKU-1', network: 'EU', stage: open ? 'following-up' : 'closed', severity: 'high', open,
      startedAt: '2026-12-01T00:00:00Z', shortage: 10, affectedCustomers: 2, revenueAtRisk: 100, approvalDeadline: null, attention: null,
    });
    const board = (open: boolean) => ({ rows: [row(open)], counts: { shown: 1, needPerson: 0, bySeverity: { high: 1 }, byStage: {} } });
    const filter = { state: 'all' as const };
    expect(boardPage(session, filter, board(false), 'EUR')).toContain(`href="/console/incidents/stockout%3AEU%3ASKU-1?run=${RUN}"`);
    expect(boardPage(session, filter, board(true), 'EUR')).toContain('href="/console/incidents/stockout%3AEU%3ASKU-1"');
  });
});
