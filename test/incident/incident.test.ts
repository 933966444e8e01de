// Whole incidents on the time-skipping server, against the reference inventory/CRM service over HTTP and a
// real SMTP sink. After each scenario the inventory system's books must balance (conservation, every
// idempotency key applied once).
import type { WorkflowHandle } from '@temporalio/client';
import { describe, expect, it } from 'vitest';
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import type { CommittedReport } from '../../src/report/incident-report';
import type { IncidentState } from '../../src/incident/state';
import {
  cancelSignal,
  changeEtaUpdate,
  customerAnswerUpdate,
  decidePlanUpdate,
  recordRestockUpdate,
  resumeSignal,
  simulatePlanUpdate,
  stateQuery,
  triggerSignal,
} from '../../workflows/definitions';
import type { stockoutIncident } from '../../workflows/incident';
import { activitiesWith, refusedUntilFixed, timeSkippingWorlds } from '../harness/incident-worlds';
import { recordHistory } from '../harness/replay';
import {
  COVERED_SKU,
  SHORT_SKU,
  dateAhead,
  emailsByKind,
  expectBooksBalanced,
  expectUpdateRejected,
  freeAtHub,
  manualTrigger,
  policyWith,
  settledState,
  startIncident,
  waitForState,
  type World,
} from './world';

const worlds = timeSkippingWorlds();

const NO_APPROVAL = { approval: { severityThreshold: 'critical' as const } };
const AUTO_APPROVE = { approval: { severityThreshold: 'low' as const, deadlineHours: 4, timeoutAction: 'auto-approve' as const } };
const ALWAYS_APPROVE = { approval: { severityThreshold: 'low' as const, deadlineHours: 24, timeoutAction: 'escalate' as const } };

/** Records the history for the replay test when asked (RECORD_HISTORIES=1). */
async function keep(handle: WorkflowHandle, scenario: string) {
  if (process.env.RECORD_HISTORIES === '1') await recordHistory(handle, `incident-${scenario}`);
}

async function openBackorders(w: World, incidentId: string) {
  return (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
}

/**
 * Share of the open backorder units before a restock round that the round served, per relationship stage,
 * among customers without the critical flag (which outranks every stage).
 */
async function roundFillByStage(w: World, before: Awaited<ReturnType<typeof openBackorders>>, incidentId: string) {
  const after = new Map((await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.map((b) => [b.backorderId, b]));
  const customers = new Map((await w.deps.crm.getCustomers([...new Set(before.map((b) => b.customerId))])).map((c) => [c.customerId, c]));
  const totals: Record<string, { open: number; served: number }> = {};
  for (const b of before) {
    const customer = customers.get(b.customerId)!;
    if (customer.critical) continue;
    const t = (totals[customer.stage] ??= { open: 0, served: 0 });
    t.open += b.open;
    t.served += b.open - after.get(b.backorderId)!.open;
  }
  return Object.fromEntries(Object.entries(totals).map(([stage, t]) => [stage, t.served / t.open]));
}

async function restockEverything(handle: WorkflowHandle<typeof stockoutIncident>, receiptId: string) {
  const state = await settledState(handle);
  const open = state.backorders?.openUnits ?? 0;
  expect(open).toBeGreaterThan(0);
  await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId, quantity: open }] });
}

describe('incident scenarios', () => {
  it('closes as a false alarm when demand is covered, with the numbers', async () => {
    const w = await worlds.open();
    const report = await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, COVERED_SKU), policyWith(NO_APPROVAL));
      const result = await handle.result();
      const state = await handle.query(stateQuery);
      expect(state.stage).toBe('false-alarm');
      expect(state.impact!.shortage).toBeLessThanOrEqual(0);
      expect(state.impact!.demand).toBeGreaterThan(0);
      await keep(handle, 'false-alarm');
      return result;
    });
    expect(report.outcome).toBe('false-alarm');
    expect(w.sink.messages()).toHaveLength(0);
    await expectBooksBalanced(w);
  });

  it('pools spoke stock, offers substitutes, notifies every affected customer once, and closes after the restock', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const state = await waitForState(handle, 'following-up');
      expect(state.impact!.shortage).toBeGreaterThan(0);
      expect(state.pooling!.transfers.length).toBeGreaterThan(0);
      expect(state.pooling!.transfers.every((t) => t.status === 'received')).toBe(true);
      expect(state.plan!.totals.backordered).toBeGreaterThan(0);
      expect(state.approval.status).toBe('not-required');
      expect(state.substitutes.length).toBeGreaterThan(0);
      expect(state.commit!.substituteUnits).toBeGreaterThan(0);
      const substituteReservations = (await w.deps.inventory.listReservations({ incidentId: state.incidentId })).filter((r) => r.sku !== SHORT_SKU);
      expect(substituteReservations.reduce((sum, r) => sum + r.quantity, 0)).toBe(state.commit!.substituteUnits);

      const customers = new Set(
        (await w.deps.inventory.listBackorders({ incidentId: state.incidentId, limit: 1000 })).backorders.map((b) => b.customerId),
      );
      const kinds = emailsByKind(w);
      const firstNotices = kinds['first-notice'] ?? [];
      // One email per affected customer: no duplicates, and every customer with a backorder among them.
      expect(new Set(firstNotices).size).toBe(firstNotices.length);
      expect(firstNotices.length).toBe(state.deliveries[0]!.sent + state.deliveries[0]!.digests);
      expect(state.deliveries[0]!.sent).toBeGreaterThanOrEqual(customers.size);

      await w.env.sleep('2 days');
      await restockEverything(handle, 'GR-1');
      const report = await handle.result();
      expect(report.outcome).toBe('closed');
      const closed = await handle.query(stateQuery);
      expect(closed.backorders!.openUnits).toBe(0);
      expect(emailsByKind(w)['backorder-shipped']?.length).toBeGreaterThan(0);
      expect(emailsByKind(w)['incident-closed']?.length).toBeGreaterThan(0);
      const stored = await w.store.get<CommittedReport>(closed.incidentId, 'report');
      expect(stored!.byStage.length).toBeGreaterThan(0);
      expect(stored!.overall.fillRate).toBe(1);
      // The plan as committed stays visible beside the end state the restock made.
      expect(stored!.overall.fillRateAtCommit).toBeCloseTo(state.plan!.totals.fillRate, 4);
      expect(stored!.overall.fillRateAtCommit).toBeLessThan(1);
      expect(stored!.overall.customersWithNothingAtCommit).toBe(state.plan!.totals.customersWithNothing);
      // Stages in the plan's (the policy's) order, each adding up, protected a part of what was at risk.
      expect(stored!.byStage.map((row) => row.stage)).toEqual(state.plan!.byStage.map((row) => row.stage));
      for (const row of [...stored!.byStage, stored!.overall]) {
        expect(row.servedAtOnce + row.servedLater + row.substitutedLater + row.cancelled + row.unserved).toBe(row.requested);
        expect(row.revenueProtected).toBeLessThanOrEqual(row.revenueAtRisk);
      }
      expect(report.scope).toBe('committed');
      expect(report.revenueProtected).toBeLessThanOrEqual(report.revenueAtRisk!);
      await keep(handle, 'shortage-restock');
    });
    await expectBooksBalanced(w);
  });

  it('waits for approval, applies overrides approved unseen when told to, answers a what-if, and rejects bad decisions with a clear error', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(ALWAYS_APPROVE));
      const pending = await waitForState(handle, 'awaiting-approval');
      expect(pending.approval.status).toBe('pending');
      expect(w.sink.messages()).toHaveLength(0);

      const comparison = await handle.executeUpdate(simulatePlanUpdate, { args: [{ ...policyWith(ALWAYS_APPROVE), name: 'no-cap', capPercent: 100 }] });
      expect(comparison.simulated.policyName).toBe('no-cap');
      expect(comparison.difference.length).toBeGreaterThan(0);
      await expectUpdateRejected(handle.executeUpdate(simulatePlanUpdate, { args: [{ capPercent: 500 }] }), /capPercent/);
      // A what-if commits nothing: no reservation, no backorder, no email.
      expect(await w.deps.inventory.listReservations({ incidentId: pending.incidentId })).toEqual([]);
      expect((await w.deps.inventory.listBackorders({ incidentId: pending.incidentId, limit: 10 })).backorders).toEqual([]);
      expect(w.sink.messages()).toHaveLength(0);

      await expectUpdateRejected(handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: 99, decidedBy: 'ann', overrides: [] }] }), /planRevision/);
      await expectUpdateRejected(handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'maybe', planRevision: 0, decidedBy: 'ann' } as never] }), /decision/);

      const plan = (await w.store.get<{ lines: { lineId: string; requested: number; allocated: number }[] }>(pending.incidentId, pending.plan!.planRef))!;
      const line = plan.lines.find((l) => l.allocated < l.requested)!;
      const approved = await handle.executeUpdate(decidePlanUpdate, {
        args: [{ decision: 'approve', planRevision: 0, decidedBy: 'ann', overrides: [{ lineId: line.lineId, allocate: line.requested }], comment: 'key account', approveRevisedPlan: true }],
      });
      expect(approved.status).toBe('approved');
      const committed = await waitForState(handle, 'following-up');
      expect(committed.plan!.revision).toBe(1);
      expect(committed.plan!.overrides).toBe(1);
      const revised = (await w.store.get<{ lines: { lineId: string; allocated: number }[] }>(committed.incidentId, committed.plan!.planRef))!;
      expect(revised.lines.find((l) => l.lineId === line.lineId)!.allocated).toBe(line.requested);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'ann' });
      expect((await handle.result()).outcome).toBe('cancelled');
      await keep(handle, 'approval-overrides');
    });
    await expectBooksBalanced(w);
  });

  it('a rejected plan waits for a new decision; on the deadline the policy escalates to the planners', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(ALWAYS_APPROVE));
      await waitForState(handle, 'awaiting-approval');
      const rejected = await handle.executeUpdate(decidePlanUpdate, {
        args: [{ decision: 'reject', planRevision: 0, decidedBy: 'bob', comment: 'floor too low' }],
      });
      expect(rejected.status).toBe('rejected');
      await w.env.sleep('25 hours');
      const escalated = await waitForState(handle, 'awaiting-approval', (s) => s.approval.status === 'escalated');
      expect(escalated.timeline.some((t) => t.event === 'approval escalated')).toBe(true);
      expect(emailsByKind(w)['escalation']).toEqual(['planners@example.com']);
      await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: 0, decidedBy: 'bob', overrides: [] }] });
      await waitForState(handle, 'following-up');
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'bob' });
      await handle.result();
      await keep(handle, 'rejection-escalation');
    });
    await expectBooksBalanced(w);
  });

  it('auto-approves on the deadline when the policy says so', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(AUTO_APPROVE));
      await waitForState(handle, 'awaiting-approval');
      await w.env.sleep('5 hours');
      const state = await waitForState(handle, 'following-up');
      expect(state.approval.status).toBe('auto-approved');
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'policy-test' });
      await handle.result();
      await keep(handle, 'auto-approve');
    });
    await expectBooksBalanced(w);
  });

  it('allocates a restock days later to backorders in priority order and re-notifies on an ETA slip', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const state = await waitForState(handle, 'following-up');
      const po = (await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.status === 'open')!;
      await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: await dateAhead(w.env, 45), reason: 'supplier delay', recordedBy: 'pat' }] });
      const afterEta = await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'eta-change'));
      // The timeline names the person who recorded it, before what changed.
      expect(afterEta.timeline.find((e) => e.event === 'ETA changed')?.detail).toMatch(new RegExp(`^pat: ${po.poId} → `));
      const etaNotices = afterEta.deliveries.find((d) => d.kind === 'eta-change')!;
      expect(etaNotices.sent).toBe(new Set((await w.deps.inventory.listBackorders({ incidentId: state.incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0).map((b) => b.customerId)).size);
      await expectUpdateRejected(handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: '15/01/2027' }] }), /eta/);

      await w.env.sleep('4 days');
      const openBefore = await openBackorders(w, state.incidentId);
      const partial = Math.floor(afterEta.backorders!.openUnits / 3);
      // Pack sizes and all-or-nothing lines may have left a few units free at the hub; the round shares them with the receipt.
      const freeBefore = await freeAtHub(w, state.pooling!.hubId);
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-partial', quantity: partial }] });
      const after = await waitForState(handle, 'following-up', (s) => s.restockRounds === 1 && s.deliveries.some((d) => d.kind === 'backorder-shipped'));
      const served = afterEta.backorders!.openUnits - after.backorders!.openUnits;
      expect(served).toBeGreaterThan(0);
      expect(served).toBeLessThanOrEqual(partial + freeBefore);
      expect(after.backorders!.fulfilledUnits).toBe(served);
      // Priority order: the round serves the highest relationship stage waiting no worse than the lowest one.
      const fill = await roundFillByStage(w, openBefore, after.incidentId);
      const ranked = DEFAULT_POLICY.stages.map((stage) => stage.name).filter((name) => name in fill);
      expect(ranked.length).toBeGreaterThanOrEqual(2);
      const [lowest, highest] = [fill[ranked[0]!]!, fill[ranked.at(-1)!]!];
      expect(highest).toBeGreaterThan(0);
      expect(highest).toBeGreaterThanOrEqual(lowest);
      // A repeated receipt is recognised, not allocated twice.
      expect(await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-partial', quantity: partial }] })).toMatch(/already/);
      expect(emailsByKind(w)['status-update']?.length).toBeGreaterThan(0);
      await restockEverything(handle, 'GR-rest');
      expect((await handle.result()).outcome).toBe('closed');
      await keep(handle, 'restock-eta');
    });
    await expectBooksBalanced(w);
  });

  it('tells customers about an ETA the inventory system moved by itself, once, and not again about one moved here', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(
        w,
        manualTrigger(w, SHORT_SKU),
        policyWith({ ...NO_APPROVAL, followUp: { statusEveryDays: 30, restockCheckEveryHours: 6 }, slaDays: 60 }),
      );
      const state = await waitForState(handle, 'following-up');
      const po = (await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.status === 'open')!;
      expect(state.impact!.inboundEtas![po.poId]).toBe(po.eta);
      const moved = await dateAhead(w.env, 60);
      await w.deps.inventory.updateInboundEta({ idempotencyKey: 'buyer-moved-it', poId: po.poId, eta: moved });

      await w.env.sleep('7 hours');
      const told = await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'eta-change') && s.pendingEvents === 0);
      const waiting = new Set((await openBackorders(w, state.incidentId)).map((b) => b.customerId));
      expect(told.deliveries.filter((d) => d.kind === 'eta-change').map((d) => d.sent)).toEqual([waiting.size]);
      expect(told.timeline.some((t) => t.event === 'ETA changed' && t.detail === `${po.poId} → ${moved}`)).toBe(true);

      // A change made here moves the PO in the inventory system; the next check does not tell it twice.
      const called = await dateAhead(w.env, 75);
      await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: called, reason: 'supplier call' }] });
      await waitForState(handle, 'following-up', (s) => s.etaRevision === 2 && s.pendingEvents === 0);
      // The same date again (a retried request) tells nobody twice.
      expect(await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: called }] })).toMatch(new RegExp(`already ${called}`));
      await w.env.sleep('13 hours');
      const later = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      expect(later.deliveries.filter((d) => d.kind === 'eta-change')).toHaveLength(2);
      expect(later.etaRevision).toBe(2);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      expect((await handle.result()).outcome).toBe('cancelled');
      await keep(handle, 'eta-seen-in-inventory');
    });
    await expectBooksBalanced(w);
  });

  it('cancellation compensates: transfers not shipped are cancelled, reservations released, told customers informed', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(ALWAYS_APPROVE));
      const waiting = await waitForState(handle, 'awaiting-approval');
      expect(waiting.pooling!.transfers.every((t) => t.status === 'created')).toBe(true);
      await handle.signal(cancelSignal, { reason: 'supplier found stock', cancelledBy: 'carla' });
      const report = await handle.result();
      expect(report.outcome).toBe('cancelled');
      const transfers = await w.deps.inventory.listTransfers({ incidentId: waiting.incidentId });
      expect(transfers.length).toBeGreaterThan(0);
      expect(transfers.every((t) => t.status === 'cancelled')).toBe(true);
      // Nobody was told anything before the cancellation, so nobody is told it is over.
      expect(w.sink.messages()).toHaveLength(0);
      await keep(handle, 'cancel-before-commit');
    });
    await expectBooksBalanced(w);

    const w2 = await worlds.open();
    const orderBook = async () => (await w2.deps.inventory.listDemandLines({ sku: SHORT_SKU, limit: 1000 })).lines;
    const before = await orderBook();
    await w2.worker.runUntil(async () => {
      const handle = await startIncident(w2, manualTrigger(w2, SHORT_SKU), policyWith(NO_APPROVAL));
      const state = await waitForState(handle, 'following-up');
      await handle.signal(cancelSignal, { reason: 'order book reset', cancelledBy: 'carla' });
      await handle.result();
      // The orders are as they were: backorders withdrawn, not cancelled for the customers; confirmations back.
      expect(await orderBook()).toEqual(before);
      const reservations = await w2.deps.inventory.listReservations({ incidentId: state.incidentId, status: 'active' });
      expect(reservations).toHaveLength(0);
      const open = (await w2.deps.inventory.listBackorders({ incidentId: state.incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      expect(open).toHaveLength(0);
      expect(emailsByKind(w2)['incident-cancelled']?.length).toBe(state.deliveries[0]!.sent + state.deliveries[0]!.digests);
    });
    await expectBooksBalanced(w2);
  });

  it('parks in "needs attention" when the inventory system rejects data, and resumes on a signal', async () => {
    const pooling = refusedUntilFixed('poolSpokeStock', 'transfer refused: spoke EU-S01 is blocked');
    const w = await worlds.open({ workerActivities: pooling.workerActivities });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention!.stage).toBe('pooling');
      expect(parked.attention!.reason).toMatch(/spoke EU-S01 is blocked/);
      pooling.fix();
      await handle.signal(resumeSignal, { resumedBy: 'dan', note: 'unblocked the spoke' });
      const resumed = await waitForState(handle, 'following-up');
      expect(resumed.attention).toBeNull();
      expect(resumed.timeline.some((t) => t.event === 'resumed')).toBe(true);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'dan' });
      await handle.result();
      await keep(handle, 'needs-attention');
    });
    await expectBooksBalanced(w);
  });

  it('parks instead of failing when an activity outside the main stages fails for good, and refuses follow-ups once the follow-up is over', async () => {
    let failEscalation = true;
    let failClosingNotice = true;
    const w = await worlds.open({
      workerActivities: activitiesWith({
        replace: (real) => ({
          async escalate(input) {
            if (failEscalation) throw ApplicationFailure.nonRetryable('planner mailbox refused', 'Rejected');
            return real.escalate(input);
          },
          async prepareNotices(input) {
            if (input.kind === 'incident-closed' && failClosingNotice) throw ApplicationFailure.nonRetryable('mail relay down', 'Rejected');
            return real.prepareNotices(input);
          },
        }),
      }),
    });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith({ approval: { severityThreshold: 'low', deadlineHours: 4, timeoutAction: 'escalate' } }));
      await waitForState(handle, 'awaiting-approval');
      await w.env.sleep('5 hours');
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'awaiting-approval', reason: expect.stringContaining('planner mailbox refused') });
      failEscalation = false;
      await handle.signal(resumeSignal, { resumedBy: 'kim' });
      await waitForState(handle, 'awaiting-approval', (st) => st.approval.status === 'escalated');
      await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: 0, decidedBy: 'kim', overrides: [] }] });
      await waitForState(handle, 'following-up');
      await restockEverything(handle, 'GR-all');

      const closing = await waitForState(handle, 'needs-attention');
      expect(closing.attention!.stage).toBe('closing');
      // The follow-up is over: a receipt now would be accepted and never booked, so it is refused.
      await expectUpdateRejected(handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-late', quantity: 5 }] }), /no more follow-ups/);
      failClosingNotice = false;
      await handle.signal(resumeSignal, { resumedBy: 'kim' });
      expect((await handle.result()).outcome).toBe('closed');
      expect((await w.deps.inventory.listReceipts({ sku: SHORT_SKU })).map((r) => r.receiptId)).not.toContain('GR-late');
      await keep(handle, 'parks-outside-stages');
    });
    await expectBooksBalanced(w);
  });

  it('counts a restock round only with the backorders it leaves: not while its notice is parked, still when cancelled there', async () => {
    let failShippedNotice = true;
    const w = await worlds.open({
      workerActivities: activitiesWith({
        replace: (real) => ({
          async prepareNotices(input) {
            if (input.kind === 'backorder-shipped' && failShippedNotice) throw ApplicationFailure.nonRetryable('mail relay down', 'Rejected');
            return real.prepareNotices(input);
          },
        }),
      }),
    });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const before = await waitForState(handle, 'following-up');
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-first', quantity: Math.floor(before.backorders!.openUnits / 3) }] });
      // Allocated, its customers not yet told: the round is still pending, not counted beside the figures from before it.
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'following-up', reason: expect.stringContaining('mail relay down') });
      expect(parked).toMatchObject({ restockRounds: 0, pendingEvents: 1, backorders: before.backorders });

      failShippedNotice = false;
      await handle.signal(resumeSignal, { resumedBy: 'kim' });
      const first = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0);
      expect(first.restockRounds).toBe(1);
      expect(first.deliveries.filter((d) => d.kind === 'backorder-shipped')).toHaveLength(1);
      expect(first.backorders!.openUnits).toBe((await openBackorders(w, first.incidentId)).reduce((sum, b) => sum + b.open, 0));
      expect(first.backorders!.openUnits).toBeLessThan(before.backorders!.openUnits);

      // A cancellation while the next round's notice is parked still counts that round: the report lists it.
      failShippedNotice = true;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-second', quantity: Math.floor(first.backorders!.openUnits / 3) }] });
      expect(await waitForState(handle, 'needs-attention')).toMatchObject({ restockRounds: 1, pendingEvents: 1 });
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'kim' });
      expect((await handle.result()).outcome).toBe('cancelled');
      expect((await w.store.get<CommittedReport>(first.incidentId, 'report'))!.restockRounds).toBe(2);
    });
    await expectBooksBalanced(w);
  });

  it('a second trigger for the same SKU and network attaches to the running incident', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const first = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(ALWAYS_APPROVE));
      await waitForState(first, 'awaiting-approval');
      const again = manualTrigger(w, SHORT_SKU, 'webhook: below critical level');
      const second = await startIncident(w, { ...again, source: 'webhook' }, policyWith(ALWAYS_APPROVE));
      expect(second.signaledRunId).toBe(first.signaledRunId);
      await second.signal(triggerSignal, { ...again, source: 'webhook' });
      const state: IncidentState = await waitForState(first, 'awaiting-approval', (s) => s.triggers.length === 2);
      expect(state.triggers.map((t) => t.source)).toEqual(['manual', 'webhook']);
      await first.signal(cancelSignal, { reason: 'test over', cancelledBy: 'erin' });
      await first.result();
      await keep(first, 'second-trigger');
    });
    await expectBooksBalanced(w);
  });

  it('sends no duplicate when a notice batch is retried, and a refused address is reported, not retried forever', async () => {
    let deferred = 0;
    let deferredAddress: string | undefined;
    let rejectedAddress: string | undefined;
    const w = await worlds.open({
      // The first customer address seen is busy once (451: the batch activity fails and Temporal retries it);
      // the second is refused for good (550).
      deferRecipients: (rcpt) => {
        if (rcpt.endsWith('@example.com') && rcpt.startsWith('planners')) return false;
        deferredAddress ??= rcpt;
        if (rcpt === deferredAddress && deferred === 0) {
          deferred += 1;
          return true;
        }
        return false;
      },
      rejectRecipients: (rcpt) => {
        if (rcpt === deferredAddress) return false;
        rejectedAddress ??= rcpt;
        return rcpt === rejectedAddress;
      },
    });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const state = await waitForState(handle, 'following-up');
      const first = state.deliveries.find((d) => d.kind === 'first-notice')!;
      expect(deferred).toBe(1);
      expect(first.rejected).toBe(1);
      const firstNotices = emailsByKind(w)['first-notice']!;
      // Every recipient exactly once, although the batch ran twice; the refused one never reached the sink.
      expect(new Set(firstNotices).size).toBe(firstNotices.length);
      expect(firstNotices).toContain(deferredAddress);
      expect(firstNotices).not.toContain(rejectedAddress);
      const log = await w.deps.crm.listCommunications({ incidentId: state.incidentId, limit: 1000 });
      const refused = log.communications.filter((c) => c.outcome === 'rejected');
      expect(refused).toHaveLength(1);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'gus' });
      await handle.result();
    });
  });

  it('a worker that dies halfway through a notice batch leaves no duplicate when the batch is redone', async () => {
    let crashes = 0;
    const w = await worlds.open({
      workerActivities: activitiesWith({
        replace: (real) => ({
          async deliverNoticeBatch(input) {
            if (activityInfo().attempt === 1 && input.batch === 0) {
              // Half the batch goes out, then the process "dies" before reporting back.
              await real.deliverNoticeBatch({ ...input, batchSize: Math.ceil(input.batchSize / 2) });
              crashes += 1;
              throw new Error('worker lost mid-batch');
            }
            return real.deliverNoticeBatch(input);
          },
        }),
      }),
    });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const state = await waitForState(handle, 'following-up');
      expect(crashes).toBe(1);
      const first = state.deliveries.find((d) => d.kind === 'first-notice')!;
      expect(first.skipped).toBeGreaterThan(0);
      const firstNotices = emailsByKind(w)['first-notice']!;
      expect(new Set(firstNotices).size).toBe(firstNotices.length);
      expect(firstNotices.length).toBe(first.sent + first.skipped + first.digests);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'hal' });
      await handle.result();
    });
  });

  it('continues as new during a long follow-up and keeps its state', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(
        w,
        manualTrigger(w, SHORT_SKU),
        policyWith({ ...NO_APPROVAL, followUp: { statusEveryDays: 1, restockCheckEveryHours: 24 }, slaDays: 60 }),
        150,
      );
      const first = await waitForState(handle, 'following-up');
      await w.env.sleep('6 days');
      const later = await waitForState(handle, 'following-up', (s) => s.timeline.some((t) => t.event === 'continued as new'));
      const description = await handle.describe();
      expect(description.runId.startsWith(first.incidentId.split(':').pop()!)).toBe(false);
      expect(later.incidentId).toBe(first.incidentId);
      expect(later.deliveries.filter((d) => d.kind === 'status-update').length).toBeGreaterThanOrEqual(4);
      // Status emails keep their revision numbers across runs: no customer got the same one twice.
      const statusIds = w.sink.messages().filter((m) => m.headers.some((h) => /status-update/.test(h.value))).map((m) => m.messageId);
      expect(new Set(statusIds).size).toBe(statusIds.length);
      await restockEverything(handle, 'GR-long');
      expect((await handle.result()).outcome).toBe('closed');
      // A run past its limit does not close itself: the closing notice (the last one prepared) starts within the limit of its run.
      const lastRun = (await handle.fetchHistory()).events ?? [];
      const closingNotice = lastRun.findLast((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === 'prepareNotices')!;
      expect(Number(closingNotice.eventId)).toBeLessThanOrEqual(150 + 5);
      await keep(handle, 'continued-as-new');
    });
    await expectBooksBalanced(w);
  });

  it('takes a customer answer for its own line only', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(NO_APPROVAL));
      const state = await waitForState(handle, 'following-up');
      const open = (await w.deps.inventory.listBackorders({ incidentId: state.incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const [mine, other] = [open[0]!, open.find((b) => b.customerId !== open[0]!.customerId)!];
      await handle.executeUpdate(customerAnswerUpdate, { args: [{ answer: 'cancel', answerId: 'a-1', customerId: other.customerId, lineId: mine.lineId }] });
      await handle.executeUpdate(customerAnswerUpdate, { args: [{ answer: 'cancel', answerId: 'a-2', customerId: mine.customerId, lineId: mine.lineId }] });
      const after = await waitForState(handle, 'following-up', (s) => s.answersApplied.length === 2 && s.pendingEvents === 0);
      expect(after.timeline.some((t) => t.detail?.startsWith('refused'))).toBe(true);
      const line = (await w.deps.inventory.listBackorders({ incidentId: state.incidentId, limit: 1000 })).backorders.find((b) => b.backorderId === mine.backorderId)!;
      expect(line.open).toBe(0);
      expect(line.cancelled).toBe(mine.open);
      await expectUpdateRejected(handle.executeUpdate(customerAnswerUpdate, { args: [{ answer: 'sell-me-more', answerId: 'a-3', customerId: 'x', lineId: 'y' } as never] }), /answer/);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'fay' });
      await handle.result();
    });
    await expectBooksBalanced(w);
  });
  it('refuses overrides that do not fit the incident with the reason, and keeps waiting for a decision', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(ALWAYS_APPROVE));
      const pending = await waitForState(handle, 'awaiting-approval');
      await expectUpdateRejected(
        handle.executeUpdate(decidePlanUpdate, {
          args: [{ decision: 'approve', planRevision: 0, decidedBy: 'ann', overrides: [{ lineId: 'NO-SUCH-LINE', allocate: 5 }], approveRevisedPlan: true }],
        }),
        /NO-SUCH-LINE/,
      );
      const still = await waitForState(handle, 'awaiting-approval');
      expect(still.approval.status).toBe('pending');
      expect(still.plan!.revision).toBe(0);
      expect(still.attention).toBeNull();
      expect(still.timeline.some((t) => t.event === 'overrides refused')).toBe(true);
      // A malformed cancel signal is dropped; the incident carries on and takes a good decision.
      await handle.signal(cancelSignal, { reason: '', cancelledBy: 'ann' });
      const approved = await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: 0, decidedBy: 'ann', overrides: [] }] });
      expect(approved.status).toBe('approved');
      await waitForState(handle, 'following-up');
      expect(await w.deps.inventory.listReservations({ incidentId: pending.incidentId, status: 'active' })).not.toEqual([]);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'ann' });
      expect((await handle.result()).outcome).toBe('cancelled');
      await keep(handle, 'overrides-refused');
    });
    await expectBooksBalanced(w);
  });

  it('a plan that cannot serve every must-win line waits for a person, whatever the severity, and is never auto-approved', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const everyLineMustWin = { confirmations: { rules: [], defaultStrategy: 'win' as const } };
      const handle = await startIncident(
        w,
        manualTrigger(w, SHORT_SKU),
        policyWith({ ...everyLineMustWin, approval: { severityThreshold: 'critical', deadlineHours: 4, timeoutAction: 'auto-approve' } }),
      );
      const pending = await waitForState(handle, 'awaiting-approval');
      expect(pending.severity).not.toBe('critical');
      expect(pending.approval).toMatchObject({ required: true, status: 'pending' });
      expect(pending.plan!.exceptionCount).toBeGreaterThan(0);
      expect(pending.plan!.exceptions.length).toBe(Math.min(20, pending.plan!.exceptionCount!));
      expect(pending.timeline.find((t) => t.event === 'approval requested')!.detail).toMatch(/must be served in full/);
      await w.env.sleep('5 hours');
      const escalated = await waitForState(handle, 'awaiting-approval', (s) => s.approval.status === 'escalated');
      expect(escalated.commit).toBeNull();
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'ivy' });
      expect((await handle.result()).outcome).toBe('cancelled');
      await keep(handle, 'win-exceptions');
    });
    await expectBooksBalanced(w);
  });

  it('never auto-approves a plan a person rejected: on the deadline it escalates instead', async () => {
    const w = await worlds.open();
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(AUTO_APPROVE));
      await waitForState(handle, 'awaiting-approval');
      await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'reject', planRevision: 0, decidedBy: 'bob', comment: 'cap too loose' }] });
      await w.env.sleep('5 hours');
      const escalated = await waitForState(handle, 'awaiting-approval', (s) => s.approval.status === 'escalated');
      expect(escalated.commit).toBeNull();
      expect(emailsByKind(w)['escalation']).toEqual(['planners@example.com']);
      expect(await w.deps.inventory.listReservations({ incidentId: escalated.incidentId })).toEqual([]);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'bob' });
      expect((await handle.result()).outcome).toBe('cancelled');
      await keep(handle, 'rejected-then-escalated');
    });
    await expectBooksBalanced(w);
  });

  it('follows up on its own: escalates past the SLA, takes a can-wait answer, and finds a receipt the inventory system booked', async () => {
    // The service books receipts on the time-skipping server's clock, as a real ERP books them on the real one.
    let skipped = 0;
    const w = await worlds.open({ clock: () => new Date(Date.now() + skipped) });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(
        w,
        manualTrigger(w, SHORT_SKU),
        policyWith({ ...NO_APPROVAL, followUp: { statusEveryDays: 30, restockCheckEveryHours: 12 }, slaDays: 2 }),
      );
      const state = await waitForState(handle, 'following-up');
      const [waiting] = await openBackorders(w, state.incidentId);
      await handle.executeUpdate(customerAnswerUpdate, {
        args: [{ answer: 'can-wait', answerId: 'wait-1', customerId: waiting!.customerId, lineId: waiting!.lineId, onHand: 500, dailyUsage: 10 }],
      });
      await waitForState(handle, 'following-up', (s) => s.answersApplied.includes('wait-1') && s.pendingEvents === 0);
      const [customer] = await w.deps.crm.getCustomers([waiting!.customerId]);
      expect(customer!.reportedStock).toEqual([expect.objectContaining({ sku: SHORT_SKU, quantity: 500, dailyUsage: 10 })]);

      await w.env.sleep('3 days');
      const breached = await waitForState(handle, 'following-up', (s) => s.escalatedAt !== null);
      expect(breached.timeline.some((t) => t.event === 'SLA breached')).toBe(true);
      expect(emailsByKind(w)['escalation']).toEqual(['planners@example.com']);
      expect(breached.restockRounds).toBe(0);

      skipped = (await w.env.currentTimeMs()) - Date.now();
      await w.deps.inventory.recordReceipt({
        idempotencyKey: 'erp-receipt-1',
        sku: SHORT_SKU,
        locationId: state.pooling!.hubId,
        quantity: breached.backorders!.openUnits,
      });
      await w.env.sleep('13 hours');
      expect((await handle.result()).outcome).toBe('closed');
      const closed = await handle.query(stateQuery);
      expect(closed.restockRounds).toBe(1);
      expect(closed.backorders!.openUnits).toBe(0);
      expect(closed.backorders!.fulfilledUnits).toBe(breached.backorders!.openUnits);
      await keep(handle, 'sla-answer-receipt-check');
    });
    await expectBooksBalanced(w);
  });
});
