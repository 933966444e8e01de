// A plan's substitutes fitted to their stock at the commit: what is left goes to the lines in priority order, a
// line that ships partially keeps what fits in whole packs, an all-or-nothing line's substitute is kept or
// dropped whole, what the incident already holds stays as held, and what no substitute covers is backordered.
// Pure.
import { describe, expect, it } from 'vitest';
import type { LineAllocation } from '../../src/allocation/types';
import { heldKey, substitutesAtCommit } from '../../src/substitutes/at-commit';

function line(lineId: string, substitutes: LineAllocation['substitutes'], figures: Partial<LineAllocation> = {}): LineAllocation {
  const substituted = substitutes.reduce((sum, s) => sum + s.covers, 0);
  return { lineId, customerId: `C-${lineId}`, stage: 'basic', requested: 20, allocated: 20 - substituted, substitutes, substituted, backordered: 0, releasedConfirmation: 0, reasons: ['substituted'], ...figures };
}

const twoForOne = { ratio: 2, packSize: 4 };
const partial = () => true;

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
    // Two units of the substitute are left, less than a pack: it did not run out.
    expect(fitted.lines[0]!.reasons).toEqual(['substituted']);
    expect(fitted).toMatchObject({ trimmedLines: 2, unitsBackordered: 6, substitutes: [{ sku: 'S', planned: 24, available: 14, taken: 12 }] });
    for (const l of fitted.lines) expect(l.allocated + l.substituted + l.backordered).toBe(l.requested);
  });

  it('drops an all-or-nothing line’s substitute whole, the line keeps its units and says it was skipped, and a line after it may take what is left', () => {
    // L1's 14 units of the SKU: its confirmation and a planner's pin, which the commit keeps as approved.
    const lines = [
      line('L1', [{ sku: 'S', quantity: 12, covers: 6 }], { reasons: ['override', 'confirmation-kept', 'substituted', 'fully-served'] }),
      line('L2', [{ sku: 'S', quantity: 4, covers: 2 }]),
    ];
    const fitted = substitutesAtCommit(lines, ['L1', 'L2'], new Map([['S', { ...twoForOne, available: 8 }]]), (lineId) => lineId !== 'L1');
    expect(fitted.lines[0]).toEqual({ ...lines[0], substitutes: [], substituted: 0, allocated: 14, backordered: 6, reasons: ['override', 'confirmation-kept', 'all-or-nothing-skipped'] });
    expect(fitted.lines[1]).toBe(lines[1]);
    expect(fitted).toMatchObject({ trimmedLines: 1, unitsBackordered: 6, exceptions: [] });
  });

  it('says the stock ran out only when none of the substitute is left, not for a substitute no longer found', () => {
    const lines = [line('L1', [{ sku: 'S', quantity: 8, covers: 4 }]), line('L2', [{ sku: 'T', quantity: 8, covers: 4 }])];
    // S has 4 units, all taken by L1; T is no longer a substitute of the SKU.
    const fitted = substitutesAtCommit(lines, ['L1', 'L2'], new Map([['S', { ...twoForOne, available: 4 }]]), partial);
    expect(fitted.lines[0]).toMatchObject({ substituted: 2, backordered: 2, reasons: ['substituted', 'pool-exhausted'] });
    expect(fitted.lines[1]).toMatchObject({ substituted: 0, backordered: 4, reasons: [] });
  });

  it('no longer calls a line served in full once it has a backorder, and makes a short must-win line an exception for a person, as the engine words it', () => {
    const lines = [
      line('L1', [{ sku: 'S', quantity: 8, covers: 4 }], { reasons: ['substituted', 'fully-served'] }),
      line('L2', [{ sku: 'S', quantity: 8, covers: 4 }], { reasons: ['confirmation-kept', 'substituted', 'fully-served', 'confirmation-won'] }),
    ];
    const fitted = substitutesAtCommit(lines, ['L1', 'L2'], new Map([['S', { ...twoForOne, available: 4 }]]), partial);
    expect(fitted.lines[0]).toMatchObject({ substituted: 2, backordered: 2, reasons: ['substituted', 'pool-exhausted'] });
    expect(fitted.lines[1]).toMatchObject({ substituted: 0, backordered: 4, reasons: ['confirmation-kept', 'win-exception', 'pool-exhausted'] });
    expect(fitted.exceptions).toEqual(['line L2 (customer C-L2) must be served in full but 4 of 20 units are missing: decide by hand']);
    expect(fitted.lines[1]!.exception).toBe(fitted.exceptions[0]);
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
