// A mail task reads the stored parts of an event's notices that its batch covers, not the whole document
// (activities/notifications.ts, NOTICE_PART); an event prepared before the parts is sent from the whole document.
import { afterEach, expect, it } from 'vitest';
import type { ComposedNotices } from '../../src/notifications/notices';
import { activityWorld, AS_OF, INCIDENT, POLICY, type ActivityWorld } from './fixture';

let world: ActivityWorld;
afterEach(async () => {
  await world.close();
});

async function preparedFirstNotices(): Promise<{ noticesRef: string; customers: number }> {
  await world.assess();
  await world.run('planAllocation', {
    incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 0, substitutes: [], policy: POLICY, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
  });
  await world.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy: POLICY, batch: 0, batchSize: 100, expectedDate: null });
  return world.run('prepareNotices', {
    incidentId: INCIDENT, workflowId: 'stockout:N:A', sku: 'A', kind: 'first-notice', revision: 0, source: { planRef: 'plan/0' }, substitutes: [], expectedDate: null, policy: POLICY,
  });
}

it('sends a batch from the parts it covers, whatever the whole document holds', async () => {
  world = await activityWorld();
  const { noticesRef, customers } = await preparedFirstNotices();
  expect(customers).toBe(2);
  const whole = (await world.store.get<ComposedNotices>(INCIDENT, noticesRef))!;
  await world.store.put(INCIDENT, noticesRef, { notices: [], digests: [] } satisfies ComposedNotices);
  // A batch larger than the notices (the last batch of an event) ends with them.
  expect(await world.run('deliverNoticeBatch', { incidentId: INCIDENT, noticesRef, batch: 0, batchSize: 100 })).toEqual({ sent: 2, skipped: 0, rejected: 0 });
  expect(world.sink.messages()).toHaveLength(whole.notices.length);
  // The digests are read from their own document too.
  expect(await world.run('deliverDigests', { incidentId: INCIDENT, noticesRef })).toBe(whole.digests.length);
});

it('sends an event prepared without parts from its whole document', async () => {
  world = await activityWorld();
  const { noticesRef } = await preparedFirstNotices();
  const whole = (await world.store.get<ComposedNotices>(INCIDENT, noticesRef))!;
  await world.store.put(INCIDENT, 'notices/before-parts/0', whole);
  expect(await world.run('deliverNoticeBatch', { incidentId: INCIDENT, noticesRef: 'notices/before-parts/0', batch: 0, batchSize: 20 })).toEqual({ sent: 2, skipped: 0, rejected: 0 });
  expect(await world.run('deliverDigests', { incidentId: INCIDENT, noticesRef: 'notices/before-parts/0' })).toBe(whole.digests.length);
});
