// The substitute offer in a customer's notice and the acceptance of the customer's answer apply one rule,
// against the reference service over HTTP: a line that forbids substitutes gets no accept link, a customer
// that never takes them gets none, and every accept link an email carries is accepted.
import { afterEach, describe, expect, it } from 'vitest';
import type { ComposedNotices } from '../../src/notifications/notices';
import { activityWorld, AS_OF, INCIDENT, POLICY, type ActivityWorld } from './fixture';

let world: ActivityWorld;
afterEach(async () => {
  await world.close();
});

describe('substitute offers in notices and their acceptance', () => {
  it('offers no substitute on a line that forbids them, and the acceptance takes every link it offers', async () => {
    world = await activityWorld();
    // C1 accepts substitutes on L1 but not on L2; C2 never takes them. B (two for one, 40 free) covers one line.
    world.service.db.prepare("UPDATE demand_lines SET substitutes_allowed = 0 WHERE line_id = 'L2'").run();
    await world.assess();
    await world.run('planAllocation', {
      incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 0, substitutes: [], policy: POLICY, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
    });
    await world.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy: POLICY, batch: 0, batchSize: 100, expectedDate: null });
    const substitutes = await world.run('findSubstitutes', { incidentId: INCIDENT, sku: 'A', network: 'N' });
    const { noticesRef } = await world.run('prepareNotices', {
      incidentId: INCIDENT,
      workflowId: 'stockout:N:A',
      sku: 'A',
      kind: 'first-notice',
      revision: 0,
      source: { planRef: 'plan/0' },
      substitutes,
      expectedDate: null,
      policy: POLICY,
    });
    const { notices } = (await world.store.get<ComposedNotices>(INCIDENT, noticesRef))!;
    const lines = notices.flatMap((n) => n.lines.map((l) => ({ customerId: n.customer.customerId, ...l })));
    const backordered = lines.filter((l) => l.backordered > 0).map((l) => l.lineId);
    expect(backordered).toEqual(['L1', 'L2', 'L3']);
    const offered = lines.filter((l) => l.answers?.acceptSubstitute !== undefined);
    expect(offered.map((l) => [l.lineId, l.substitute?.sku, l.substitute?.quantity])).toEqual([['L1', 'B', 40]]);

    for (const line of offered) {
      const token = new URL(line.answers!.acceptSubstitute!).pathname.split('/').pop()!;
      const claims = world.answerLinks.verify(token, new Date());
      expect(claims).toMatchObject({ a: 'accept-substitute', c: line.customerId, l: line.lineId });
      const outcome = await world.run('applyCustomerAnswer', {
        incidentId: INCIDENT,
        sku: 'A',
        answer: { answer: 'accept-substitute', answerId: `answer-${claims.l}`, customerId: claims.c, lineId: claims.l },
      });
      expect(outcome).toBe(`substituted 20 units of line ${line.lineId} with ${line.substitute!.quantity} × ${line.substitute!.sku}`);
    }
    expect(await world.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
  });

  it('refuses an acceptance from a customer that never takes substitutes, and changes nothing', async () => {
    world = await activityWorld();
    await world.assess();
    await world.inventory.createBackorders({ items: [{ idempotencyKey: 'bo-L3', incidentId: INCIDENT, lineId: 'L3', customerId: 'C2', sku: 'A', quantity: 5 }] });
    const outcome = await world.run('applyCustomerAnswer', {
      incidentId: INCIDENT,
      sku: 'A',
      answer: { answer: 'accept-substitute', answerId: 'ans-C2', customerId: 'C2', lineId: 'L3' },
    });
    expect(outcome).toBe('refused: C2 does not accept substitutes');
    expect((await world.inventory.listBackorders({ incidentId: INCIDENT, limit: 10 })).backorders).toEqual([expect.objectContaining({ lineId: 'L3', open: 5 })]);
    expect(await world.inventory.listReservations({ lineId: 'L3' })).toEqual([]);
  });
});
