// The commit's hold on the plan's substitutes against the reference service over HTTP: an all-or-nothing line the
// plan completed with a substitute whose stock is gone by the commit keeps its units of the SKU (its confirmation),
// is backordered the rest, and says it was skipped, not served in full, to the planner and to the customer.
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
  it('keeps its confirmation as the engine would without the substitute, is backordered the rest, and no longer says it is served in full', async () => {
    const substitutes = await world.run('findSubstitutes', { incidentId: INCIDENT, sku: 'A', network: 'N' });
    await world.run('planAllocation', {
      incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 5, substitutes, policy: POLICY, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
    });
    const approved = (await world.store.get<StoredPlan>(INCIDENT, 'plan/0'))!;
    const planned = approved.lines.find((l) => l.lineId === 'L1')!;
    // The plan completes L1 with its kept confirmation and the substitute.
    expect(planned).toMatchObject({ allocated: 10, substituted: 20, backordered: 0, substitutes: [{ sku: 'B', covers: 20 }] });

    await substituteGone();
    const planRef = await commit();

    // L1 holds its 10 confirmed units of the SKU and nothing of the substitute; the other 20 are backordered.
    const reserved = await world.inventory.listReservations({ lineId: 'L1', status: 'active' });
    expect(reserved.map((r) => [r.sku, r.quantity])).toEqual([['A', 10]]);
    const backorders = (await world.inventory.listBackorders({ incidentId: INCIDENT, limit: 100 })).backorders;
    expect(backorders.filter((b) => b.lineId === 'L1').map((b) => b.quantity)).toEqual([20]);
    expect(await world.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
    // The plan as committed says the same, and why.
    const asCommitted = (await world.store.get<StoredPlan>(INCIDENT, planRef))!;
    const l1 = asCommitted.lines.find((l) => l.lineId === 'L1')!;
    expect(l1).toMatchObject({ allocated: 10, substitutes: [], substituted: 0, backordered: 20, releasedConfirmation: 0 });
    expect(l1.reasons).toEqual(expect.arrayContaining(['confirmation-kept', 'all-or-nothing-skipped']));
    expect(l1.reasons).not.toContain('fully-served');
    expect(l1.reasons).not.toContain('substituted');
    expect(asCommitted.totals.backordered).toBe(approved.totals.backordered + 20);

    // The customer's notice says what the line really got: its 10 confirmed units, no substitute, 20 backordered.
    const { noticesRef } = await world.run('prepareNotices', {
      incidentId: INCIDENT, workflowId: 'stockout:N:A', sku: 'A', kind: 'first-notice', revision: 0, source: { planRef }, substitutes, expectedDate: null, policy: POLICY,
    });
    const { notices } = (await world.store.get<ComposedNotices>(INCIDENT, noticesRef))!;
    const told = notices.flatMap((n) => n.lines).find((l) => l.lineId === 'L1')!;
    expect(told).toMatchObject({ shipNow: 10, backordered: 20 });
    expect(told.substituted).toBeUndefined();
  });
});
