// Planning activities against the reference service: overrides that do not fit the incident, and engine
// refusals, stop the activity for good with the field named; substitute reservations say what they cover.
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/allocation/policy';
import type { AllocationPlan } from '../../src/allocation/types';
import type { PlanOverride } from '../../src/incident/commands';
import { failureOf } from '../reference-service/fixture';
import { activityWorld, AS_OF, INCIDENT, POLICY, type ActivityWorld } from './fixture';

let world: ActivityWorld;
beforeEach(async () => {
  world = await activityWorld();
  await world.assess();
});
afterEach(async () => {
  await world.close();
});

const plan = (pool: number, overrides: PlanOverride[], substitutes: Awaited<ReturnType<ActivityWorld['activities']['findSubstitutes']>> = []) =>
  world.run('planAllocation', {
    incidentId: INCIDENT,
    sku: 'A',
    snapshotRef: 'snapshot',
    pool,
    substitutes,
    policy: POLICY,
    overrides,
    asOf: AS_OF,
    revision: 1,
    planKey: 'plan/1',
  });

describe('planAllocation refuses overrides that do not fit the incident, for good', () => {
  // L1 asks 30 (10 of them confirmed), L2 20, L3 80.
  it.each([
    ['an unknown line', [{ lineId: 'L9', allocate: 1 }], 'overrides.0.lineId: line L9 is not in this incident'],
    ['more than the line asks for', [{ lineId: 'L2', allocate: 21 }], 'overrides.0.allocate: 21 units exceed the 20 that line L2 asks for'],
    ['a line given twice', [{ lineId: 'L2', allocate: 1 }, { lineId: 'L2', allocate: 2 }], 'overrides.1.lineId: line L2 is overridden more than once'],
    [
      'more than there is to allocate',
      [{ lineId: 'L3', allocate: 45 }, { lineId: 'L2', allocate: 20 }],
      'overrides.1.allocate: the overrides pin 65 units, more than the 50 to allocate (pool 40 + confirmations 10)',
    ],
    ['a fractional quantity', [{ lineId: 'L2', allocate: 1.5 }], 'overrides.0.allocate: must be a whole number'],
  ])('%s', async (_, overrides, message) => {
    const error = await failureOf(plan(40, overrides));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: 'InvalidOverride', nonRetryable: true, message });
    expect(await world.store.get(INCIDENT, 'plan/1')).toBeNull();
  });

  it('turns the engine’s own refusal into a non-retryable InvalidAllocationInput', async () => {
    // L1 is a critical customer's line: its 10 confirmed units stay with it, so nothing is left for L2.
    const error = await failureOf(plan(0, [{ lineId: 'L2', allocate: 5 }]));
    expect(error).toMatchObject({ type: 'InvalidAllocationInput', nonRetryable: true });
    expect(error.message).toContain('override for line L2: 5 units exceed the 0 left in the pool');
    expect(await world.store.get(INCIDENT, 'plan/1')).toBeNull();
  });
});

describe('commitPlanBatch', () => {
  it('reserves substitutes with the units of the line they cover, as the plan says', async () => {
    const substitutes = await world.run('findSubstitutes', { incidentId: INCIDENT, sku: 'A', network: 'N' });
    const summary = await plan(20, [], substitutes);
    expect(summary.totals.substituted).toBeGreaterThan(0);
    const committed = await world.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/1', policy: POLICY, batch: 0, batchSize: 100, expectedDate: null });
    expect(committed.substituteUnits).toBeGreaterThan(0);
    const reservations = await world.inventory.listReservations({ incidentId: INCIDENT, status: 'active' });
    const stored = (await world.store.get<AllocationPlan>(INCIDENT, 'plan/1'))!;
    const planned = stored.lines.flatMap((l) => l.substitutes.map((s) => [l.lineId, s.sku, s.quantity]));
    expect(reservations.filter((r) => r.sku === 'B').map((r) => [r.lineId, r.sku, r.quantity])).toEqual(planned);
    // The inventory system credits each line with exactly the units the plan says its substitutes cover.
    const substituted = world.service.db.prepare('SELECT line_id, substituted_quantity FROM demand_lines WHERE substituted_quantity > 0 ORDER BY line_id').all();
    expect(substituted).toEqual(stored.lines.filter((l) => l.substituted > 0).map((l) => ({ line_id: l.lineId, substituted_quantity: l.substituted })));
    expect(await world.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
  });
});

describe('commitPlanBatch', () => {
  it('still moves a released spoke confirmation to the hub when it is retried after the release', async () => {
    let dropConnection = true;
    const spoke = await activityWorld({
      // L2 holds a confirmation of 10 units at the spoke.
      dataset: (d) => {
        d.demandLines.find((l) => l.lineId === 'L2')!.reservedQuantity = 10;
        d.stock.find((p) => p.sku === 'A' && p.locationId === 'N-S1')!.reserved = 10;
      },
      inventory: (real) => ({
        ...real,
        async createTransfer(request) {
          if (dropConnection) {
            dropConnection = false;
            throw new Error('connection reset after the release');
          }
          return real.createTransfer(request);
        },
      }),
    });
    try {
      const policy = parsePolicy({ confirmations: { rules: [], defaultStrategy: 'lose' } });
      await spoke.assess();
      await spoke.run('planAllocation', {
        incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 30, substitutes: [], policy, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
      });
      const commit = () => spoke.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy, batch: 0, batchSize: 100, expectedDate: null });
      await expect(commit()).rejects.toThrow(/connection reset/);
      await commit();
      const moved = (await spoke.inventory.listTransfers({ incidentId: INCIDENT })).filter((t) => t.fromLocationId === 'N-S1');
      expect(moved).toEqual([expect.objectContaining({ toLocationId: 'N-HUB', quantity: 10, status: 'received' })]);
      expect(await spoke.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
    } finally {
      await spoke.close();
    }
  });
});

describe('commitPlanBatch', () => {
  it('grants credits in the configured currency, at the stage’s percent of the value left backordered', async () => {
    const chf = await activityWorld({ currency: 'CHF' });
    try {
      await chf.assess();
      await chf.run('planAllocation', {
        incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 0, substitutes: [], policy: POLICY, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
      });
      const committed = await chf.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy: POLICY, batch: 0, batchSize: 100, expectedDate: null });
      // C1 is integrated (5 %) with L1 and L2 at 10 a unit; C2 is basic, which the default policy does not compensate.
      const backorderedC1 = (await chf.store.get<AllocationPlan>(INCIDENT, 'plan/0'))!.lines.filter((l) => l.customerId === 'C1').reduce((sum, l) => sum + l.backordered, 0);
      expect(backorderedC1).toBeGreaterThan(0);
      expect(committed.credits).toBe(1);
      expect(await chf.crm.listCredits({ incidentId: INCIDENT })).toEqual([
        expect.objectContaining({ customerId: 'C1', amount: backorderedC1 * 10 * 0.05, currency: 'CHF' }),
      ]);
    } finally {
      await chf.close();
    }
  });
});

describe('commitPlanBatch after commitReleasesAndCredits', () => {
  /** One customer per batch: C1 (L1 with a kept confirmation of 10, L2) and C2 (L3). */
  async function commitInBatches(w: ActivityWorld, options: { parts: boolean }) {
    await w.assess();
    const substitutes = await w.run('findSubstitutes', { incidentId: INCIDENT, sku: 'A', network: 'N' });
    await w.run('planAllocation', {
      incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 20, substitutes, policy: POLICY, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
    });
    await w.run('commitReleasesAndCredits', { incidentId: INCIDENT, planRef: 'plan/0', policy: POLICY, confirmationsInBatches: true, ...(options.parts ? { batchSize: 1 } : {}) });
    if (options.parts) {
      // The batches must not read the plan any more: what is left of it here commits nothing.
      const plan = (await w.store.get<AllocationPlan>(INCIDENT, 'plan/0'))!;
      await w.store.put(INCIDENT, 'plan/0', { ...plan, lines: [] });
    }
    const summaries = [];
    for (const batch of [0, 1]) {
      summaries.push(await w.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy: POLICY, batch, batchSize: 1, expectedDate: null, releasesAndCreditsDone: true }));
    }
    const reservations = (await w.inventory.listReservations({ incidentId: INCIDENT, status: 'active' })).map((r) => [r.lineId, r.sku, r.quantity]);
    const backorders = (await w.inventory.listBackorders({ incidentId: INCIDENT, limit: 100 })).backorders.map((b) => [b.lineId, b.customerId, b.quantity]);
    expect(await w.inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
    return { summaries, reservations, backorders };
  }

  it('each batch commits from its own part of the plan what it would from the whole plan and snapshot', async () => {
    const fromParts = await activityWorld();
    try {
      const byParts = await commitInBatches(fromParts, { parts: true });
      const whole = await commitInBatches(world, { parts: false });
      expect(byParts).toEqual(whole);
      // L1 keeps its confirmation of 10: only what the plan gives beyond it is reserved, in both ways (the part carries it).
      const l1 = (await world.store.get<AllocationPlan>(INCIDENT, 'plan/0'))!.lines.find((l) => l.lineId === 'L1')!;
      expect(l1.releasedConfirmation).toBe(0);
      expect(whole.reservations).toContainEqual(['L1', 'A', l1.allocated - 10]);
      expect(whole.summaries.every((s) => s.reservedLines + s.backorderedLines > 0), 'each batch wrote its own customer').toBe(true);
    } finally {
      await fromParts.close();
    }
  });
});
