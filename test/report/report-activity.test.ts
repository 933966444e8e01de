// The report activity against the reference service over HTTP: what became of the backorders after commit
// — a restock, a substitute a customer accepted by answering, a cancellation — is read from the inventory
// system and every stage adds up; a purchase order's slipped ETA and the exhausted substitute show in the advice.
import { afterEach, describe, expect, it } from 'vitest';
import type { AllocationPlan } from '../../src/allocation/types';
import type { IncidentState, ImpactSummary, PlanSummary } from '../../src/incident/state';
import type { CommittedReport } from '../../src/report/incident-report';
import { withFirstSharingRules } from '../../src/allocation/policy';
import { activityWorld, AS_OF, INCIDENT, POLICY as DEFAULT, type ActivityWorld } from '../activities/fixture';

// The report's arithmetic over a plan where the critical customer takes the whole pool: the first sharing rules
// make that plan (the current ones give the other customer its first pack, which the engine's tests cover).
const POLICY = withFirstSharingRules(DEFAULT);
import { sampleState } from '../api/fake-operations';

let world: ActivityWorld;
afterEach(async () => {
  await world.close();
});

/** Opened three days ago: the report closes now, so the gap customers waited is known whatever today is. */
function stateOf(impact: ImpactSummary, plan: PlanSummary, restockRounds: number): IncidentState {
  const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000).toISOString();
  return {
    ...sampleState(),
    incidentId: INCIDENT,
    sku: 'A',
    network: 'N',
    stage: 'closing',
    openedAt: daysAgo(3),
    firstNoticeAt: daysAgo(3),
    impact,
    plan,
    restockRounds,
    timeline: [{ at: daysAgo(3), event: 'plan committed' }],
    // The figures do not matter to the report, only that the plan was committed.
    commit: { reservedLines: 1, reservedUnits: 40, backorderedLines: 2, backorderedUnits: 90, substituteUnits: 0, credits: 0 },
  };
}

describe('buildReport', () => {
  it('carries restocks, substitutes accepted on an answer and cancellations into each stage, which adds up', async () => {
    world = await activityWorld();
    // L3 may ship partly, so both customers keep open backorders after a pool of 30.
    world.service.db.prepare("UPDATE demand_lines SET partial_allowed = 1 WHERE line_id = 'L3'").run();
    const impact = await world.assess();
    const plan = await world.run('planAllocation', {
      incidentId: INCIDENT, sku: 'A', snapshotRef: 'snapshot', pool: 30, substitutes: [], policy: POLICY, overrides: [], asOf: AS_OF, revision: 0, planKey: 'plan/0',
    });
    await world.run('commitPlanBatch', { incidentId: INCIDENT, planRef: 'plan/0', policy: POLICY, batch: 0, batchSize: 100, expectedDate: null });
    const committed = (await world.store.get<AllocationPlan>(INCIDENT, 'plan/0'))!;
    const backordered = (lineId: string) => committed.lines.find((l) => l.lineId === lineId)!.backordered;
    // C1 (critical) gets the pool; C2 nothing.
    expect([backordered('L1'), backordered('L2'), backordered('L3')]).toEqual([0, 10, 80]);

    // A small receipt (to C1, which outranks C2), then C1 takes B for the rest of L2 and C2 cancels L3.
    const round = await world.run('allocateRestock', {
      incidentId: INCIDENT, sku: 'A', restock: { receiptId: 'GR-1', quantity: 5 }, round: 1, policy: POLICY, asOf: AS_OF, planRef: 'plan/0',
    });
    expect(round.fulfilledUnits).toBe(5);
    const answer = (answerId: string, customerId: string, lineId: string, kind: 'accept-substitute' | 'cancel') =>
      world.run('applyCustomerAnswer', { incidentId: INCIDENT, sku: 'A', answer: { answer: kind, answerId, customerId, lineId } });
    expect(await answer('ans-1', 'C1', 'L2', 'accept-substitute')).toMatch(/^substituted \d+ units of line L2 with/);
    expect(await answer('ans-2', 'C2', 'L3', 'cancel')).toMatch(/^cancelled \d+ backordered units of line L3/);
    // The supplier's PO-1 slipped from 2026-12-08 by twelve days.
    await world.run('applyEtaChange', { incidentId: INCIDENT, sku: 'A', change: { poId: 'PO-1', eta: '2026-12-20' }, revision: 1 });

    const summary = await world.run('buildReport', { incidentId: INCIDENT, outcome: 'closed', state: stateOf(impact, plan, 1) });
    const report = (await world.store.get<CommittedReport>(INCIDENT, summary.reportRef))!;
    expect(report.overall).toMatchObject({ servedAtOnce: 40, servedLater: 5, substitutedLater: 5, cancelled: 80, unserved: 0 });
    for (const row of [...report.byStage, report.overall]) {
      expect(row.servedAtOnce + row.servedLater + row.substitutedLater + row.cancelled + row.unserved).toBe(row.requested);
      expect(row.revenueProtected).toBeLessThanOrEqual(row.revenueAtRisk);
    }
    // In the policy's stage order: basic (C2) before integrated (C1).
    expect(report.byStage.map((s) => s.stage)).toEqual(['basic', 'integrated']);
    expect(report.byStage[0]).toMatchObject({ cancelled: 80, substitutedLater: 0, customersWithNothingAtCommit: 1, customersWithNothing: 1 });
    expect(report.byStage[1]).toMatchObject({ cancelled: 0, servedLater: 5, substitutedLater: 5, fillRateAtCommit: 0.8, fillRate: 1 });
    expect(report.overall.fillRateAtCommit).toBeLessThan(report.overall.fillRate);
    expect(summary).toMatchObject({ fillRate: report.overall.fillRate, revenueProtected: report.overall.revenueProtected, revenueAtRisk: report.overall.revenueAtRisk });
    expect(report.currency).toBe('EUR');

    expect(report.etaSlips).toEqual([{ poId: 'PO-1', originalEta: '2026-12-08', finalEta: '2026-12-20', slipDays: 12 }]);
    expect(summary.recommendations).toContain(
      "Purchase order PO-1 arrived 12 days later than promised (ETA 2026-12-08 → 2026-12-20): review the supplier's ETA reliability for A and plan on the slipped date.",
    );
    expect(report.networkBuffer).toMatchObject({ hubId: 'N-HUB', cap: 90, gap: { until: 'last-backorder-closed' } });
    expect(report.networkBuffer!.gap.days).toBeGreaterThanOrEqual(3);
    expect(summary.recommendations.some((r) => r.startsWith(`Hold a network buffer of ${report.networkBuffer!.units} units of A at hub N-HUB`))).toBe(true);
    expect(summary.recommendations.some((r) => /safety stock of A at N-S1/.test(r))).toBe(false);
  });
});
