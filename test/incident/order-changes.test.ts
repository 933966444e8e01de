// Orders placed, changed or cancelled while an incident runs, on the time-skipping server against the reference
// inventory/CRM service over HTTP and a real SMTP sink: the periodic check and the order-event webhook each
// lead to one order round, whose lines are reserved or backordered once and whose customers hear once; a line a
// customer cancels gives its units back, and the next round gives them to another customer. Books balance.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { createOrderEntryClient } from '../../src/inventory/http-client';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import type { AllocationPlan } from '../../src/allocation/types';
import type { IncidentSnapshot } from '../../activities/shared';
import type { CommittedReport } from '../../src/report/incident-report';
import { cancelSignal, decidePlanUpdate, recordRestockUpdate } from '../../workflows/definitions';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { recordHistory } from '../harness/replay';
import { SHORT_SKU, emailsByKind, expectBooksBalanced, freeAtHub, manualTrigger, policyWith, startIncident, waitForState, type World } from './world';

const worlds = timeSkippingWorlds();

const FOLLOW_UP = { approval: { severityThreshold: 'critical' as const }, followUp: { statusEveryDays: 30, restockCheckEveryHours: 6 }, slaDays: 60 };

/** A fresh world, its order entry and the operations that carry order events to the incident. */
async function openOrdersWorld() {
  const w = await worlds.open();
  const operations = createIncidentOperations({ client: w.client, policy: DEFAULT_POLICY, taskQueue: w.taskQueue, store: w.store });
  return { w, orders: orderEntry(w), operations };
}

function orderEntry(w: World) {
  const orders = createOrderEntryClient({ baseUrl: w.service.inventoryUrl, timeoutMs: 5_000 });
  return {
    place: (lineId: string, customerId: string, locationId: string, quantity: number) =>
      orders.createDemandLine({
        idempotencyKey: `place-${lineId}`,
        lineId,
        orderId: `SO-${lineId}`,
        customerId,
        sku: SHORT_SKU,
        locationId,
        quantity,
        requestedDate: '2030-01-15',
        unitPrice: 10,
        packSize: 1,
      }),
    cancel: (lineId: string) => orders.cancelDemandLine({ idempotencyKey: `cancel-${lineId}`, lineId }),
    lower: (lineId: string, quantity: number) => orders.changeDemandLineQuantity({ idempotencyKey: `lower-${lineId}-${quantity}`, lineId, quantity }),
  };
}

/** An incident of the short SKU started with follow-up, once it follows up; its lines ship from `hubId`. */
async function followingUpIncident(w: World) {
  const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(FOLLOW_UP));
  const state = await waitForState(handle, 'following-up');
  return { handle, incidentId: state.incidentId, hubId: state.pooling!.hubId };
}

/** Customers of the data set with open lines of the SKU, in id order. */
async function customersOfSku(w: World): Promise<string[]> {
  return [...new Set((await w.deps.inventory.listDemandLines({ sku: SHORT_SKU, limit: 1000 })).lines.map((l) => l.customerId))].sort();
}

/** Customers of the SKU's lines in the data set: one with the critical flag, and one of the lowest relationship stage without it. */
async function criticalAndLowest(w: World): Promise<{ critical: string; lowest: string }> {
  const customers = await w.deps.crm.getCustomers(await customersOfSku(w));
  const rank = (stage: string) => DEFAULT_POLICY.stages.findIndex((s) => s.name === stage);
  const critical = customers.find((c) => c.critical)!;
  const lowest = customers.filter((c) => !c.critical).sort((a, b) => rank(a.stage) - rank(b.stage) || (a.customerId < b.customerId ? -1 : 1))[0]!;
  return { critical: critical.customerId, lowest: lowest.customerId };
}

/** What the inventory system holds for a line in the incident: active reservations of the SKU and open backordered units. */
async function committed(w: World, incidentId: string, lineId: string) {
  const reserved = (await w.deps.inventory.listReservations({ lineId, status: 'active' }))
    .filter((r) => r.incidentId === incidentId && r.sku === SHORT_SKU)
    .reduce((sum, r) => sum + r.quantity, 0);
  const backordered = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders
    .filter((b) => b.lineId === lineId)
    .reduce((sum, b) => sum + b.open, 0);
  return { reserved, backordered };
}

/** The emails of each recipient, counted, for one notice kind. */
function recipients(w: World, kind: string): Record<string, number> {
  const counted: Record<string, number> = {};
  for (const to of emailsByKind(w)[kind] ?? []) counted[to] = (counted[to] ?? 0) + 1;
  return counted;
}

describe('orders during an incident', () => {
  it('plans lines placed during follow-up, seen by the periodic check and by the webhook, and tells each customer once', async () => {
    const { w, orders, operations } = await openOrdersWorld();
    await w.worker.runUntil(async () => {
      const { handle, incidentId, hubId } = await followingUpIncident(w);
      const [first, second, third] = (await customersOfSku(w)) as [string, string, string];

      // Two lines of one customer and one of another, placed after the snapshot: the periodic check finds them.
      await orders.place(`NEW-${w.network}-1`, first, hubId, 7);
      await orders.place(`NEW-${w.network}-2`, first, hubId, 4);
      await orders.place(`NEW-${w.network}-3`, second, hubId, 5);
      await w.env.sleep('7 hours');
      const afterCheck = await waitForState(handle, 'following-up', (s) => s.orderRounds === 1 && s.pendingEvents === 0);
      for (const [n, quantity] of [
        [1, 7],
        [2, 4],
        [3, 5],
      ] as const) {
        const line = await committed(w, incidentId, `NEW-${w.network}-${n}`);
        expect(line.reserved + line.backordered, `line ${n}`).toBe(quantity);
      }
      const newOrders = afterCheck.deliveries.filter((d) => d.kind === 'new-orders');
      expect(newOrders.map((d) => [d.revision, d.sent])).toEqual([[1, 2]]);
      expect(newOrders[0]!.digests).toBeGreaterThan(0);
      expect(afterCheck.timeline.some((t) => t.event === 'order changes planned' && t.detail?.startsWith('3 lines placed'))).toBe(true);

      // The webhook: the running incident reads the change at once, without waiting for its next check.
      await orders.place(`NEW-${w.network}-4`, third, hubId, 6);
      expect(await operations.orderEvent({ eventId: 'ord-1', sku: SHORT_SKU, network: w.network, lineId: `NEW-${w.network}-4`, change: 'created' })).toEqual({
        workflowId: handle.workflowId,
        signalled: true,
      });
      const afterEvent = await waitForState(handle, 'following-up', (s) => s.orderRounds === 2 && s.pendingEvents === 0);
      const fourth = await committed(w, incidentId, `NEW-${w.network}-4`);
      expect(fourth.reserved + fourth.backordered).toBe(6);
      expect(afterEvent.deliveries.filter((d) => d.kind === 'new-orders').map((d) => [d.revision, d.sent])).toEqual([
        [1, 2],
        [2, 1],
      ]);
      // Another SKU's event, or one for a SKU without an incident, starts nothing.
      expect(await operations.orderEvent({ eventId: 'ord-2', sku: 'SKU-0001', network: w.network })).toEqual({
        workflowId: `stockout:${w.network}:SKU-0001`,
        signalled: false,
      });

      // Nothing new at the next check: no round, no email.
      await w.env.sleep('7 hours');
      const quiet = await waitForState(handle, 'following-up', (s) => s.pendingEvents === 0 && s.timeline.filter((t) => t.event === 'order changes planned').length === 2);
      expect(quiet.orderRounds).toBe(2);
      // Each customer heard once about its new lines: the first customer's two lines in one email.
      const told = recipients(w, 'new-orders');
      expect(Object.values(told).every((n) => n === 1)).toBe(true);
      await expectBooksBalanced(w);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      expect((await handle.result()).outcome).toBe('cancelled');
      if (process.env.RECORD_HISTORIES === '1') await recordHistory(handle, 'incident-order-changes');
    });
    await expectBooksBalanced(w);
  });

  it("gives a cancelled line's units back, and the next round gives them to another customer", async () => {
    const { w, orders, operations } = await openOrdersWorld();
    await w.worker.runUntil(async () => {
      const { handle, incidentId, hubId } = await followingUpIncident(w);
      // A line the plan served from the pool: its customer cancels it in the order system.
      const served = (await w.deps.inventory.listReservations({ incidentId, status: 'active' })).find((r) => r.sku === SHORT_SKU && r.locationId === hubId)!;
      const cancelling = (await w.deps.inventory.listDemandLines({ sku: SHORT_SKU, limit: 1000 })).lines.find((l) => l.lineId === served.lineId)!.customerId;
      const before = await freeAtHub(w, hubId);
      await orders.cancel(served.lineId);
      const freed = (await freeAtHub(w, hubId)) - before;
      expect(freed).toBeGreaterThanOrEqual(served.quantity);
      expect(await committed(w, incidentId, served.lineId)).toEqual({ reserved: 0, backordered: 0 });

      // Another customer orders; the round that sees both changes shares the freed units between its line and the
      // open backorders by priority: every freed unit is taken, and the new line is committed whole.
      const other = (await customersOfSku(w)).find((c) => c !== cancelling);
      const lineId = `NEW-${w.network}-1`;
      const openBefore = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      await orders.place(lineId, other!, hubId, freed);
      await operations.orderEvent({ eventId: 'ord-1', sku: SHORT_SKU, network: w.network, lineId, change: 'created' });
      const after = await waitForState(handle, 'following-up', (s) => s.orderRounds === 1 && s.pendingEvents === 0);
      const line = await committed(w, incidentId, lineId);
      const byId = new Map((await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.map((b) => [b.backorderId, b]));
      const shipped = openBefore.reduce((sum, b) => sum + b.open - byId.get(b.backorderId)!.open, 0);
      expect(line.reserved + line.backordered).toBe(freed);
      expect(line.reserved + shipped).toBe(before + freed - (await freeAtHub(w, hubId)));
      expect(line.reserved + shipped).toBeGreaterThanOrEqual(freed);
      expect(after.timeline.some((t) => t.event === 'order changes planned' && t.detail?.startsWith('1 lines placed, 0 raised, 1 lowered or cancelled'))).toBe(
        true,
      );
      expect(recipients(w, 'new-orders')).toHaveProperty([(await w.deps.crm.getCustomers([other!]))[0]!.contacts[0]!.email], 1);
      await expectBooksBalanced(w);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      await handle.result();
    });
    await expectBooksBalanced(w);
  });

  it("ships a cancelled line's freed units to the open backorders at the round that sees it, with no new line, and tells their customers once", async () => {
    const { w, orders, operations } = await openOrdersWorld();
    await w.worker.runUntil(async () => {
      const { handle, incidentId, hubId } = await followingUpIncident(w);
      const served = (await w.deps.inventory.listReservations({ incidentId, status: 'active' })).find((r) => r.sku === SHORT_SKU && r.locationId === hubId)!;
      const openBefore = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      expect(openBefore.length, 'the plan left backorders open').toBeGreaterThan(0);
      await orders.cancel(served.lineId);
      const freed = await freeAtHub(w, hubId);
      expect(freed).toBeGreaterThanOrEqual(served.quantity);

      await operations.orderEvent({ eventId: 'ord-1', sku: SHORT_SKU, network: w.network, lineId: served.lineId, change: 'cancelled' });
      const after = await waitForState(handle, 'following-up', (s) => s.orderRounds === 1 && s.pendingEvents === 0);
      // The freed units went to the open backorders: what left free stock is exactly what they shipped.
      const byId = new Map((await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.map((b) => [b.backorderId, b]));
      const shipped = openBefore.reduce((sum, b) => sum + b.open - byId.get(b.backorderId)!.open, 0);
      expect(shipped).toBeGreaterThan(0);
      expect(shipped).toBe(freed - (await freeAtHub(w, hubId)));
      expect(after.timeline.find((t) => t.event === 'order changes planned')?.detail).toBe(
        `0 lines placed, 0 raised, 1 lowered or cancelled: 0 units reserved, 0 backordered, ${shipped} backordered units shipped from free stock`,
      );
      // Their customers hear it by the backorder-shipped notice, once each; nobody placed a line, so no new-orders notice.
      const shippedTo = new Set(openBefore.filter((b) => byId.get(b.backorderId)!.open < b.open).map((b) => b.customerId));
      const delivered = after.deliveries.filter((d) => d.kind === 'backorder-shipped');
      expect(delivered.map((d) => d.sent)).toEqual([shippedTo.size]);
      expect(Object.values(recipients(w, 'backorder-shipped')).every((n) => n === 1)).toBe(true);
      expect(after.deliveries.some((d) => d.kind === 'new-orders')).toBe(false);
      await expectBooksBalanced(w);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      await handle.result();
      const report = (await w.store.get<CommittedReport>(incidentId, 'report'))!;
      expect(report.orderRounds![0]).toMatchObject({ placed: 0, raised: 0, lowered: 1, reservedUnits: 0, backorderedUnits: 0, shippedUnits: shipped });
      // Shipped from free stock is served later, as a restock round's units are: not taken for a substitute.
      expect(report.overall.servedLater).toBe(shipped);
      expect(report.overall.substitutedLater).toBe(0);
    });
    await expectBooksBalanced(w);
  });

  it("shares a cancelled line's freed units beside a receipt at a spoke when a restock round comes first", async () => {
    const { w, orders } = await openOrdersWorld();
    await w.worker.runUntil(async () => {
      const { handle, incidentId, hubId } = await followingUpIncident(w);
      const served = (await w.deps.inventory.listReservations({ incidentId, status: 'active' })).find((r) => r.sku === SHORT_SKU && r.locationId === hubId)!;
      const openBefore = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const openUnits = openBefore.reduce((sum, b) => sum + b.open, 0);
      await orders.cancel(served.lineId);
      const freed = await freeAtHub(w, hubId);
      expect(openUnits, 'more open than the receipt and the freed units together').toBeGreaterThan(freed + 1);

      // One unit received at a spoke before any order round looked at the cancellation: the round shares it and the freed hub stock.
      const spoke = (await w.deps.inventory.listLocations()).find((l) => l.network === w.network && l.locationId !== hubId)!;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-spoke', quantity: 1, locationId: spoke.locationId }] });
      const after = await waitForState(handle, 'following-up', (s) => s.restockRounds === 1 && s.pendingEvents === 0);
      const byId = new Map((await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.map((b) => [b.backorderId, b]));
      const shipped = openBefore.reduce((sum, b) => sum + b.open - byId.get(b.backorderId)!.open, 0);
      const fromHub = freed - (await freeAtHub(w, hubId));
      expect(fromHub).toBeGreaterThan(0);
      expect(shipped).toBe(1 + fromHub);
      const shippedTo = new Set(openBefore.filter((b) => byId.get(b.backorderId)!.open < b.open).map((b) => b.customerId));
      expect(after.deliveries.filter((d) => d.kind === 'backorder-shipped').map((d) => d.sent)).toEqual([shippedTo.size]);
      await expectBooksBalanced(w);

      // The next check's order round finds the freed units taken: it ships nothing and nobody hears twice.
      await w.env.sleep('7 hours');
      const later = await waitForState(handle, 'following-up', (s) => s.orderRounds === 1 && s.pendingEvents === 0);
      expect(later.deliveries.filter((d) => d.kind === 'backorder-shipped')).toHaveLength(1);
      expect(Object.values(recipients(w, 'backorder-shipped')).every((n) => n === 1)).toBe(true);
      await expectBooksBalanced(w);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      await handle.result();
    });
    await expectBooksBalanced(w);
  });

  it('shares a restock between the old backorders and the new lines by priority', async () => {
    const { w, orders, operations } = await openOrdersWorld();
    await w.worker.runUntil(async () => {
      const { handle, incidentId, hubId } = await followingUpIncident(w);
      const { critical, lowest } = await criticalAndLowest(w);
      // Placed after the plan took the pool (pack sizes may leave it a few units): both lines wait on backorders
      // beside the plan's.
      const [urgent, late] = [`NEW-${w.network}-critical`, `NEW-${w.network}-lowest`];
      const free = await freeAtHub(w, hubId);
      await orders.place(urgent, critical, hubId, free + 5);
      await orders.place(late, lowest, hubId, 40);
      await operations.orderEvent({ eventId: 'ord-1', sku: SHORT_SKU, network: w.network, change: 'created' });
      const planned = await waitForState(handle, 'following-up', (s) => s.orderRounds === 1 && s.pendingEvents === 0);
      const lateBefore = await committed(w, incidentId, late);
      expect(await committed(w, incidentId, urgent)).toEqual({ reserved: free, backordered: 5 });
      expect(lateBefore).toEqual({ reserved: 0, backordered: 40 });
      await expectBooksBalanced(w);

      // A receipt smaller than what the other customers' first packs would take: the critical class comes first,
      // whether its backorder is the plan's or a new line's; the new line of the lowest stage waits behind them.
      const open = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const criticalIds = new Set((await w.deps.crm.getCustomers([...new Set(open.map((b) => b.customerId))])).filter((c) => c.critical).map((c) => c.customerId));
      const criticalOpen = open.filter((b) => criticalIds.has(b.customerId)).reduce((sum, b) => sum + b.open, 0);
      const others = new Set(open.filter((b) => !criticalIds.has(b.customerId)).map((b) => b.customerId));
      expect(others.size, 'enough other customers that their first packs exceed the receipt').toBeGreaterThan(criticalOpen);
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-critical', quantity: criticalOpen }] });
      const first = await waitForState(handle, 'following-up', (s) => s.restockRounds === 1 && s.pendingEvents === 0);
      expect(await committed(w, incidentId, urgent)).toEqual({ reserved: free + 5, backordered: 0 });
      expect(await committed(w, incidentId, late)).toEqual(lateBefore);
      const shipped = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders;
      expect(shipped.filter((b) => criticalIds.has(b.customerId)).every((b) => b.open === 0)).toBe(true);
      expect(planned.backorders!.openUnits - first.backorders!.openUnits).toBe(criticalOpen);
      await expectBooksBalanced(w);

      // A second receipt for a third of what is open: the new line of the lowest stage is served no better than
      // the plan's backorders of the highest stage waiting.
      const before = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-third', quantity: Math.floor(first.backorders!.openUnits / 3) }] });
      await waitForState(handle, 'following-up', (s) => s.restockRounds === 2 && s.pendingEvents === 0);
      const after = new Map((await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.map((b) => [b.backorderId, b]));
      const stageOf = new Map((await w.deps.crm.getCustomers([...new Set(before.map((b) => b.customerId))])).map((c) => [c.customerId, c.stage]));
      const top = DEFAULT_POLICY.stages.map((s) => s.name).filter((stage) => before.some((b) => stageOf.get(b.customerId) === stage)).at(-1)!;
      const fill = (backorders: typeof before) => {
        const open = backorders.reduce((sum, b) => sum + b.open, 0);
        return backorders.reduce((sum, b) => sum + b.open - after.get(b.backorderId)!.open, 0) / open;
      };
      const lateFill = fill(before.filter((b) => b.lineId === late));
      const topFill = fill(before.filter((b) => stageOf.get(b.customerId) === top && !criticalIds.has(b.customerId)));
      expect(topFill).toBeGreaterThan(0);
      expect(lateFill).toBeLessThanOrEqual(topFill);
      // The round shared the receipt between the plan's backorders and the new lines.
      const round = (await w.store.get<{ allocation: { lineId: string }[] }>(incidentId, 'rounds/2'))!;
      expect(round.allocation.some((l) => !l.lineId.startsWith('NEW-'))).toBe(true);
      await expectBooksBalanced(w);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      await handle.result();
      // The report shows the order round: what it saw and what it committed.
      const report = (await w.store.get<CommittedReport>(incidentId, 'report'))!;
      expect(report.orderRounds).toEqual([{ at: expect.any(String), placed: 2, raised: 0, lowered: 0, reservedUnits: free, backorderedUnits: 45, shippedUnits: 0 }]);
    });
    await expectBooksBalanced(w);
  });

  it('commits a line lowered or cancelled before the commit for what it still orders, and plans a line placed meanwhile at the first round after it', async () => {
    const w = await worlds.open();
    const orders = orderEntry(w);
    await w.worker.runUntil(async () => {
      const approval = { severityThreshold: 'low' as const, deadlineHours: 24, timeoutAction: 'escalate' as const };
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith({ ...FOLLOW_UP, approval }));
      const waiting = await waitForState(handle, 'awaiting-approval');
      const { incidentId } = waiting;
      const approvedRef = waiting.plan!.planRef;
      const approved = (await w.store.get<AllocationPlan>(incidentId, approvedRef))!;
      const snapshot = (await w.store.get<IncidentSnapshot>(incidentId, 'snapshot'))!;
      const unconfirmed = new Set(snapshot.lines.filter((l) => l.confirmedQuantity === 0).map((l) => l.lineId));
      const plain = approved.lines.filter((l) => unconfirmed.has(l.lineId) && l.substituted === 0);
      // While the plan waits for a person, one customer orders less on a line the plan serves, another cancels a
      // backordered line, and a third orders more.
      const lowered = plain.find((l) => l.allocated >= 2)!;
      const cancelled = plain.find((l) => l.backordered > 0 && l.customerId !== lowered.customerId)!;
      await orders.lower(lowered.lineId, 1);
      await orders.cancel(cancelled.lineId);
      const other = (await customersOfSku(w)).find((c) => c !== lowered.customerId && c !== cancelled.customerId)!;
      const placed = `NEW-${w.network}-before-commit`;
      await orders.place(placed, other, waiting.pooling!.hubId, 4);

      await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: 0, decidedBy: 'ann', overrides: [] }] });
      const after = await waitForState(handle, 'following-up', (s) => s.orderRounds === 1 && s.pendingEvents === 0);
      // The commit did not park on the lowered line: it took what the lines still order.
      expect(after.timeline.some((t) => t.event === 'needs attention')).toBe(false);
      expect(await committed(w, incidentId, lowered.lineId)).toEqual({ reserved: 1, backordered: 0 });
      expect(await committed(w, incidentId, cancelled.lineId)).toEqual({ reserved: 0, backordered: 0 });
      expect(after.timeline.find((t) => t.event === 'orders changed before commit')?.detail).toBe(
        `2 lines order less than planned: committed for what they still order (${lowered.requested - 1 + cancelled.requested} units fewer)`,
      );
      // The approved plan stays as approved; the plan as committed beside it holds the lines as they stand.
      expect(after.plan!.planRef).not.toBe(approvedRef);
      expect((await w.store.get<AllocationPlan>(incidentId, approvedRef))!.lines.find((l) => l.lineId === lowered.lineId)).toEqual(lowered);
      const atCommit = (await w.store.get<AllocationPlan>(incidentId, after.plan!.planRef))!;
      expect(atCommit.lines.find((l) => l.lineId === lowered.lineId)).toMatchObject({ requested: 1, allocated: 1, backordered: 0 });
      expect(atCommit.lines.find((l) => l.lineId === cancelled.lineId)).toMatchObject({ requested: 0, allocated: 0, backordered: 0 });
      // Its totals and stages are its lines' as they stand, and the incident shows them.
      const sums = (lines: AllocationPlan['lines']) => ({
        lines: lines.length,
        requested: lines.reduce((t, l) => t + l.requested, 0),
        allocated: lines.reduce((t, l) => t + l.allocated, 0),
        substituted: lines.reduce((t, l) => t + l.substituted, 0),
        backordered: lines.reduce((t, l) => t + l.backordered, 0),
      });
      expect(atCommit.totals).toMatchObject(sums(atCommit.lines));
      expect(atCommit.totals.requested).toBe(approved.totals.requested - (lowered.requested - 1) - cancelled.requested);
      for (const stage of atCommit.byStage) expect(stage, stage.stage).toMatchObject(sums(atCommit.lines.filter((l) => l.stage === stage.stage)));
      expect(after.plan!.totals).toEqual(atCommit.totals);
      expect(after.plan!.byStage).toEqual(atCommit.byStage);
      // The line placed before the commit is planned by the round the commit queued, and its customer told once.
      const line = await committed(w, incidentId, placed);
      expect(line.reserved + line.backordered).toBe(4);
      expect(after.timeline.some((t) => t.event === 'order changes planned' && t.detail?.startsWith('1 lines placed, 0 raised, 2 lowered or cancelled'))).toBe(true);
      expect(recipients(w, 'new-orders')).toHaveProperty([(await w.deps.crm.getCustomers([other]))[0]!.contacts[0]!.email], 1);
      await expectBooksBalanced(w);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      await handle.result();
      if (process.env.RECORD_HISTORIES === '1') await recordHistory(handle, 'incident-orders-at-commit');
    });
    await expectBooksBalanced(w);
  });
});
