// Credits by relationship stage: the stage's percent of the value left backordered, per customer, to the cent.
import { describe, expect, it } from 'vitest';
import { parsePolicy } from '../../src/allocation/policy';
import { creditsFor } from '../../src/compensation/credits';

// Default stages: cooperative 2 %, interdependent and integrated 5 %, the others no compensation.
const policy = parsePolicy({});
const line = (customerId: string, stage: string, backordered: number, unitPrice: number) => ({ customerId, stage, backordered, unitPrice });

describe('creditsFor', () => {
  it('sums each customer’s backordered value at its stage’s percent, rounded to the cent, in the order of its first line', () => {
    expect(
      creditsFor([line('C2', 'cooperative', 3, 3.33), line('C1', 'integrated', 10, 10), line('C2', 'cooperative', 1, 0.5), line('C3', 'basic', 50, 10)], policy),
    ).toEqual([
      { customerId: 'C2', amount: 0.21 }, // (9.99 + 0.5) × 2 % = 0.2098
      { customerId: 'C1', amount: 5 },
    ]);
  });

  it('owes nothing for lines served in full, stages without compensation or amounts below a cent', () => {
    expect(creditsFor([line('C1', 'integrated', 0, 10), line('C3', 'exploratory', 5, 10), line('C4', 'cooperative', 1, 0.1)], policy)).toEqual([]);
    expect(creditsFor([line('C1', 'unknown-stage', 5, 10)], policy)).toEqual([]);
  });
});
