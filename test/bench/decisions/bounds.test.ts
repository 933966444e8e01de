// The decision bench's bounds hold for every allocation: the engine's and each baseline's real allocation
// of every bench crisis obeys them (a bound a real allocation breaks is wrong), and small hand-made crises
// give their exact values.
import { describe, expect, it } from 'vitest';
import { allocate } from '../../../src/allocation/engine';
import { DEFAULT_POLICY } from '../../../src/allocation/policy';
import type { AllocationInput, CustomerProfile, DemandLine } from '../../../src/allocation/types';
import { firstComeFirstServed, proportional, strictPriority, type Outcome } from './baselines';
import { bestMeanFillWithPareto, jainCeiling, leastLargestShare, mostFillWithin, relaxationOf, waterLevel } from './bounds';
import { crises } from './crises';
import { EPS, figuresOf } from './metrics';

const ALLOCATIONS: Record<string, (input: AllocationInput) => Outcome> = {
  engine: (input) => {
    const byId = new Map(allocate(input).lines.map((l) => [l.lineId, l]));
    return input.lines.map((l) => ({ allocated: byId.get(l.lineId)!.allocated, substituted: byId.get(l.lineId)!.substituted }));
  },
  FCFS: firstComeFirstServed,
  'strict priority': strictPriority,
  proportional,
};

describe('bounds against the real allocations of every bench crisis', () => {
  const all = crises(240);
  for (const [name, allocation] of Object.entries(ALLOCATIONS)) {
    it(`${name}: its largest share, fills and Jain are within the bounds its own fills give`, () => {
      const broken: string[] = [];
      for (const crisis of all) {
        const f = figuresOf(crisis.input, allocation(crisis.input));
        const r = relaxationOf(crisis.input);
        for (const [group, fill] of [
          ['critical', f.criticalFill],
          ['strategic', f.strategicFill],
        ] as const) {
          if (fill === null) continue;
          if (leastLargestShare(r, group, fill) > f.largestShare + EPS) broken.push(`crisis ${crisis.id}: ${group} largest share`);
          if (mostFillWithin(r, group, f.largestShare) < fill - EPS) broken.push(`crisis ${crisis.id}: ${group} fill within its share`);
        }
        const jain = jainCeiling(r, { critical: f.criticalFill ?? undefined, strategic: f.strategicFill ?? undefined });
        if (jain === null || jain < f.jain - EPS) broken.push(`crisis ${crisis.id}: Jain ${f.jain} above ${jain}`);
      }
      expect(broken).toEqual([]);
    });
  }
});

/** A crisis of whole customers: one line each, all partial, no confirmations. */
function crisisOf(pool: number, customers: { demand: number; critical?: boolean; stage?: string; substitutes?: boolean }[], substitutes: AllocationInput['substitutes'] = []): AllocationInput {
  const profiles: CustomerProfile[] = customers.map((c, i) => ({ customerId: `C${i}`, stage: c.stage ?? 'basic', critical: c.critical ?? false, acceptsSubstitutes: c.substitutes ?? false }));
  const lines: DemandLine[] = customers.map((c, i) => ({
    lineId: `L${i}`,
    orderId: `O${i}`,
    customerId: `C${i}`,
    sku: 'SKU-X',
    quantity: c.demand,
    confirmedQuantity: 0,
    requestedDate: '2024-05-10',
    orderDate: '2024-05-01',
    unitPrice: 10,
    unitMargin: 2,
    packSize: 1,
    partialAllowed: true,
    substitutesAllowed: true,
  }));
  return { sku: 'SKU-X', pool, lines, customers: profiles, substitutes, policy: DEFAULT_POLICY, asOf: '2024-05-06' };
}

describe('bounds on hand-made crises', () => {
  it('water level: Σ min(cap, L) = total', () => {
    expect(waterLevel([20, 50], 63)).toBe(43);
    expect(waterLevel([20, 50, 50], 63)).toBe(21.5);
  });

  it('two critical customers asking 50 and 20 of 100 units: at 90 % critical fill one holds 43 % of the supply at least', () => {
    const r = relaxationOf(crisisOf(100, [{ demand: 50, critical: true }, { demand: 20, critical: true }, { demand: 100 }]));
    // 63 units needed: 20 to the smaller fills it, the larger takes the other 43.
    expect(leastLargestShare(r, 'critical', 0.9)).toBeCloseTo(0.43, 12);
  });

  it('a substitute the larger critical customer accepts covers 10 of those units: 33 % then', () => {
    const input = crisisOf(100, [{ demand: 50, critical: true, substitutes: true }, { demand: 20, critical: true }, { demand: 100 }], [
      { sku: 'SUB-A', ratio: 2, priceDelta: 0, available: 20, packSize: 1 },
    ]);
    // Less the millionth of a substitute unit the relaxation forgives the callers' rounding.
    expect(leastLargestShare(relaxationOf(input), 'critical', 0.9)).toBeCloseTo(0.33, 6);
  });

  it('75 % integrated fill out of reach: 10 units for 100 asked', () => {
    const r = relaxationOf(crisisOf(10, [{ demand: 100, stage: 'integrated' }, { demand: 5 }]));
    expect(leastLargestShare(r, 'strategic', 0.75)).toBe(Infinity);
    expect(mostFillWithin(r, 'strategic', 1)).toBeCloseTo(0.1, 12);
  });

  it('no customer above 30 % of 100 units: critical customers asking 50 and 20 fill 50 of 70 at most', () => {
    const r = relaxationOf(crisisOf(100, [{ demand: 50, critical: true }, { demand: 20, critical: true }, { demand: 100 }]));
    expect(mostFillWithin(r, 'critical', 0.3)).toBeCloseTo(5 / 7, 12);
  });

  it('Jain: an interdependent and a basic customer asking 10 each of 10 units, 75 % to the first: (0.75, 0.25), Jain 0.8', () => {
    const r = relaxationOf(crisisOf(10, [{ demand: 10, stage: 'interdependent' }, { demand: 10 }]));
    const jain = jainCeiling(r, { strategic: 0.75 })!;
    // An upper bound, as close to the optimum as the multipliers found make it.
    expect(jain).toBeGreaterThanOrEqual(0.8);
    expect(jain).toBeCloseTo(0.8, 3);
    expect(jainCeiling(r, {})).toBe(1);
  });

  it('Jain: targets no allocation meets together give none', () => {
    // A critical customer and an integrated one asking 10 each of 10 units, 90 % to each.
    const r = relaxationOf(crisisOf(10, [{ demand: 10, critical: true }, { demand: 10, stage: 'integrated' }]));
    expect(jainCeiling(r, { critical: 0.9, strategic: 0.9 })).toBeNull();
  });

  it('best mean under Pareto on 95 % of 20 crises: one crisis may leave the share, the one that gains most', () => {
    const fills = Array.from({ length: 20 }, (_, i) => (i === 0 ? null : { any: i === 5 ? 1 : 0.6, withinFcfsShare: 0.5 }));
    expect(bestMeanFillWithPareto(fills)).toBeCloseTo((19 * 0.5 + 0.5) / 19, 12);
  });
});
