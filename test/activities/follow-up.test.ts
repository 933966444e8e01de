// Follow-up activities against the reference service: a receipt reaches the backorders exactly once
// whatever retries and round numbers, only the incident's own network's receipts count, and a customer
// who accepts a substitute gets it in whole packs, credited to the line as substituted.
import { afterEach, describe, expect, it } from 'vitest';
import { UNAVAILABLE } from '../../src/http/errors';
import type { Backorder } from '../../src/inventory/contract';
import { parsePolicy } from '../../src/allocation/policy';
import { failureOf } from '../reference-service/fixture';
import { activityWorld, AS_OF, INCIDENT, POLICY, type ActivityWorld } from './fixture';

let world: ActivityWorld;
afterEach(async () => {
  await world.close();
});

const backorders = async () => (await world.inventory.listBackorders({ incidentId: INCIDENT, limit: 100 })).backorders;
const fulfilled = (list: Backorder[]) => list.reduce((sum, b) => sum + b.fulfilled, 0);
const expectBalanced = async () => expect(await world.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });

/** Assessed, planned on a pool of 30 and committed: L2 and L3 (which may ship partly here) keep open backorders. */
async function committedIncident() {
  world.service.db.prepare("UPDATE demand_lines SET partial_allowed = 1 WHERE line_id = 'L3'").run();
  await world.assess();
  await world.run('planAllocation', {
    incidentId: INCIDENT,
    sku: 'A',
    snapshotRef: 'snapshot',
    pool: 30,
    substitutes: [],
    policy: POLICY,
    overrides: [],
    asOf: AS_OF,
    revision: 0,
    planKey: 'plan/0',
  });
  await world.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy: POLICY, batch: 0, batchSize: 100, expectedDate: null });
  const open = (await backorders()).filter((b) => b.open > 0);
  expect(new Set(open.map((b) => b.lineId)).size).toBeGreaterThan(1);
}

const restock = (round: number) =>
  world.run('allocateRestock', { incidentId: INCIDENT, sku: 'A', restock: { receiptId: 'GR-1', quantity: 25 }, round, policy: POLICY, asOf: AS_OF, planRef: 'plan/0' });

describe('allocateRestock', () => {
  it('gives a receipt out once, even when the workflow runs it again under a new round number', async () => {
    world = await activityWorld();
    await committedIncident();
    const before = fulfilled(await backorders());
    const first = await restock(1);
    expect(first.fulfilledUnits).toBeGreaterThan(0);
    expect(first.fulfilledUnits).toBeLessThanOrEqual(25);
    const afterFirst = await backorders();
    expect(fulfilled(afterFirst) - before).toBe(first.fulfilledUnits);

    expect(await restock(2)).toEqual(first);
    expect(await backorders()).toEqual(afterFirst);
    expect(await world.inventory.listReceipts({ sku: 'A' })).toHaveLength(1);
    expect(await world.store.get(INCIDENT, 'rounds/2')).toBeNull(); // no twin round for the report to count twice
    await expectBalanced();
  });

  it('replays its stored plan when the fulfil reply was lost and the activity is retried', async () => {
    let loseNextReply = true;
    world = await activityWorld({
      inventory: (real, service) => ({
        ...real,
        async fulfilBackorders(request) {
          // The write is applied, its reply lost: the case a retry must not turn into a second allocation.
          if (loseNextReply) service.faults.set({ lostReplyRate: 1 });
          try {
            return await real.fulfilBackorders(request);
          } finally {
            service.faults.set({});
            loseNextReply = false;
          }
        },
      }),
    });
    await committedIncident();
    const before = fulfilled(await backorders());
    const lost = await failureOf(restock(1));
    expect(lost).toMatchObject({ type: UNAVAILABLE, nonRetryable: false });
    const retried = await restock(1);
    expect(fulfilled(await backorders()) - before).toBe(retried.fulfilledUnits);
    expect(retried.fulfilledUnits).toBeLessThanOrEqual(25);
    await expectBalanced();
  });
});

describe('findNewReceipts', () => {
  it('lists only receipts at the incident’s own network', async () => {
    world = await activityWorld();
    const since = new Date(Date.now() - 60_000).toISOString();
    const here = await world.inventory.recordReceipt({ idempotencyKey: 'rc-n', sku: 'A', locationId: 'N-S1', quantity: 12 });
    await world.inventory.recordReceipt({ idempotencyKey: 'rc-m', sku: 'A', locationId: 'M-HUB', quantity: 30 });
    expect(await world.run('findNewReceipts', { sku: 'A', since, network: 'N' })).toEqual([
      { receiptId: here.receiptId, quantity: 12, locationId: 'N-S1', recorded: true },
    ]);
  });
});

describe('applyCustomerAnswer: accept-substitute', () => {
  const accept = (answerId: string) =>
    world.run('applyCustomerAnswer', { incidentId: INCIDENT, sku: 'A', answer: { answer: 'accept-substitute', answerId, customerId: 'C1', lineId: 'L2' } });
  const backorderL2 = (quantity: number) =>
    world.inventory.createBackorders({ items: [{ idempotencyKey: 'bo-L2', incidentId: INCIDENT, lineId: 'L2', customerId: 'C1', sku: 'A', quantity }] });

  it('ships the substitute in whole packs and counts the backordered units substituted', async () => {
    world = await activityWorld();
    world.service.db.prepare("UPDATE items SET pack_size = 6 WHERE sku = 'B'").run();
    await world.assess();
    await backorderL2(7);
    // 7 units of A take 14 of B (two for one); B ships in packs of 6, so 18.
    expect(await accept('ans-1')).toBe('substituted 7 units of line L2 with 18 × B');
    expect(await backorders()).toEqual([expect.objectContaining({ lineId: 'L2', fulfilled: 7, cancelled: 0, open: 0 })]);
    expect((await world.inventory.listReservations({ lineId: 'L2' })).map((r) => [r.sku, r.quantity, r.status])).toEqual([['B', 18, 'active']]);
    expect(world.service.db.prepare("SELECT substituted_quantity AS n FROM demand_lines WHERE line_id = 'L2'").get()).toEqual({ n: 7 });
    expect(await accept('ans-1')).toBe('nothing to substitute: line L2 has no open backorder');
    await expectBalanced();
  });

  it('refuses on a line that does not allow substitutes, and changes nothing', async () => {
    world = await activityWorld();
    world.service.db.prepare("UPDATE demand_lines SET substitutes_allowed = 0 WHERE line_id = 'L2'").run();
    await world.assess();
    await backorderL2(7);
    expect(await accept('ans-1')).toBe('refused: line L2 does not allow substitutes');
    expect(await backorders()).toEqual([expect.objectContaining({ lineId: 'L2', open: 7 })]);
    await expectBalanced();
  });
});

describe('ETA changes', () => {
  it('a slip back to the earlier date is a change of its own, and a retry reports the ETA from before its write', async () => {
    world = await activityWorld();
    await committedIncident();
    const eta = (date: string, revision: number) =>
      world.run('applyEtaChange', { incidentId: INCIDENT, sku: 'A', change: { poId: 'PO-1', eta: date }, revision });
    const poEta = async () => (await world.inventory.listInbound('A')).find((p) => p.poId === 'PO-1')!.eta;

    expect(await eta('2026-12-20', 1)).toMatchObject({ previousEta: '2026-12-08' });
    expect(await poEta()).toBe('2026-12-20');
    // The same revision again (a retry after the write went through) says what the customers were told before.
    expect(await eta('2026-12-20', 1)).toMatchObject({ previousEta: '2026-12-08' });
    // The supplier makes the first date after all: the PO moves back, not swallowed as a replay.
    expect(await eta('2026-12-08', 2)).toMatchObject({ previousEta: '2026-12-20' });
    expect(await poEta()).toBe('2026-12-08');
    await expectBalanced();
  });
});

describe('compensateCancellation', () => {
  it('leaves the orders as they were before the incident: backorders withdrawn, not cancelled, and taken-back confirmations restored', async () => {
    world = await activityWorld();
    const lines = async () => (await world.inventory.listDemandLines({ sku: 'A', limit: 100 })).lines;
    const before = await lines();
    expect(before.find((l) => l.lineId === 'L1')!.reservedQuantity).toBe(10);
    // Every confirmation goes back to the pool: L1's 10 units are released and shared out again.
    const policy = parsePolicy({ confirmations: { rules: [], defaultStrategy: 'lose' } });
    await world.assess();
    const plan = await world.run('planAllocation', {
      incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 30, substitutes: [], policy, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
    });
    expect(plan.totals.backordered).toBeGreaterThan(0);
    await world.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy, batch: 0, batchSize: 100, expectedDate: null });
    const confirmation = (await world.inventory.listReservations({ lineId: 'L1' })).find((r) => r.incidentId === null)!;
    expect(confirmation.status).toBe('released');

    const undone = await world.run('compensateCancellation', { incidentId: INCIDENT, transfers: [], planRef: 'plan/0' });
    expect(undone).toMatchObject({ confirmationsRestored: 1, confirmationUnitsShort: 0 });
    // Every line asks for what it asked before, nothing counts as cancelled by a customer, L1 is confirmed again.
    expect(await lines()).toEqual(before);
    const active = (await world.inventory.listReservations({ lineId: 'L1', status: 'active' }));
    expect(active).toEqual([expect.objectContaining({ incidentId: null, quantity: 10 })]);
    expect((await backorders()).every((b) => b.open === 0)).toBe(true);
    // Run again (a retried activity): nothing changes.
    await world.run('compensateCancellation', { incidentId: INCIDENT, transfers: [], planRef: 'plan/0' });
    expect(await lines()).toEqual(before);
    expect(await world.inventory.listReservations({ lineId: 'L1', status: 'active' })).toHaveLength(1);
    await expectBalanced();
  });
});
