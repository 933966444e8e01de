// Impact assessment: the numbers of one worked example, the false alarm, severity levels, and folding
// demand page by page giving exactly the one-shot answer.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { assessImpact, emptyImpact, finishImpact, foldDemandPage, type ImpactCustomer, type ImpactLine, type PositionInput } from '../../src/impact/assess';

const AS_OF = '2024-05-06';

const position = (locationId: string, kind: 'hub' | 'spoke', onHand: number, reserved: number, safetyStock: number, inTransit = 0): PositionInput => ({
  locationId,
  kind,
  onHand,
  reserved,
  safetyStock,
  inTransit,
});
const demand = (lineId: string, customerId: string, quantity: number, confirmedQuantity: number, requestedDate: string, unitPrice: number): ImpactLine => ({
  lineId,
  customerId,
  quantity,
  confirmedQuantity,
  requestedDate,
  unitPrice,
});

const positions = [position('HUB', 'hub', 100, 30, 10), position('S1', 'spoke', 20, 5, 5, 10), position('S2', 'spoke', 5, 10, 0)];
const customers: ImpactCustomer[] = [
  { customerId: 'C1', stage: 'basic', accountManagerId: 'am1' },
  { customerId: 'C2', stage: 'integrated', accountManagerId: 'am1' },
  { customerId: 'C3', stage: 'basic', accountManagerId: 'am2', critical: true },
];
const lines = [
  demand('L1', 'C1', 50, 10, '2024-05-08', 10),
  demand('L2', 'C2', 30, 0, '2024-05-10', 20),
  demand('L3', 'C3', 40, 0, '2024-05-20', 5),
  demand('L4', 'C1', 10, 10, '2024-05-08', 10),
];
const inbound = [
  { poId: 'PO1', quantity: 100, eta: '2024-05-20' },
  { poId: 'PO2', quantity: 50, eta: '2024-05-16' },
];
const context = { sku: 'SKU-1', positions, inbound, asOf: AS_OF, policy: DEFAULT_POLICY };

describe('impact assessment', () => {
  it('measures shortage, who is affected, the gap, cover and severity', () => {
    // Available: hub 60, S1 20 (in transit counts), S2 over-reserved counts 0. Open demand 40 + 30 + 40 (L4 is confirmed).
    expect(assessImpact({ ...context, lines, customers })).toEqual({
      sku: 'SKU-1',
      shortage: 30,
      available: 80,
      demand: 110,
      affectedLines: 3,
      affectedCustomers: 3,
      affectedAccountManagers: 2,
      criticalCustomers: 1,
      // 1200 of open demand, 30/110 of it.
      revenueAtRisk: 327.27,
      gapDays: 10,
      // 40 by 05-08 and 70 by 05-10 are covered; 110 by 05-20 is not.
      daysOfCover: 14,
      // 27 % short: 'high' (≥ 25 %), not yet 'critical' (50 % or 30 days).
      severity: 'high',
      byStage: [
        { stage: 'basic', lines: 2, customers: 2, demand: 80, demandValue: 600 },
        { stage: 'integrated', lines: 1, customers: 1, demand: 30, demandValue: 600 },
      ],
    });
  });

  it('closes as a false alarm when the network covers the demand, with the numbers', () => {
    const impact = assessImpact({ ...context, lines: lines.slice(0, 2), customers });
    expect(impact).toMatchObject({ shortage: -10, available: 80, demand: 70, severity: 'none', revenueAtRisk: 0, daysOfCover: null, affectedLines: 2 });
  });

  it('grades severity by the policy thresholds', () => {
    const grade = (over: Partial<{ lines: ImpactLine[]; inbound: typeof inbound; customers: ImpactCustomer[] }>) =>
      assessImpact({ ...context, lines: [demand('L', 'C1', 84, 0, '2024-05-30', 1)], customers, ...over }).severity;
    // 4 short of 84 (under 5 %), next PO in 10 days: medium by the gap.
    expect(grade({})).toBe('medium');
    expect(grade({ inbound: [{ poId: 'P', quantity: 1, eta: '2024-05-09' }] })).toBe('low');
    // No inbound at all: the gap is open-ended and meets every gap criterion.
    expect(grade({ inbound: [] })).toBe('critical');
    // A critical customer among those affected: high.
    expect(grade({ inbound: [{ poId: 'P', quantity: 1, eta: '2024-05-09' }], lines: [demand('L', 'C3', 84, 0, '2024-05-30', 1)] })).toBe('high');
  });

  it('folds demand page by page to exactly the one-shot answer, the accumulator surviving JSON between pages', () => {
    const ids = ['C1', 'C2', 'C3', '__proto__'];
    const pageCustomers: ImpactCustomer[] = [...customers, { customerId: '__proto__', stage: 'cooperative', accountManagerId: 'am3' }];
    const lineArb = fc.record({
      customerId: fc.constantFrom(...ids),
      quantity: fc.integer({ min: 0, max: 50 }),
      confirmed: fc.integer({ min: 0, max: 50 }),
      day: fc.integer({ min: 1, max: 28 }),
      cents: fc.integer({ min: 0, max: 10_000 }),
    });
    fc.assert(
      fc.property(fc.array(lineArb, { maxLength: 40 }), fc.integer({ min: 1, max: 7 }), (raw, pageSize) => {
        const all = raw.map((r, i) =>
          demand(`L${i}`, r.customerId, r.quantity, Math.min(r.confirmed, r.quantity), `2024-05-${String(r.day).padStart(2, '0')}`, r.cents / 100),
        );
        let acc = emptyImpact();
        for (let i = 0; i < all.length; i += pageSize) {
          acc = JSON.parse(JSON.stringify(foldDemandPage(acc, all.slice(i, i + pageSize), pageCustomers)));
        }
        expect(finishImpact(acc, context)).toEqual(assessImpact({ ...context, lines: all, customers: pageCustomers }));
      }),
      { numRuns: 100 },
    );
  });

  it('names a line whose customer is missing', () => {
    expect(() => foldDemandPage(emptyImpact(), [demand('L9', 'NOPE', 5, 0, '2024-05-08', 1)], customers)).toThrow(
      'line L9: customer NOPE is missing from the page',
    );
  });
});
