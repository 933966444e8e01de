// Pooling spoke stock into the hub: only what is needed, largest spare first, never below safety stock.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { freeStock } from '../../src/pooling/free-stock';
import { planPooling, type PoolingPosition } from '../../src/pooling/plan';

const at = (locationId: string, onHand: number, reserved = 0, safetyStock = 0): PoolingPosition => ({ locationId, onHand, reserved, safetyStock });

describe('pooling plan', () => {
  it('takes only what is needed, largest spare first, ties by location id', () => {
    const plan = planPooling({
      sku: 'SKU-1',
      hubId: 'HUB',
      // Spares: HUB ignored, S-B 30, S-A 30, S-C 10, S-D none (reserved + safety exceed on hand).
      positions: [at('HUB', 500), at('S-C', 20, 5, 5), at('S-B', 40, 5, 5), at('S-A', 35, 5, 0), at('S-D', 10, 8, 5)],
      needed: 65,
    });
    expect(plan).toEqual({
      sku: 'SKU-1',
      transfers: [
        { fromLocationId: 'S-A', toLocationId: 'HUB', quantity: 30 },
        { fromLocationId: 'S-B', toLocationId: 'HUB', quantity: 30 },
        { fromLocationId: 'S-C', toLocationId: 'HUB', quantity: 5 },
      ],
      pooled: 65,
    });
  });

  it('moves nothing when nothing is needed, and all the spare when more is', () => {
    const positions = [at('HUB', 0), at('S1', 10, 2, 3)];
    expect(planPooling({ sku: 'X', hubId: 'HUB', positions, needed: 0 })).toEqual({ sku: 'X', transfers: [], pooled: 0 });
    expect(planPooling({ sku: 'X', hubId: 'HUB', positions, needed: -4 }).transfers).toEqual([]);
    expect(planPooling({ sku: 'X', hubId: 'HUB', positions, needed: 100 }).pooled).toBe(5);
  });

  it('refuses a location listed twice and impossible stock figures', () => {
    expect(() => planPooling({ sku: 'X', hubId: 'HUB', positions: [at('S1', 5), at('S1', 6)], needed: 3 })).toThrow('positions: location S1 is listed twice');
    expect(() => planPooling({ sku: 'X', hubId: 'HUB', positions: [at('S1', -5)], needed: 3 })).toThrow('positions.S1.onHand: must be a whole number ≥ 0, got -5');
  });

  it('pools min(needed, total spare), each spoke giving no more than its spare, once', () => {
    const positionArb = fc.uniqueArray(
      fc.record({ locationId: fc.constantFrom('HUB', 'A', 'B', 'C', 'D', 'E'), onHand: fc.nat(100), reserved: fc.nat(60), safetyStock: fc.nat(30) }),
      { selector: (p) => p.locationId },
    );
    fc.assert(
      fc.property(positionArb, fc.integer({ min: -10, max: 400 }), (positions, needed) => {
        const plan = planPooling({ sku: 'X', hubId: 'HUB', positions, needed });
        const spare = new Map<string, number>(positions.filter((p) => p.locationId !== 'HUB').map((p) => [p.locationId, freeStock(p)]));
        const totalSpare = [...spare.values()].reduce((a, s) => a + s, 0);
        expect(plan.pooled).toBe(Math.min(Math.max(0, needed), totalSpare));
        expect(new Set(plan.transfers.map((t) => t.fromLocationId)).size).toBe(plan.transfers.length);
        for (const t of plan.transfers) {
          expect(t.toLocationId).toBe('HUB');
          expect(t.quantity).toBeGreaterThan(0);
          expect(t.quantity).toBeLessThanOrEqual(spare.get(t.fromLocationId)!);
        }
      }),
      { numRuns: 150 },
    );
  });
});
