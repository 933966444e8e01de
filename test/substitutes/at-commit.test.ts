// A plan's substitutes fitted to their stock at the commit: what is left goes to the lines in priority order, a
// line that ships partially keeps what fits in whole packs, an all-or-nothing line's substitute is kept or
// dropped whole (and the line, left incomplete, gives back its units of the SKU), what the incident already holds
// stays as held, and what no substitute covers is backordered. Pure.
import { describe, expect, it } from 'vitest';
import type { LineAllocation } from '../../src/allocation/types';
import { heldKey, substitutesAtCommit } from '../../src/substitutes/at-commit';

function line(lineId: string, substitutes: LineAllocation['substitutes'], figures: Partial<LineAllocation> = {}): LineAllocation {
  const substituted = substitutes.reduce((sum, s) => sum + s.covers, 0);
  return { lineId, customerId: `C-${lineId}`, stage: 'basic', requested: 20, allocated: 20 - substituted, substitutes, substituted, backordered: 0, releasedConfirmation: 0, reasons: ['substituted'], ...figures };
}

const twoForOne = { ratio: 2, packSize: 4 };
const partial = () => ({ partialAllowed: true, confirmed: 0 });

describe('substitutes as their stock stands at the commit', () => {
  it('leaves a plan whose substitutes all fit as it is', () => {
    const lines = [line('L1', [{ sku: 'S', quantity: 8, covers: 4 }]), line('L2', [])];
    const fitted = substitutesAtCommit(lines, ['L1', 'L2'], new Map([['S', { ...twoForOne, available: 8 }]]), partial);
    expect(fitted.trimmedLines).toBe(0);
    expect(fitted.lines[0]).toBe(lines[0]);
    expect(fitted.substitutes).toEqual([{ sku: 'S', planned: 8, available: 8, taken: 8 }]);
  });

  it('serves the lines in priority order, the one that no longer fits keeping what fits in whole packs', () => {
    const lines = [line('L1', [{ sku: 'S', quantity: 8, covers: 4 }]), line('L2', [{ sku: 'S', quantity: 8, covers: 4 }]), line('L3', [{ sku: 'S', quantity: 8, covers: 4 }])];
    // L3 ranks first, then L1: 14 units left take L3 whole and 4 (one pack, two original units) for L1; L2 gets none.
    const fitted = substitutesAtCommit(lines, ['L3', 'L1', 'L2'], new Map([['S', { ...twoForOne, available: 14 }]]), partial);
    expect(fitted.lines.map((l) => l.lineId)).toEqual(['L1', 'L2', 'L3']);
    expect(fitted.lines[2]).toBe(lines[2]);
    expect(fitted.lines[0]).toMatchObject({ substitutes: [{ sku: 'S', quantity: 4, covers: 2 }], substituted: 2, backordered: 2 });
    expect(fitted.lines[1]).toMatchObject({ substitutes: [], substituted: 0, backordered: 4, reasons: [] });
    expect(fitted.lines[0]!.reasons).toEqual(['substituted']);
    expect(fitted).toMatchObject({ trimmedLines: 2, unitsBackordered: 6, substitutes: [{ sku: 'S', planned: 24, available: 14, taken: 12 }] });
    for (const l of fitted.lines) expect(l.allocated + l.substituted + l.backordered).toBe(l.requested);
  });

  it('drops an all-or-nothing line’s substitute whole, the line keeps only its confirmation and gives the pool’s units back, and a line after it may take what is left', () => {
    // L1 ships complete or not at all: 14 of its 20 units of the SKU, 4 of them confirmed before the incident and kept.
    const lines = [
      line('L1', [{ sku: 'S', quantity: 12, covers: 6 }], { reasons: ['confirmation-kept', 'substituted', 'fully-served'] }),
      line('L2', [{ sku: 'S', quantity: 4, covers: 2 }]),
    ];
    const terms = (lineId: string) => (lineId === 'L1' ? { partialAllowed: false, confirmed: 4 } : { partialAllowed: true, confirmed: 0 });
    const fitted = substitutesAtCommit(lines, ['L1', 'L2'], new Map([['S', { ...twoForOne, available: 8 }]]), terms);
    expect(fitted.lines[0]).toEqual({
      ...lines[0],
      allocated: 4,
      substitutes: [],
      substituted: 0,
      backordered: 16,
      reasons: ['confirmation-kept', 'all-or-nothing-skipped'],
    });
    expect(fitted.lines[1]).toBe(lines[1]);
    expect(fitted).toMatchObject({ trimmedLines: 1, unitsBackordered: 16, unitsGivenBack: 10 });
  });

  it('backorders what a partial line’s substitute no longer covers, and no longer calls the line served in full', () => {
    const lines = [line('L1', [{ sku: 'S', quantity: 8, covers: 4 }], { reasons: ['substituted', 'fully-served'] })];
    const fitted = substitutesAtCommit(lines, ['L1'], new Map([['S', { ...twoForOne, available: 4 }]]), partial);
    expect(fitted.lines[0]).toMatchObject({ allocated: 16, substitutes: [{ sku: 'S', quantity: 4, covers: 2 }], backordered: 2, reasons: ['substituted'] });
    expect(fitted).toMatchObject({ unitsBackordered: 2, unitsGivenBack: 0 });
  });

  it('keeps what the incident already holds for a line as held, before the others, and drops a substitute it no longer finds', () => {
    const lines = [line('L1', [{ sku: 'S', quantity: 8, covers: 4 }]), line('L2', [{ sku: 'S', quantity: 8, covers: 4 }, { sku: 'GONE', quantity: 3, covers: 3 }])];
    // An earlier attempt held 4 of S for L2 (cut to one pack); L1 ranks first but gets only what is left beside it.
    const held = new Map([[heldKey('L2', 'S'), 4]]);
    const fitted = substitutesAtCommit(lines, ['L1', 'L2'], new Map([['S', { ...twoForOne, available: 8 }]]), partial, held);
    expect(fitted.lines[0]).toMatchObject({ substitutes: [{ sku: 'S', quantity: 4, covers: 2 }], backordered: 2 });
    expect(fitted.lines[1]).toMatchObject({ substitutes: [{ sku: 'S', quantity: 4, covers: 2 }], substituted: 2, backordered: 5 });
    expect(fitted.substitutes).toEqual([
      { sku: 'GONE', planned: 3, available: 0, taken: 0 },
      { sku: 'S', planned: 16, available: 8, taken: 8 },
    ]);
  });
});
