// The one substitute rule: only for customers and lines that accept substitutes, the first substitute by
// SKU whose free stock covers every open backorder, each shipping in whole packs.
import { describe, expect, it } from 'vitest';
import { substituteOffer, substituteRefusal, takesSubstitutes } from '../../src/substitutes/offer';

const accepting = { acceptsSubstitutes: true };
const allowed = { substitutesAllowed: true };

describe('substitute rule', () => {
  it('needs both the customer and the line to accept substitutes', () => {
    expect(substituteRefusal(accepting, allowed)).toBeNull();
    expect(substituteRefusal({ acceptsSubstitutes: false }, allowed)).toBe('customer-refuses');
    expect(substituteRefusal(accepting, { substitutesAllowed: false })).toBe('line-forbids');
    expect(takesSubstitutes({ acceptsSubstitutes: false }, { substitutesAllowed: false })).toBe(false);
    expect(substituteOffer(accepting, { substitutesAllowed: false }, [{ sku: 'B', ratio: 1, packSize: 1, available: 100 }], [5])).toEqual({
      kind: 'refused',
      refusal: 'line-forbids',
    });
  });

  it('offers the first substitute by SKU whose free stock covers every backorder, each in whole packs', () => {
    const tooLittle = { sku: 'A2', ratio: 2, packSize: 1, available: 13 };
    const enough = { sku: 'B2', ratio: 2, packSize: 6, available: 24 };
    // 3 units at 2 each take 6 (one pack), 4 take 8, rounded up to 12: 18 in all.
    expect(substituteOffer(accepting, allowed, [enough, tooLittle], [3, 4])).toEqual({ kind: 'offer', substitute: enough, quantities: [6, 12], quantity: 18 });
    expect(substituteOffer(accepting, allowed, [{ ...enough, available: 17 }, tooLittle], [3, 4])).toEqual({ kind: 'no-stock' });
    expect(substituteOffer(accepting, allowed, [enough], [])).toEqual({ kind: 'no-stock' });
  });
});
