// The post-incident report as a pure function: at-commit and final figures side by side, stages in the
// policy's order, every requested unit accounted for, revenue protected as a part of the revenue at risk,
// and recommendations drawn from what the incident went through.
import { describe, expect, it } from 'vitest';
import type { IncidentState } from '../../src/incident/state';
import { buildIncidentReport, type CommittedReport, type IncidentReport, type ReportInput, type ReportLine } from '../../src/report/incident-report';
import { actualGap, etaSlips, networkBuffer, recommendations } from '../../src/report/recommendations';
import { samplePlan, sampleState } from '../api/fake-operations';

const line = (lineId: string, customerId: string, stage: string, requested: number, extra: Partial<ReportLine> = {}): ReportLine => ({
  lineId,
  customerId,
  stage,
  locationId: 'S1',
  unitPrice: 10,
  requestedDate: '2025-03-10',
  requested,
  allocated: 0,
  substituted: 0,
  allOrNothingSkipped: false,
  ...extra,
});

function state(overrides: Partial<IncidentState> = {}): IncidentState {
  const base = sampleState();
  const stages = ['exploratory', 'basic', 'cooperative', 'interdependent', 'integrated'];
  return {
    ...base,
    stage: 'closing',
    firstNoticeAt: '2025-03-01T09:00:00.000Z',
    plan: samplePlan({ byStage: stages.map((stage) => ({ ...samplePlan().totals, stage })), poolLeft: 0 }),
    impact: { ...base.impact!, asOf: '2025-03-01', inboundEtas: { 'PO-1': '2025-03-13' } },
    timeline: [{ at: '2025-03-01T09:00:00.000Z', event: 'plan committed' }],
    commit: { reservedLines: 1, reservedUnits: 10, backorderedLines: 1, backorderedUnits: 30, substituteUnits: 0, credits: 0 },
    ...overrides,
  };
}

function input(overrides: Partial<ReportInput> = {}): ReportInput {
  return {
    state: state(),
    outcome: 'closed',
    lines: [],
    rounds: [],
    positions: [
      { locationId: 'HUB', kind: 'hub', onHand: 0, reserved: 0, safetyStock: 20 },
      { locationId: 'S1', kind: 'spoke', onHand: 0, reserved: 0, safetyStock: 30 },
    ],
    purchaseOrders: [],
    substitutes: [],
    currency: 'EUR',
    closedAt: '2025-03-11T09:00:00.000Z',
    ...overrides,
  };
}

/** The report of an incident whose plan was committed (these tests' incidents). */
function committed(report: IncidentReport): CommittedReport {
  if (report.scope !== 'committed') throw new Error(`expected a committed report, got ${report.scope}`);
  return report;
}
const buildCommitted = (i: ReportInput) => committed(buildIncidentReport(i));

/** requested = at once + in later ration periods + restocked + substituted later + cancelled + unserved, for the stage. */
const unaccounted = (o: { requested: number; servedAtOnce: number; servedInPeriods?: number; servedLater: number; substitutedLater: number; cancelled: number; unserved: number }) =>
  o.requested - o.servedAtOnce - (o.servedInPeriods ?? 0) - o.servedLater - o.substitutedLater - o.cancelled - o.unserved;

describe('fill rate and customers with nothing', () => {
  it('reports the plan as committed beside the end state: a restock does not hide who waited', () => {
    const report = buildCommitted(
      input({
        lines: [
          line('L1', 'B1', 'basic', 100, { allocated: 31, backorders: { fulfilled: 69, cancelled: 0, open: 0 } }),
          line('L2', 'B2', 'basic', 25, { backorders: { fulfilled: 25, cancelled: 0, open: 0 } }),
          line('L3', 'I1', 'integrated', 50, { allocated: 50 }),
        ],
        rounds: [{ receiptId: 'GR-1', at: '2025-03-10T09:00:00.000Z', fulfilled: [{ lineId: 'L1', quantity: 69 }, { lineId: 'L2', quantity: 25 }] }],
      }),
    );
    const basic = report.byStage.find((s) => s.stage === 'basic')!;
    expect(basic).toMatchObject({ fillRateAtCommit: 0.248, customersWithNothingAtCommit: 1, fillRate: 1, customersWithNothing: 0, backorderedAtCommit: 94, servedLater: 94 });
    expect(report.overall).toMatchObject({ customersWithNothingAtCommit: 1, customersWithNothing: 0, fillRate: 1 });
    expect(report.overall.fillRateAtCommit).toBeCloseTo(81 / 175, 4);
  });
});

describe('stage order', () => {
  it("follows the plan's stage order (the policy's), not the alphabet; a stage the plan does not list comes last", () => {
    const report = buildCommitted(
      input({
        lines: [line('L1', 'C1', 'integrated', 10), line('L2', 'C2', 'interdependent', 10), line('L3', 'C3', 'basic', 10), line('L4', 'C4', 'aardvark', 10)],
      }),
    );
    expect(report.byStage.map((s) => s.stage)).toEqual(['basic', 'interdependent', 'integrated', 'aardvark']);
  });
});

describe('unit accounting', () => {
  it('counts units substituted on a customer answer and cancelled units, so every stage adds up', () => {
    const report = buildCommitted(
      input({
        lines: [
          // 10 at once, 30 backordered: 12 restocked, 18 taken as a substitute on the customer's answer.
          line('L1', 'C1', 'basic', 40, { allocated: 10, backorders: { fulfilled: 30, cancelled: 0, open: 0 } }),
          // 5 at once + 5 substituted at commit, 20 backordered: cancelled by the customer.
          line('L2', 'C2', 'basic', 30, { allocated: 5, substituted: 5, backorders: { fulfilled: 0, cancelled: 20, open: 0 } }),
          // Still open at closing.
          line('L3', 'C3', 'integrated', 15, { allocated: 5, backorders: { fulfilled: 4, cancelled: 0, open: 6 } }),
        ],
        rounds: [{ receiptId: 'GR-1', at: '2025-03-05T09:00:00.000Z', fulfilled: [{ lineId: 'L1', quantity: 12 }, { lineId: 'L3', quantity: 4 }] }],
      }),
    );
    const basic = report.byStage.find((s) => s.stage === 'basic')!;
    expect(basic).toMatchObject({ requested: 70, servedAtOnce: 20, servedLater: 12, substitutedLater: 18, cancelled: 20, unserved: 0 });
    expect(report.byStage.find((s) => s.stage === 'integrated')).toMatchObject({ servedLater: 4, substitutedLater: 0, unserved: 6 });
    for (const row of [...report.byStage, report.overall]) expect(unaccounted(row)).toBe(0);
    expect(report.recommendations).toContain('20 backordered units cancelled by customers: follow up on the lost orders with the account managers.');
  });

  it("counts of a rationed share at commit only what period 1 reserved, the later periods as served in periods, and what no period reserved as unserved", () => {
    const report = buildCommitted(
      input({
        lines: [
          // 60 allocated (10 a kept confirmation, a share of 50 rationed), 40 backordered and restocked: period 1
          // reserved 20, periods 2-3 reserved 25, 5 no period reserved (the customer lowered the line).
          line('L1', 'C1', 'basic', 100, { allocated: 60, rationed: { share: 50, atCommit: 20, later: 25 }, backorders: { fulfilled: 40, cancelled: 0, open: 0 } }),
          // Not rationed: its whole allocation at once.
          line('L2', 'C2', 'basic', 30, { allocated: 30 }),
          // Rationed, its stock lasting period 1: nothing at commit, 10 in period 2, and not left with nothing.
          line('L3', 'C3', 'integrated', 10, { allocated: 10, rationed: { share: 10, atCommit: 0, later: 10, stockLastsFirstPeriod: true } }),
          // Rationed, no stock of its own and nothing in period 1 (its allotments come later): left with nothing at commit.
          line('L4', 'C4', 'integrated', 10, { allocated: 10, rationed: { share: 10, atCommit: 0, later: 10, stockLastsFirstPeriod: false } }),
        ],
        rounds: [{ receiptId: 'GR-1', at: '2025-03-05T09:00:00.000Z', fulfilled: [{ lineId: 'L1', quantity: 40 }] }],
      }),
    );
    expect(report.byStage.find((s) => s.stage === 'basic')).toMatchObject({
      requested: 130,
      servedAtOnce: 60,
      backorderedAtCommit: 40,
      servedInPeriods: 25,
      servedLater: 40,
      unserved: 5,
      fillRateAtCommit: 0.4615,
      fillRate: 0.9615,
      revenueAtRisk: 450,
      revenueProtected: 400,
      revenueLost: 50,
    });
    expect(report.byStage.find((s) => s.stage === 'integrated')).toMatchObject({ servedAtOnce: 0, servedInPeriods: 20, customersWithNothingAtCommit: 1, customersWithNothing: 0, fillRate: 1 });
    for (const row of [...report.byStage, report.overall]) expect(unaccounted(row)).toBe(0);
  });

  it("counts a cancelled incident's withdrawn backorders as unserved, not as customers' cancellations", () => {
    const report = buildCommitted(
      input({ outcome: 'cancelled', lines: [line('L1', 'C1', 'basic', 40, { allocated: 10, backorders: { fulfilled: 0, cancelled: 30, open: 0 } })] }),
    );
    expect(report.overall).toMatchObject({ cancelled: 0, unserved: 30 });
    expect(unaccounted(report.overall)).toBe(0);
  });
});

describe('revenue', () => {
  it('protected is the part of the revenue at risk recovered: substitutes at commit, restocks, accepted substitutes', () => {
    const report = buildCommitted(
      input({
        lines: [
          // At risk: 40 − 10 = 30 units; protected 5 (substitutes at commit) + 12 (restock) + 8 (answer); lost 5 (cancelled).
          line('L1', 'C1', 'basic', 40, { allocated: 10, substituted: 5, unitPrice: 2.5, backorders: { fulfilled: 20, cancelled: 5, open: 0 } }),
          // Served in full at commit: nothing at risk, nothing counted as protected.
          line('L2', 'C2', 'integrated', 100, { allocated: 100, unitPrice: 9.99 }),
        ],
        rounds: [{ receiptId: 'GR-1', at: '2025-03-05T09:00:00.000Z', fulfilled: [{ lineId: 'L1', quantity: 12 }] }],
      }),
    );
    expect(report.overall).toMatchObject({ revenueAtRisk: 75, revenueProtected: 62.5, revenueLost: 12.5 });
    expect(report.byStage.find((s) => s.stage === 'integrated')).toMatchObject({ revenueAtRisk: 0, revenueProtected: 0 });
    for (const row of [...report.byStage, report.overall]) {
      expect(row.revenueProtected).toBeLessThanOrEqual(row.revenueAtRisk);
      expect(row.revenueProtected + row.revenueLost).toBeCloseTo(row.revenueAtRisk, 2);
    }
    expect(report.currency).toBe('EUR');
    expect(report.largestCustomer).toEqual({ customerId: 'C2', units: 100 });
  });
});

describe('recommendations', () => {
  it('sizes one buffer at the hub from daily demand × the gap customers actually waited, capped at what went short', () => {
    const lines = [
      line('L1', 'C1', 'basic', 300, { requestedDate: '2025-03-01', allocated: 100, backorders: { fulfilled: 200, cancelled: 0, open: 0 } }),
      line('L2', 'C2', 'basic', 300, { requestedDate: '2025-03-30', allocated: 300 }),
    ];
    // 600 units requested over 30 days: 20 a day; first notice 03-01 09:00, closed 03-11 09:00: 10 days → 200 units.
    const report = buildCommitted(input({ lines }));
    expect(report.networkBuffer).toMatchObject({ hubId: 'HUB', dailyDemand: 20, gap: { days: 10, until: 'last-backorder-closed' }, uncapped: 200, units: 200, cap: 200 });
    const [buffer] = report.recommendations;
    expect(buffer).toMatch(/^Hold a network buffer of 200 units of SKU-1 at hub HUB \(safety stock there today: 20\): 20 units\/day of demand × the 10-day gap/);
    expect(report.recommendations.join('\n')).not.toMatch(/at S1|spoke S1/);

    // A longer gap is capped at the units backordered at commit.
    const longer = buildCommitted(input({ lines, closedAt: '2025-03-31T09:00:00.000Z' }));
    expect(longer.networkBuffer).toMatchObject({ uncapped: 600, units: 200 });
    expect(longer.recommendations[0]).toContain('capped at the 200 units backordered at commit');
  });

  it("uses the purchase order's final ETA when the backorders did not close, and nothing when nothing went short", () => {
    const purchaseOrders = [{ poId: 'PO-1', originalEta: '2025-03-05', finalEta: '2025-03-15' }];
    expect(actualGap({ from: '2025-03-01T09:00:00.000Z', closedAt: null, purchaseOrders })).toEqual({ days: 14, until: 'final-eta' });
    expect(actualGap({ from: '2025-03-01T09:00:00.000Z', closedAt: null, purchaseOrders: [] })).toBeNull();
    const hub = { locationId: 'HUB', kind: 'hub' as const, onHand: 0, reserved: 0, safetyStock: 0 };
    const gap = { days: 14, until: 'final-eta' as const };
    expect(networkBuffer({ lines: [{ requested: 10, requestedDate: '2025-03-01' }], asOf: '2025-03-01', gap, shortAtCommit: 0, hub })).toBeNull();
    // Overdue demand counts as due today.
    expect(networkBuffer({ lines: [{ requested: 10, requestedDate: '2025-02-01' }], asOf: '2025-03-01', gap, shortAtCommit: 500, hub })).toMatchObject({ dailyDemand: 10, units: 140 });
  });

  it('says by how many days a purchase order slipped, from the ETA the assessment counted on', () => {
    const orders = [
      { poId: 'PO-2', originalEta: '2025-03-13', finalEta: '2025-03-13' },
      { poId: 'PO-1', originalEta: '2025-03-13', finalEta: '2025-03-24' },
      { poId: 'PO-3', originalEta: '2025-03-13', finalEta: '2025-03-10' },
    ];
    expect(etaSlips(orders)).toEqual([{ poId: 'PO-1', originalEta: '2025-03-13', finalEta: '2025-03-24', slipDays: 11 }]);
    const report = buildCommitted(input({ purchaseOrders: orders, lines: [line('L1', 'C1', 'basic', 10, { backorders: { fulfilled: 10, cancelled: 0, open: 0 } })] }));
    expect(report.recommendations).toContain(
      "Purchase order PO-1 arrived 11 days later than promised (ETA 2025-03-13 → 2025-03-24): review the supplier's ETA reliability for SKU-1 and plan on the slipped date.",
    );
  });

  it('asks for substitute stock when it ran out, and a review of all-or-nothing lines the plan skipped', () => {
    const advice = recommendations({
      sku: 'A',
      outcome: 'closed',
      hubId: 'HUB',
      buffer: null,
      etaSlips: [],
      substitutes: [
        { sku: 'B', availableAtCommit: 40, usedAtCommit: 40, freeAtClose: 0 },
        { sku: 'C', availableAtCommit: 40, usedAtCommit: 10, freeAtClose: 30 },
      ],
      backorderedAtCommit: 50,
      skippedAllOrNothing: { lines: 2, units: 90, customers: 1 },
      poolLeftAtCommit: 12,
      firstNoticeAfterMinutes: 30,
      fillRateAtCommit: 0.9,
      cancelledUnits: 0,
    });
    expect(advice).toEqual([
      'Substitute B ran out (40 of 40 free units used at commit, 0 free at closing): keep substitute stock ready at hub HUB for A.',
      '2 all-or-nothing lines (90 units, 1 customer) skipped at commit because they did not fit whole, while 12 units of the pool stayed unused: review with those customers whether they accept partial shipments.',
    ]);
  });

  it('a false alarm only asks to review the critical level', () => {
    const report = buildIncidentReport(input({ outcome: 'false-alarm', state: state({ plan: null, commit: null }) }));
    expect(report.recommendations).toEqual(['Review the critical level of SKU-1: it triggered an incident although demand was covered.']);
    // No buffer, and nothing else a false alarm did not go through.
    expect(report).not.toHaveProperty('networkBuffer');
  });
});

describe('scope: a report covers what was committed and sent', () => {
  it('a false alarm says by how much the demand is covered, and nothing else', () => {
    const impact = { ...sampleState().impact!, shortage: -175, demand: 1_000, available: 1_175 };
    const report = buildIncidentReport(input({ outcome: 'false-alarm', state: state({ plan: null, commit: null, impact }) }));
    expect(report).toMatchObject({ scope: 'false-alarm', cover: { demand: 1_000, available: 1_175, spare: 175 } });
    for (const figure of ['overall', 'byStage', 'shortage', 'backorderAgeing', 'networkBuffer', 'largestCustomer', 'firstNoticeAfterMinutes']) {
      expect(report, figure).not.toHaveProperty(figure);
    }
  });

  it('an incident cancelled before commit reports no commit figures, losses, ageing or fill rate, and advises from the trigger only', () => {
    const lines = [line('L1', 'C1', 'basic', 300, { allocated: 100 }), line('L2', 'C2', 'basic', 300, { requestedDate: '2025-03-30' })];
    const report = buildIncidentReport(
      input({
        outcome: 'cancelled',
        lines,
        state: state({ commit: null, firstNoticeAt: null, timeline: [], cancelRequested: { reason: 'supplier found stock', cancelledBy: 'carla' } }),
        purchaseOrders: [{ poId: 'PO-1', originalEta: '2025-03-13', finalEta: '2025-03-20' }],
      }),
    );
    expect(report).toMatchObject({ scope: 'not-committed', plannedRevision: samplePlan().revision, cancellation: { cancelledBy: 'carla' } });
    for (const figure of ['overall', 'byStage', 'backorderAgeing', 'backorderBurnDown', 'networkBuffer', 'largestCustomer', 'customerShares']) {
      expect(report, figure).not.toHaveProperty(figure);
    }
    const advice = report.recommendations.join('\n');
    expect(advice).toContain('cancelled before its plan was committed (carla: supplier found stock)');
    // A slipped ETA was learned; a buffer, a fill rate or losses were not.
    expect(advice).toContain('Purchase order PO-1 arrived 7 days later');
    expect(advice).not.toMatch(/buffer|gap customers|fill rate|lost|safety stock there/i);
  });
});

describe('order rounds', () => {
  it('shows each order round, and the burn-down adds what a round backordered before the restock that served it', () => {
    const orderRound = { at: '2025-03-04T09:00:00.000Z', placed: 2, raised: 1, lowered: 1, reservedUnits: 3, backorderedUnits: 20 };
    const report = buildCommitted(
      input({
        lines: [line('L1', 'B1', 'basic', 100, { allocated: 70, backorders: { fulfilled: 30, cancelled: 0, open: 0 } })],
        orderRounds: [orderRound],
        rounds: [{ receiptId: 'GR-1', at: '2025-03-10T09:00:00.000Z', fulfilled: [{ lineId: 'L1', quantity: 30 }, { lineId: 'NEW-1', quantity: 20 }] }],
      }),
    );
    expect(report.orderRounds).toEqual([orderRound]);
    expect(report.backorderBurnDown).toEqual([
      { at: '2025-03-01T09:00:00.000Z', openUnits: 30 },
      { at: orderRound.at, openUnits: 50 },
      { at: '2025-03-10T09:00:00.000Z', openUnits: 0 },
      { at: '2025-03-11T09:00:00.000Z', openUnits: 0 },
    ]);
  });
});
