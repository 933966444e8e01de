// What each line got over the incident, as the closing and status notices state it: the plan's allocation and
// what order rounds reserved for lines placed or raised during the incident ship at once; only reservations
// beyond those came from restocks. Pure.
import { describe, expect, it } from 'vitest';
import { incidentTotals } from '../../src/notifications/notices';
import { releasesByLine } from '../../src/rationing/schedule';

const SKU = 'SKU-1';
const reserved = (lineId: string, quantity: number) => ({ lineId, sku: SKU, quantity, status: 'active' as const });

describe('incident totals per line', () => {
  it("counts a new line's units reserved by its order round as shipped at once, and its restocked units from restocks", () => {
    const totals = incidentTotals({
      sku: SKU,
      plan: [{ lineId: 'L-1', customerId: 'C-1', allocated: 4, releasedConfirmation: 0 }],
      orderRounds: [
        { lineId: 'NEW-1', allocated: 5 },
        // A plan line raised during the incident: its round's units add to the plan's.
        { lineId: 'L-1', allocated: 2 },
      ],
      confirmed: new Map(),
      // The plan's 4 and the round's 2 for L-1, then 3 from a restock; the round's 5 for NEW-1, then 1 from a restock.
      reservations: [reserved('L-1', 4), reserved('L-1', 2), reserved('L-1', 3), reserved('NEW-1', 5), reserved('NEW-1', 1)],
      backorders: [],
    });
    expect(totals.get('NEW-1')).toEqual({ shippedAtOnce: 5, shippedFromRestocks: 1, cancelled: 0 });
    expect(totals.get('L-1')).toEqual({ shippedAtOnce: 6, shippedFromRestocks: 3, cancelled: 0 });
  });

  it('without order rounds, counts what the plan did not reserve as from restocks', () => {
    const totals = incidentTotals({
      sku: SKU,
      plan: [{ lineId: 'L-1', customerId: 'C-1', allocated: 4, releasedConfirmation: 0 }],
      confirmed: new Map(),
      reservations: [reserved('L-1', 4), reserved('NEW-1', 5)],
      backorders: [],
    });
    expect(totals.get('NEW-1')).toEqual({ shippedAtOnce: 0, shippedFromRestocks: 5, cancelled: 0 });
  });

  it("counts a rationed line's period 1 and kept confirmation as shipped at once, its later periods per period, and only the rest from restocks", () => {
    const totals = incidentTotals({
      sku: SKU,
      // C-1's share is rationed: L-1 allocated 10, 2 of them a confirmation it keeps; L-2 (C-2) is not rationed.
      plan: [
        { lineId: 'L-1', customerId: 'C-1', allocated: 10, releasedConfirmation: 0 },
        { lineId: 'L-2', customerId: 'C-2', allocated: 4, releasedConfirmation: 0 },
      ],
      rations: releasesByLine(['C-1'], [[{ lineId: 'L-1', quantity: 3 }], [{ lineId: 'L-1', quantity: 3 }], [{ lineId: 'L-1', quantity: 2 }]]),
      confirmed: new Map([['L-1', 2]]),
      // Periods 1-3 reserved 3, 3 and 2 for L-1, then a restock 1; the plan reserved L-2's 4.
      reservations: [reserved('L-1', 3), reserved('L-1', 3), reserved('L-1', 2), reserved('L-1', 1), reserved('L-2', 4)],
      backorders: [],
    });
    expect(totals.get('L-1')).toEqual({ shippedAtOnce: 5, shippedInPeriods: 5, shippedFromRestocks: 1, cancelled: 0 });
    expect(totals.get('L-2')).toEqual({ shippedAtOnce: 4, shippedFromRestocks: 0, cancelled: 0 });
  });
});
