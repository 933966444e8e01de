// Free stock, the one figure pooling, substitutes and offers use, and the unreserved stock a restored
// confirmation may take, which does not hold back the safety stock.
import { describe, expect, it } from 'vitest';
import { freeStock, unreservedStock } from '../../src/pooling/free-stock';

describe('free stock', () => {
  it('is on hand less reserved and safety stock, never less than nothing', () => {
    expect(freeStock({ onHand: 100, reserved: 10, safetyStock: 5 })).toBe(85);
    expect(freeStock({ onHand: 10, reserved: 8, safetyStock: 5 })).toBe(0);
  });

  it('unreserved stock counts the safety stock in, never less than nothing', () => {
    expect(unreservedStock({ onHand: 100, reserved: 10 })).toBe(90);
    expect(unreservedStock({ onHand: 10, reserved: 12 })).toBe(0);
  });
});
