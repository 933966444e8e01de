// Days of cover, the one measure both the impact assessment and the threshold scan use.
import { describe, expect, it } from 'vitest';
import { coverInWords, daysOfCover, skusAtRisk } from '../../src/impact/cover';

const AS_OF = '2026-11-24';

describe('days of cover', () => {
  it('is the distance to the first requested date the available stock no longer covers', () => {
    expect(daysOfCover({ '2026-11-26': 50, '2026-11-30': 50, '2026-12-05': 50 }, 120, AS_OF)).toBe(11);
    expect(daysOfCover({ '2026-11-26': 50, '2026-11-30': 50 }, 80, AS_OF)).toBe(6);
  });

  it('is zero when overdue demand already exceeds the stock, and null when everything is covered', () => {
    expect(daysOfCover({ '2026-11-01': 10 }, 5, AS_OF)).toBe(0);
    expect(daysOfCover({ '2026-11-26': 50 }, 50, AS_OF)).toBeNull();
    expect(daysOfCover({}, 0, AS_OF)).toBeNull();
  });
});

describe('days of cover in words', () => {
  it('says what the available stock does, so no figure contradicts the other', () => {
    // The two triggers: "0 days of cover (8112 units available)" and "4 days of cover (0 units available)".
    expect(coverInWords(0, 8112)).toBe('0 days: the 8112 units available are less than the open demand already due');
    expect(coverInWords(4, 0)).toBe('4 days: nothing is available, and the first open demand is due in 4 days');
    expect(coverInWords(0, 0)).toBe('0 days: nothing is available and open demand is already due');
    expect(coverInWords(6, 100)).toBe('6 days: the 100 units available serve the open demand, earliest requested date first, for 6 days');
    expect(coverInWords(null, 50)).toBe('unlimited: the 50 units available cover all open demand');
  });
});

describe('SKUs at risk', () => {
  const position = (sku: string, available: number, demand: [string, number][]) => ({
    sku,
    available,
    demandByDate: demand.map(([date, quantity]) => ({ date, quantity })),
    nextInboundEta: null,
  });

  it('keeps exactly the SKUs whose cover falls below the critical level', () => {
    const positions = [
      position('SHORT-NOW', 10, [['2026-11-20', 30]]),
      position('SHORT-IN-6-DAYS', 100, [
        ['2026-11-25', 60],
        ['2026-11-30', 60],
      ]),
      position('SHORT-IN-7-DAYS', 100, [['2026-12-01', 101]]),
      position('COVERED', 100, [['2026-11-25', 100]]),
      position('NO-DEMAND', 0, []),
    ];
    expect(skusAtRisk(positions, AS_OF, 7)).toEqual([
      { sku: 'SHORT-NOW', daysOfCover: 0, available: 10, nextInboundEta: null },
      { sku: 'SHORT-IN-6-DAYS', daysOfCover: 6, available: 100, nextInboundEta: null },
    ]);
  });

  it('adds up demand given twice for one date', () => {
    expect(skusAtRisk([position('A', 100, [['2026-11-25', 60], ['2026-11-25', 60]])], AS_OF, 7)).toHaveLength(1);
  });
});
