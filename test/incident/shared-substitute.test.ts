// Two incidents whose plans offer the same substitute SKU, against the reference service over HTTP on the
// time-skipping server: both plans counted the substitute's free units when they were proposed, the first
// commit takes them, and the second is committed as the substitute's stock stands at its commit — what is left
// of it in priority order, the rest backordered — instead of parking with "reserve refused". Stock taken between
// the commit's read and its write is fitted again on a retry; a refusal the stock does not explain still parks.
import { describe, expect, it } from 'vitest';
import { createActivities } from '../../activities';
import type { InventorySystem } from '../../src/inventory/system';
import type { Policy } from '../../src/allocation/policy';
import type { StoredPlan } from '../../src/incident/planning';
import type { IncidentState } from '../../src/incident/state';
import { freeStock } from '../../src/pooling/free-stock';
import { cancelSignal, decidePlanUpdate, stateQuery } from '../../workflows/definitions';
import { timeSkippingWorlds } from '../harness/incident-worlds';
import { recordHistory } from '../harness/replay';
import { emailsByKind, expectBooksBalanced, manualTrigger, policyWith, startIncident, waitForState, type World } from './world';

const worlds = timeSkippingWorlds();
const ALWAYS_APPROVE = { approval: { severityThreshold: 'low' as const, deadlineHours: 24, timeoutAction: 'escalate' as const } };
const SKUS = ['SKU-DEMO-1', 'SKU-DEMO-2'];
const SUBSTITUTE = 'SKU-0003';

/** Both short SKUs get one substitute only, the same one, one for one, in packs of one, without safety stock at the hub. */
function shareOneSubstitute(w: World): void {
  const db = w.service.db;
  db.prepare(`DELETE FROM substitutes WHERE sku IN (${SKUS.map(() => '?').join(', ')})`).run(...SKUS);
  for (const sku of SKUS) db.prepare('INSERT INTO substitutes (sku, substitute_sku, ratio, price_delta) VALUES (?, ?, 1, 0)').run(sku, SUBSTITUTE);
  db.prepare('UPDATE items SET pack_size = 1 WHERE sku = ?').run(SUBSTITUTE);
  db.prepare('UPDATE stock SET safety_stock = 0 WHERE sku = ? AND location_id = ?').run(SUBSTITUTE, `${w.network}-HUB`);
}

/** The substitute's free units at the hub become `free`, by writes the books record: a receipt, or a transfer of the rest to a spoke. */
async function substituteFree(w: World, free: number): Promise<void> {
  const hub = `${w.network}-HUB`;
  const position = (await w.deps.inventory.getStockPositions(SUBSTITUTE)).find((p) => p.locationId === hub)!;
  const excess = freeStock(position) - free;
  const key = `${SUBSTITUTE}-free-${free}`;
  if (excess < 0) {
    await w.deps.inventory.recordReceipt({ idempotencyKey: key, sku: SUBSTITUTE, locationId: hub, quantity: -excess });
  } else if (excess > 0) {
    const move = { idempotencyKey: key, incidentId: 'elsewhere', sku: SUBSTITUTE, fromLocationId: hub, toLocationId: `${w.network}-S01`, quantity: excess };
    const { transferId } = await w.deps.inventory.createTransfer(move);
    await w.deps.inventory.shipTransfer({ idempotencyKey: `${key}-ship`, transferId });
    await w.deps.inventory.receiveTransfer({ idempotencyKey: `${key}-receive`, transferId });
  }
}

const substituteUnits = (plan: StoredPlan) => plan.lines.flatMap((l) => l.substitutes).filter((s) => s.sku === SUBSTITUTE).reduce((sum, s) => sum + s.quantity, 0);

async function reservedOfSubstitute(w: World, incidentId: string): Promise<number> {
  const reservations = await w.deps.inventory.listReservations({ incidentId, status: 'active' });
  return reservations.filter((r) => r.sku === SUBSTITUTE).reduce((sum, r) => sum + r.quantity, 0);
}

async function approve(handle: Parameters<typeof waitForState>[0]): Promise<void> {
  await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: 0, decidedBy: 'ann', overrides: [] }] });
}

/**
 * Two incidents proposed one after the other: the first plan finds plenty of the substitute, the second finds
 * what the first plan takes and `extra` more.
 */
async function proposeBoth(w: World, extra: number, secondPolicy: Policy) {
  await substituteFree(w, 100_000);
  const first = await startIncident(w, manualTrigger(w, SKUS[0]!), policyWith(ALWAYS_APPROVE));
  const a = await waitForState(first, 'awaiting-approval');
  const planA = (await w.store.get<StoredPlan>(a.incidentId, a.plan!.planRef))!;
  const free = substituteUnits(planA) + extra;
  await substituteFree(w, free);
  const second = await startIncident(w, manualTrigger(w, SKUS[1]!), secondPolicy);
  const b = await waitForState(second, 'awaiting-approval');
  const planB = (await w.store.get<StoredPlan>(b.incidentId, b.plan!.planRef))!;
  return { first, second, a, b, planA, planB, free };
}

describe('incidents whose plans share a substitute', () => {
  it('commits the second plan with what is left of the substitute, the rest backordered, instead of parking', async () => {
    const w = await worlds.open({ dataset: { shortage: { skus: SKUS, coverPercent: 55, lineShare: 0.4 } } });
    shareOneSubstitute(w);
    await w.worker.runUntil(async () => {
      const { first, second, a, b, planA, planB, free } = await proposeBoth(w, 10, policyWith(ALWAYS_APPROVE));
      // Each plan counted the substitute's free units; together they want more than there is.
      expect(substituteUnits(planA)).toBeGreaterThan(0);
      expect(substituteUnits(planB)).toBeGreaterThan(free - substituteUnits(planA));

      await approve(first);
      const committedA = await waitForState(first, 'following-up');
      expect(await reservedOfSubstitute(w, a.incidentId)).toBe(substituteUnits(planA));

      await approve(second);
      const committedB: IncidentState = await waitForState(second, ['following-up', 'needs-attention']);
      expect(committedB.attention?.reason ?? null).toBeNull();
      expect(committedB.stage).toBe('following-up');
      const left = free - substituteUnits(planA);
      // The plan as committed takes what was left of the substitute, no more, and backorders what it no longer covers.
      const asCommitted = (await w.store.get<StoredPlan>(b.incidentId, committedB.plan!.planRef))!;
      expect(committedB.plan!.planRef).not.toBe(b.plan!.planRef);
      expect(substituteUnits(asCommitted)).toBe(left);
      expect(await reservedOfSubstitute(w, b.incidentId)).toBe(left);
      expect(committedB.commit!.substituteUnits).toBe(left);
      const dropped = planB.lines.reduce((sum, l) => sum + l.substituted, 0) - asCommitted.lines.reduce((sum, l) => sum + l.substituted, 0);
      expect(dropped).toBe(substituteUnits(planB) - left);
      expect(asCommitted.totals.backordered).toBe(planB.totals.backordered + dropped);
      expect(committedB.plan!.totals.backordered).toBe(asCommitted.totals.backordered);
      expect(committedB.commit!.backorderedUnits).toBe(asCommitted.totals.backordered);
      for (const line of asCommitted.lines) expect(line.allocated + line.substituted + line.backordered).toBe(line.requested);
      const note = committedB.timeline.find((t) => t.event === 'substitutes taken at commit');
      expect(note?.detail).toContain(`${SUBSTITUTE}: ${left} of ${substituteUnits(planB)} planned units free`);

      // Nothing of the substitute is reserved beyond its free stock, and the first incident kept what it committed.
      const hub = (await w.deps.inventory.getStockPositions(SUBSTITUTE)).find((p) => p.locationId === `${w.network}-HUB`)!;
      expect(freeStock(hub)).toBe(0);
      expect(hub.reserved).toBeLessThanOrEqual(hub.onHand - hub.safetyStock);
      expect(committedA.commit!.substituteUnits).toBe(substituteUnits(planA));
      expect((await first.query(stateQuery)).stage).toBe('following-up');

      for (const handle of [first, second]) {
        await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'ann' });
        expect((await handle.result()).outcome).toBe('cancelled');
      }
      if (process.env.RECORD_HISTORIES === '1') await recordHistory(second, 'incident-substitutes-at-commit');
    });
    await expectBooksBalanced(w);
  });

  it('tells the planners by email when the substitute’s stock at commit leaves must-win lines short', async () => {
    // Every line must be won: a line the second plan serves in full with the substitute is one a person decides once the substitute is gone.
    const everyLineMustWin = policyWith({ ...ALWAYS_APPROVE, confirmations: { rules: [], defaultStrategy: 'win' } });
    const w = await worlds.open({ dataset: { shortage: { skus: SKUS, coverPercent: 55, lineShare: 0.4 } } });
    shareOneSubstitute(w);
    await w.worker.runUntil(async () => {
      const { first, second, b, planB } = await proposeBoth(w, 0, everyLineMustWin);
      const wonBySubstitute = planB.lines.filter((l) => l.substituted > 0 && l.reasons.includes('confirmation-won'));
      expect(wonBySubstitute.length).toBeGreaterThan(0);

      await approve(first);
      await waitForState(first, 'following-up');
      expect(emailsByKind(w)['escalation']).toBeUndefined();
      await approve(second);
      const committed = await waitForState(second, ['following-up', 'needs-attention']);
      expect(committed.stage).toBe('following-up');
      // The substitute is all gone: each line it won is short now, says why, and is an exception for a person.
      const asCommitted = new Map((await w.store.get<StoredPlan>(b.incidentId, committed.plan!.planRef))!.lines.map((l) => [l.lineId, l]));
      for (const { lineId } of wonBySubstitute) {
        const line = asCommitted.get(lineId)!;
        expect(line).toMatchObject({ substituted: 0 });
        expect(line.reasons).toEqual(expect.arrayContaining(['win-exception', 'pool-exhausted']));
        expect(line.reasons).not.toContain('confirmation-won');
        expect(line.exception).toMatch(new RegExp(`^line ${lineId} .* must be served in full`));
      }
      expect(emailsByKind(w)['escalation']).toEqual(['planners@example.com']);
      const escalation = w.sink.messages().find((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith('escalation')))!;
      const n = wonBySubstitute.length;
      expect(escalation.text).toContain(`${n === 1 ? '1 must-win line' : `${n} must-win lines`} left short at commit by substitutes no longer available`);
      // Sent once the commit is done: the commit does not wait on the mail server.
      const events = (await second.fetchHistory()).events ?? [];
      const scheduledAt = (type: string) => events.flatMap((e, i) => (e.activityTaskScheduledEventAttributes?.activityType?.name === type ? [i] : []));
      expect(scheduledAt('escalate')).toHaveLength(1);
      expect(scheduledAt('escalate')[0]).toBeGreaterThan(Math.max(...scheduledAt('commitPlanBatch')));

      for (const handle of [first, second]) {
        await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'ann' });
        expect((await handle.result()).outcome).toBe('cancelled');
      }
      // Told once: the escalation is not sent again by the rest of the incident.
      expect(emailsByKind(w)['escalation']).toEqual(['planners@example.com']);
      if (process.env.RECORD_HISTORIES === '1') await recordHistory(second, 'incident-wins-missed-at-commit');
    });
    await expectBooksBalanced(w);
  });

  it('fits the substitutes again when their stock is taken between the commit’s read and its write', async () => {
    const opened: { world?: World } = {};
    // Another commit takes the substitute just before this one's first hold reaches the inventory system: 5 units fewer than it asks for stay free.
    let raced = false;
    const racing = (inventory: InventorySystem): InventorySystem => ({
      ...inventory,
      async createReservations(request) {
        const asked = request.items.filter((i) => i.sku === SUBSTITUTE).reduce((sum, i) => sum + i.quantity, 0);
        if (!raced && asked > 0) {
          raced = true;
          await substituteFree(opened.world!, asked - 5);
        }
        return inventory.createReservations(request);
      },
    });
    const w = await worlds.open({ dataset: { shortage: { skus: SKUS, coverPercent: 55, lineShare: 0.4 } }, workerActivities: (deps) => createActivities({ ...deps, inventory: racing(deps.inventory) }) });
    opened.world = w;
    shareOneSubstitute(w);
    await w.worker.runUntil(async () => {
      await substituteFree(w, 100_000);
      const handle = await startIncident(w, manualTrigger(w, SKUS[0]!), policyWith(ALWAYS_APPROVE));
      const pending = await waitForState(handle, 'awaiting-approval');
      const planned = substituteUnits((await w.store.get<StoredPlan>(pending.incidentId, pending.plan!.planRef))!);
      await approve(handle);
      const committed = await waitForState(handle, ['following-up', 'needs-attention']);
      expect(raced).toBe(true);
      expect(committed.attention?.reason ?? null).toBeNull();
      expect(committed.timeline.find((t) => t.event === 'retried' && t.detail?.startsWith('committing'))).toBeDefined();
      expect(committed.timeline.find((t) => t.event === 'substitutes taken at commit')?.detail).toContain(`${SUBSTITUTE}: ${planned - 5} of ${planned} planned units free`);
      expect(await reservedOfSubstitute(w, pending.incidentId)).toBe(planned - 5);
      expect(committed.commit!.substituteUnits).toBe(planned - 5);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'ann' });
      await handle.result();
    });
    await expectBooksBalanced(w);
  });

  it('parks the commit with the inventory system’s reason when it refuses a substitute for what the stock does not explain', async () => {
    const w = await worlds.open({ dataset: { shortage: { skus: SKUS, coverPercent: 55, lineShare: 0.4 } } });
    shareOneSubstitute(w);
    await w.worker.runUntil(async () => {
      await substituteFree(w, 100_000);
      const handle = await startIncident(w, manualTrigger(w, SKUS[0]!), policyWith(ALWAYS_APPROVE));
      const pending = await waitForState(handle, 'awaiting-approval');
      const plan = (await w.store.get<StoredPlan>(pending.incidentId, pending.plan!.planRef))!;
      // The order desk forbids substitutes on a line the plan gives one: no stock and no retry changes that.
      const line = plan.lines.find((l) => l.substituted > 0)!;
      w.service.db.prepare('UPDATE demand_lines SET substitutes_allowed = 0 WHERE line_id = ?').run(line.lineId);
      await approve(handle);
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'committing' });
      expect(parked.attention!.reason).toMatch(new RegExp(`^Rejected: .*line ${line.lineId} does not allow substitutes`));
      expect(parked.timeline.some((t) => t.event === 'retried')).toBe(false);
      expect(await reservedOfSubstitute(w, pending.incidentId)).toBe(0);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'ann' });
      await handle.result();
    });
    await expectBooksBalanced(w);
  });
});
