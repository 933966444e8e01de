// A plan line whose order was lowered or cancelled before the commit, trimmed to what it still orders: given
// back in the inventory system's order (backorder, then the SKU's units, then whole substitutes), every unit
// of what it still orders accounted for. Pure.
import { describe, expect, it } from 'vitest';
import type { LineAllocation } from '../../src/allocation/types';
import { planAtCommit, trimmedToOrder } from '../../src/incident/orders-at-commit';

function line(figures: Partial<LineAllocation>): LineAllocation {
  const base = { lineId: 'L1', customerId: 'C1', stage: 'basic', requested: 10, allocated: 6, substitutes: [], substituted: 0, backordered: 4, releasedConfirmation: 0, reasons: [] };
  return { ...base, ...figures };
}

describe('the plan as the orders stand at commit', () => {
  it('leaves a line that still orders what the plan gives it, or more', () => {
    expect(trimmedToOrder(line({}), 10)).toBeNull();
    expect(trimmedToOrder(line({}), 12)).toBeNull();
  });

  it('gives back the backordered units first, then units of the SKU', () => {
    expect(trimmedToOrder(line({}), 7)).toMatchObject({ requested: 7, allocated: 6, backordered: 1 });
    expect(trimmedToOrder(line({}), 2)).toMatchObject({ requested: 2, allocated: 2, backordered: 0 });
    expect(trimmedToOrder(line({}), 0)).toMatchObject({ requested: 0, allocated: 0, backordered: 0, substituted: 0 });
  });

  it('drops substitutes whole, the last first, and backorders what a dropped one covered beyond the excess', () => {
    const substituted = line({ allocated: 2, backordered: 0, substituted: 8, substitutes: [{ sku: 'S1', quantity: 3, covers: 3 }, { sku: 'S2', quantity: 5, covers: 5 }] });
    const trimmed = trimmedToOrder(substituted, 6)!;
    expect(trimmed).toMatchObject({ requested: 6, allocated: 0, substituted: 3, substitutes: [{ sku: 'S1', quantity: 3, covers: 3 }], backordered: 3 });
    expect(trimmed.allocated + trimmed.substituted + trimmed.backordered).toBe(trimmed.requested);
  });

  it('trims only the lines that order less, counting the lines and the units given back', () => {
    const lines = [line({ lineId: 'L1' }), line({ lineId: 'L2' }), line({ lineId: 'L3' })];
    const atCommit = planAtCommit(lines, new Map([['L1', 3], ['L2', 10], ['L3', 0]]));
    expect(atCommit.trimmedLines).toBe(2);
    expect(atCommit.unitsGivenBack).toBe(17);
    expect(atCommit.lines[1]).toBe(lines[1]);
    expect(atCommit.lines.map((l) => l.requested)).toEqual([3, 10, 0]);
  });
});
