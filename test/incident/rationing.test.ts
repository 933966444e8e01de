// Rationing over the period, on the time-skipping server against the reference inventory/CRM service over HTTP
// and a real SMTP sink: a plan rationed in weekly periods until the ETA releases one allotment per period, an
// ETA slip in the first period re-plans the periods to come (three instead of two) and tells the customers
// whose allotments moved; each period's unused units go back at its end. Books balance after every period, and
// no one gets the same email twice.
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { CATALOGUES } from '../../src/notifications/reader';
import type { AllocationPlan } from '../../src/allocation/types';
import { formatPlanLines } from '../../src/cli/format';
import { createOrderEntryClient } from '../../src/inventory/http-client';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import type { StoredRations } from '../../src/rationing/schedule';
import type { CommittedReport } from '../../src/report/incident-report';
import { cancelSignal, changeEtaUpdate, stateQuery } from '../../workflows/definitions';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { recordHistory } from '../harness/replay';
import { SHORT_SKU, dateAhead, emailsByKind, expectBooksBalanced, manualTrigger, policyWith, startIncident, waitForState, type World } from './world';

const worlds = timeSkippingWorlds();

const POLICY = {
  approval: { severityThreshold: 'critical' as const },
  followUp: { statusEveryDays: 60, restockCheckEveryHours: 24 },
  slaDays: 60,
  rationing: { periodDays: 7 },
};

/** Units of the SKU the inventory system holds reserved for the incident's lines. */
async function reservedForIncident(w: World, incidentId: string): Promise<number> {
  return (await w.deps.inventory.listReservations({ incidentId, status: 'active' })).filter((r) => r.sku === SHORT_SKU).reduce((sum, r) => sum + r.quantity, 0);
}

const sum = (values: number[]) => values.reduce((t, v) => t + v, 0);

/**
 * The ration schedule's sentence (what ships `now`, or `from` when the periods to come begin) for periods of `days`,
 * in every catalogue, in the plural form each language uses for `days`: `now` and `then` captured, other values any text.
 */
function scheduleSentences(kind: 'now' | 'from', days: number): RegExp[] {
  return Object.entries(CATALOGUES).map(([language, catalogue]) => {
    const forms = catalogue.notice.ration as Record<string, string>;
    const sentence = forms[`${kind}_${new Intl.PluralRules(language).select(days)}`]!;
    const pattern = sentence
      .replace(/[.*+?^$()|[\]\\]/g, '\\$&')
      .replace(/\{\{(\w+)\}\}/g, (_, name: string) => (name === 'count' ? String(days) : name === 'now' || name === 'then' ? `(?<${name}>[\\d.,\\s]+?)` : '.+?'));
    return new RegExp(pattern);
  });
}

describe('rationing over the period', () => {
  it('releases an allotment per period until the ETA, re-plans the periods to come when the ETA slips, and returns what a period leaves unused', async () => {
    const w = await worlds.open();
    // The next delivery two weeks out: two weekly periods.
    const po = (await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.status === 'open')!;
    await w.deps.inventory.updateInboundEta({ idempotencyKey: 'eta-two-weeks', poId: po.poId, eta: await dateAhead(w.env, 14) });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(POLICY));
      const committed = await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'first-notice'));
      const { incidentId } = committed;
      expect(committed.rationing).toMatchObject({ periods: 2, periodDays: 7, released: 1 });
      const first = (await w.store.get<StoredRations>(incidentId, 'rations'))!;
      const shares = sum(first.schedule.customers.map((c) => c.share));
      expect(shares).toBe(committed.rationing!.units);
      expect(shares).toBeGreaterThan(0);
      for (const c of first.schedule.customers) expect(sum(c.allotments)).toBe(c.share);
      // The commit reserved no rationed unit; period 1 reserved its allotments, and no more than them.
      const p1 = first.periods.find((p) => p.period === 1)!;
      expect(p1.released).toBe(sum(first.schedule.customers.map((c) => c.allotments[0]!)));
      expect(p1.used).toBeGreaterThan(0);
      expect(p1.used).toBeLessThanOrEqual(p1.released);
      expect(await reservedForIncident(w, incidentId)).toBe(p1.used);
      expect(committed.commit!.reservedUnits).toBe(0);
      await expectBooksBalanced(w);

      // The first notice states each rationed customer's schedule, in the customer's language: what ships now, then each week.
      const firstNotices = w.sink.messages().filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith('first-notice')));
      const rationed = await w.deps.crm.getCustomers(first.schedule.customers.map((c) => c.customerId));
      expect(rationed.length).toBe(first.schedule.customers.length);
      for (const { customerId, contacts } of rationed) {
        const notice = firstNotices.find((m) => contacts.some((c) => m.envelope.to.includes(c.email)));
        const text = (notice?.text ?? '').replace(/\s+/g, ' ');
        const { now, then } = scheduleSentences('now', 7).map((sentence) => sentence.exec(text)?.groups).find(Boolean) ?? {};
        const allotments = first.schedule.customers.find((c) => c.customerId === customerId)!.allotments;
        expect([now, then].map((n) => Number((n ?? '').replace(/\D/g, ''))), customerId).toEqual([allotments[0], allotments[1]]);
      }

      // Three days in, the supplier slips a week: the periods not yet released are planned again, three in all.
      await w.env.sleep('3 days');
      await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: await dateAhead(w.env, 18), reason: 'supplier delay', recordedBy: 'pat' }] });
      const replanned = await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'ration-change') && s.pendingEvents === 0);
      expect(replanned.rationing).toMatchObject({ periods: 3, released: 1 });
      const second = (await w.store.get<StoredRations>(incidentId, 'rations'))!;
      for (const c of second.schedule.customers) {
        const before = first.schedule.customers.find((b) => b.customerId === c.customerId)!;
        expect(c.allotments[0]).toBe(before.allotments[0]);
        expect(c.allotments).toHaveLength(3);
        expect(sum(c.allotments)).toBe(c.share);
      }
      const changed = second.schedule.customers.filter((c) => c.allotments[1] !== first.schedule.customers.find((b) => b.customerId === c.customerId)!.allotments[1]);
      expect(changed.length).toBeGreaterThan(0);
      // One email per customer for the ETA change: a customer whose allotments moved and who has backorders hears
      // both in the eta-change email; the ration-change email goes to the others.
      const kindOf = (m: (typeof firstNotices)[number]) => m.headers.find((h) => h.name.toLowerCase() === 'x-stockout-notice')?.value.split(';')[0]?.trim();
      const periodsToCome = [...scheduleSentences('now', 7), ...scheduleSentences('from', 7)];
      let toldInEtaChange = 0;
      for (const { customerId, contacts } of await w.deps.crm.getCustomers(changed.map((c) => c.customerId))) {
        const emails = w.sink.messages().filter((m) => ['eta-change', 'ration-change'].includes(kindOf(m) ?? '') && contacts.some((c) => m.envelope.to.includes(c.email)));
        expect(emails.length, customerId).toBe(1);
        const text = (emails[0]!.text ?? '').replace(/\s+/g, ' ');
        expect(periodsToCome.some((sentence) => sentence.test(text)), customerId).toBe(true);
        if (kindOf(emails[0]!) === 'eta-change') toldInEtaChange += 1;
      }
      expect(toldInEtaChange, 'a customer with backorders whose allotments moved').toBeGreaterThan(0);
      expect(replanned.deliveries.find((d) => d.kind === 'ration-change')?.sent).toBe(changed.length - toldInEtaChange);
      await expectBooksBalanced(w);

      // The plan view (API and CLI) shows each rationed customer's allotments per period.
      const ops = createIncidentOperations({ client: w.client, policy: DEFAULT_POLICY, taskQueue: w.taskQueue, store: w.store });
      const view = await ops.planCustomers(handle.workflowId, { limit: 1000 });
      expect(view.rationing).toMatchObject({ periods: 3, periodDays: 7, released: 1 });
      expect(view.rationing!.customers).toEqual(second.schedule.customers.map(({ customerId, share, allotments }) => ({ customerId, share, allotments })));
      // A customer whose own stock lasts a period has no allotment in it, and is not counted as left with nothing.
      expect(second.schedule.customers.some((c) => c.stockDays >= 7 && c.allotments[0] === 0 && c.share > 0), 'a customer reporting stock that lasts period 1').toBe(true);
      expect(view.rationing!.customersWithNothing).toEqual(
        [1, 2, 3].map((p) => second.schedule.customers.filter((c) => c.allotments[p - 1] === 0 && c.stockDays < p * 7).length),
      );
      const lines = await ops.plan(handle.workflowId, { limit: 1000 });
      expect(formatPlanLines(lines, handle.workflowId)).toContain(`Rationed in 3 periods of 7 days until ${second.schedule.until}`);

      // Each period's start releases its allotments; the one before ends, returning what it left unused.
      let reserved = p1.used;
      for (const period of [2, 3]) {
        await w.env.sleep('7 days');
        const state = await waitForState(handle, 'following-up', (s) => s.rationing?.released === period && s.pendingEvents === 0);
        const stored = (await w.store.get<StoredRations>(incidentId, 'rations'))!;
        const figures = stored.periods.find((p) => p.period === period)!;
        expect(figures.released).toBe(sum(stored.schedule.customers.map((c) => c.allotments[period - 1]!)));
        const ended = stored.periods.find((p) => p.period === period - 1)!;
        expect(ended.returned).toBe(ended.released - ended.used);
        reserved += figures.used;
        expect(await reservedForIncident(w, incidentId)).toBe(reserved);
        expect(state.timeline.some((t) => t.event === 'ration released' && t.detail?.startsWith(`period ${period} of 3`))).toBe(true);
        await expectBooksBalanced(w);
      }
      // The last period ends: rationing is over, every period accounted for.
      await w.env.sleep('7 days');
      const over = await waitForState(handle, 'following-up', (s) => s.rationing?.nextAt === null && s.pendingEvents === 0);
      expect(over.rationing!.released).toBe(3);
      const last = (await w.store.get<StoredRations>(incidentId, 'rations'))!;
      expect(last.periods.map((p) => p.period)).toEqual([1, 2, 3]);
      for (const p of last.periods) expect(p.returned).toBe(p.released - p.used);
      expect(sum(last.periods.map((p) => p.released))).toBe(shares);
      await expectBooksBalanced(w);

      // No email twice: one of each kind per recipient.
      for (const [kind, recipients] of Object.entries(emailsByKind(w))) expect(new Set(recipients).size, kind).toBe(recipients.length);

      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      await handle.result();
      const report = (await w.store.get<CommittedReport>(incidentId, 'report'))!;
      expect(report.rationPeriods).toEqual(last.periods);
      // At once is what the commit released (kept confirmations, substitutes and period 1); the later periods as served in them.
      const plan = (await w.store.get<AllocationPlan>(incidentId, last.planRef))!;
      const committedUnits = sum(plan.lines.map((l) => l.allocated + l.substituted));
      expect(report.overall.servedAtOnce).toBe(committedUnits - shares + p1.used);
      expect(report.overall.servedInPeriods).toBe(sum(last.periods.filter((p) => p.period > 1).map((p) => p.used)));
      if (process.env.RECORD_HISTORIES === '1') await recordHistory(handle, 'incident-rationing');
    });
    await expectBooksBalanced(w);
  });

  it("serves a new line mid-period from its customer's unused allotment first, counted once in the period's used figure", async () => {
    const w = await worlds.open();
    // Every open PO three weeks out (earlier tests skipped the clock past the data set's own dates): three weekly periods.
    const eta = await dateAhead(w.env, 21);
    for (const po of (await w.deps.inventory.listInbound(SHORT_SKU)).filter((p) => p.status === 'open')) {
      await w.deps.inventory.updateInboundEta({ idempotencyKey: `eta-three-weeks-${po.poId}`, poId: po.poId, eta });
    }
    const orders = createOrderEntryClient({ baseUrl: w.service.inventoryUrl, timeoutMs: 5_000 });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), policyWith(POLICY));
      const committed = await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'first-notice'));
      const { incidentId } = committed;
      const hubId = committed.pooling!.hubId;
      const first = (await w.store.get<StoredRations>(incidentId, 'rations'))!;
      // A rationed customer cancels every line of the plan during period 1: period 2's allotment finds no line to serve.
      const customer = first.schedule.customers.find((c) => (c.allotments[1] ?? 0) > 0)!;
      const allotment = customer.allotments[1]!;
      const plan = (await w.store.get<AllocationPlan>(incidentId, first.planRef))!;
      for (const line of plan.lines.filter((l) => l.customerId === customer.customerId)) {
        await orders.cancelDemandLine({ idempotencyKey: `cancel-${line.lineId}`, lineId: line.lineId });
      }
      await w.env.sleep('7 days');
      await waitForState(handle, 'following-up', (s) => s.rationing?.released === 2 && s.pendingEvents === 0);
      const before = (await w.store.get<StoredRations>(incidentId, 'rations'))!;
      const period2 = before.periods.find((p) => p.period === 2)!;
      const rounds = (await handle.query(stateQuery)).orderRounds ?? 0;

      // Mid-period it orders again: the new line is reserved from its unused allotment first.
      const lineId = `NEW-${w.network}-rationed`;
      await orders.createDemandLine({
        idempotencyKey: `place-${lineId}`,
        lineId,
        orderId: `SO-${lineId}`,
        customerId: customer.customerId,
        sku: SHORT_SKU,
        locationId: hubId,
        quantity: allotment,
        requestedDate: '2030-01-15',
        unitPrice: 10,
        packSize: 1,
      });
      const ops = createIncidentOperations({ client: w.client, policy: DEFAULT_POLICY, taskQueue: w.taskQueue, store: w.store });
      await ops.orderEvent({ eventId: 'ord-rationed', sku: SHORT_SKU, network: w.network, lineId, change: 'created' });
      const after = await waitForState(handle, 'following-up', (s) => (s.orderRounds ?? 0) === rounds + 1 && s.pendingEvents === 0);
      const reserved = (await w.deps.inventory.listReservations({ lineId, status: 'active' })).filter((r) => r.incidentId === incidentId).reduce((t, r) => t + r.quantity, 0);
      expect(reserved).toBe(allotment);
      const counted = (await w.store.get<StoredRations>(incidentId, 'rations'))!;
      expect(counted.periods.find((p) => p.period === 2)!.used).toBe(period2.used + allotment);
      expect(counted.roundsCounted).toEqual([rounds + 1]);
      expect(after.deliveries.filter((d) => d.kind === 'new-orders').map((d) => d.sent)).toEqual([1]);
      await expectBooksBalanced(w);

      // The period's end returns only what it left unused: the allotment the new line took is not returned.
      await w.env.sleep('7 days');
      await waitForState(handle, 'following-up', (s) => s.rationing?.released === 3 && s.pendingEvents === 0);
      const ended = (await w.store.get<StoredRations>(incidentId, 'rations'))!.periods.find((p) => p.period === 2)!;
      expect(ended.returned).toBe(period2.released - period2.used - allotment);
      for (const [kind, recipients] of Object.entries(emailsByKind(w))) expect(new Set(recipients).size, kind).toBe(recipients.length);
      await expectBooksBalanced(w);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'jo' });
      await handle.result();
    });
    await expectBooksBalanced(w);
  });
});
