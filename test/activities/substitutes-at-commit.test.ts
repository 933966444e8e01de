// The commit's hold on the plan's substitutes against the reference service over HTTP: an all-or-nothing line the
// plan completed with a substitute whose stock is gone by the commit ships complete or not at all, so it gives back
// the units of the short SKU it held (its confirmation from before the incident included) instead of keeping part.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/allocation/policy';
import type { StoredPlan } from '../../src/incident/planning';
import type { ComposedNotices } from '../../src/notifications/notices';
import { activityWorld, AS_OF, INCIDENT, type ActivityWorld } from './fixture';

// Every confirmation is kept (`gain`): L1 keeps its 10 confirmed units at the hub and asks 20 more.
const POLICY = parsePolicy({ confirmations: { rules: [], defaultStrategy: 'gain' } });

let world: ActivityWorld;
beforeEach(async () => {
  // L1 (C1, 30 asked, 10 confirmed at the hub) ships complete or not at all and is the one line that takes substitutes.
  world = await activityWorld({
    dataset: (d) => {
      d.demandLines.find((l) => l.lineId === 'L1')!.partialAllowed = false;
      d.demandLines.find((l) => l.lineId === 'L2')!.substitutesAllowed = false;
    },
  });
  await world.assess();
});
afterEach(async () => {
  await world.close();
});

/** Someone else takes the substitute's stock at the hub: a transfer of all of it to the spoke. */
async function substituteGone(): Promise<void> {
  const hub = (await world.inventory.getStockPositions('B')).find((p) => p.locationId === 'N-HUB')!;
  const move = { idempotencyKey: 'B-away', incidentId: 'elsewhere', sku: 'B', fromLocationId: 'N-HUB', toLocationId: 'N-S1', quantity: hub.onHand - hub.reserved };
  const { transferId } = await world.inventory.createTransfer(move);
  await world.inventory.shipTransfer({ idempotencyKey: 'B-away-ship', transferId });
  await world.inventory.receiveTransfer({ idempotencyKey: 'B-away-receive', transferId });
}

/** The commit as the workflow runs it: substitutes held, then the releases and credits, then the batch. */
async function commit(): Promise<string> {
  const held = await world.run('holdSubstitutesAtCommit', { incidentId: INCIDENT, planRef: 'plan/0', ranking: { policy: POLICY, asOf: AS_OF, nextInboundEta: null } });
  await world.run('commitReleasesAndCredits', { incidentId: INCIDENT, planRef: held.planRef, policy: POLICY, confirmationsInBatches: true, batchSize: 100 });
  await world.run('commitPlanBatch', { incidentId: INCIDENT, planRef: held.planRef, policy: POLICY, batch: 0, batchSize: 100, expectedDate: null, releasesAndCreditsDone: true });
  return held.planRef;
}

describe('an all-or-nothing line whose substitute is gone at the commit', () => {
  it('gives back the units of the short SKU it held, and is backordered whole', async () => {
    const substitutes = await world.run('findSubstitutes', { incidentId: INCIDENT, sku: 'A', network: 'N' });
    await world.run('planAllocation', {
      incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 5, substitutes, policy: POLICY, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
    });
    const approved = (await world.store.get<StoredPlan>(INCIDENT, 'plan/0'))!;
    const planned = approved.lines.find((l) => l.lineId === 'L1')!;
    // The plan completes L1 with its kept confirmation and the substitute.
    expect(planned).toMatchObject({ allocated: 10, substituted: 20, backordered: 0, substitutes: [{ sku: 'B', covers: 20 }] });
    const freeBefore = (await world.inventory.getStockPositions('A')).find((p) => p.locationId === 'N-HUB')!;

    await substituteGone();
    const planRef = await commit();

    // Nothing is reserved for L1 any more, of the SKU or the substitute; its backorder is the whole line.
    expect(await world.inventory.listReservations({ lineId: 'L1', status: 'active' })).toEqual([]);
    const backorders = (await world.inventory.listBackorders({ incidentId: INCIDENT, limit: 100 })).backorders;
    expect(backorders.filter((b) => b.lineId === 'L1').map((b) => b.quantity)).toEqual([30]);
    // Its 10 units are back in the hub's pool, not held for a line that cannot ship.
    const hub = (await world.inventory.getStockPositions('A')).find((p) => p.locationId === 'N-HUB')!;
    const reservedForOthers = (await world.inventory.listReservations({ incidentId: INCIDENT, status: 'active' })).filter((r) => r.sku === 'A').reduce((sum, r) => sum + r.quantity, 0);
    expect(hub.reserved).toBe(freeBefore.reserved - 10 + reservedForOthers);
    expect(await world.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
    // The plan as committed says the same, and why.
    const asCommitted = (await world.store.get<StoredPlan>(INCIDENT, planRef))!;
    const l1 = asCommitted.lines.find((l) => l.lineId === 'L1')!;
    expect(l1).toMatchObject({ allocated: 0, substitutes: [], substituted: 0, backordered: 30, releasedConfirmation: 10 });
    expect(l1.reasons).toContain('all-or-nothing-skipped');
    expect(l1.reasons).not.toContain('fully-served');
    // Its 10 kept units count as released and left in the pool.
    expect([asCommitted.poolLeft, asCommitted.confirmedKept, asCommitted.confirmedReleased]).toEqual([approved.poolLeft + 10, approved.confirmedKept - 10, approved.confirmedReleased + 10]);
    expect(asCommitted.totals.backordered).toBe(approved.totals.backordered + 30);

    // The customer's notice says what the line really got: nothing now, all of it backordered.
    const { noticesRef } = await world.run('prepareNotices', {
      incidentId: INCIDENT, workflowId: 'stockout:N:A', sku: 'A', kind: 'first-notice', revision: 0, source: { planRef }, substitutes, expectedDate: null, policy: POLICY,
    });
    const { notices } = (await world.store.get<ComposedNotices>(INCIDENT, noticesRef))!;
    const told = notices.flatMap((n) => n.lines).find((l) => l.lineId === 'L1')!;
    expect(told).toMatchObject({ shipNow: 0, backordered: 30, reasons: expect.arrayContaining(['all-or-nothing-skipped']) });
    expect(told.substituted).toBeUndefined();
  });
});
