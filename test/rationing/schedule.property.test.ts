// Properties of rationing over the period (src/rationing/schedule.ts) over generated plans, gaps and period
// lengths: allotments conserve each share, never exceed it, and a re-plan for a new ETA keeps what was released.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  allotLines,
  changedCustomers,
  customersWithNothing,
  periodsUntil,
  planRations,
  replanRations,
  sharesOfPlan,
  stockLasts,
  withReleased,
  type RationSchedule,
} from '../../src/rationing/schedule';

const RUNS = { numRuns: 300 };
const START = '2030-01-01T09:30:00.000Z';
const addDays = (days: number) => new Date(Date.parse('2030-01-01T00:00:00Z') + days * 86_400_000).toISOString().slice(0, 10);

const lineArb = fc.record({
  customer: fc.integer({ min: 0, max: 7 }),
  allocated: fc.integer({ min: 0, max: 500 }),
  confirmed: fc.integer({ min: 0, max: 100 }),
  released: fc.boolean(),
});
const stockArb = fc.option(fc.record({ quantity: fc.integer({ min: 0, max: 600 }), dailyUsage: fc.integer({ min: 0, max: 20 }) }), { nil: undefined });

/** A plan's lines with their confirmations and the customers' reported stock, a gap and a period length. */
const situationArb = fc.record({
  lines: fc.array(lineArb, { minLength: 1, maxLength: 30 }),
  stocks: fc.array(stockArb, { minLength: 8, maxLength: 8 }),
  gapDays: fc.integer({ min: 1, max: 90 }),
  periodDays: fc.integer({ min: 1, max: 30 }),
});

type Situation = typeof situationArb extends fc.Arbitrary<infer T> ? T : never;

function scheduleOf(situation: Situation) {
  const lines = situation.lines.map((l, i) => ({
    lineId: `L${i}`,
    customerId: `C${l.customer}`,
    allocated: l.allocated,
    releasedConfirmation: l.released ? l.confirmed : 0,
    confirmed: l.confirmed,
  }));
  const shares = sharesOfPlan(
    lines,
    (lineId) => lines.find((l) => l.lineId === lineId)!.confirmed,
    (customerId) => situation.stocks[Number(customerId.slice(1))],
  );
  const schedule = planRations({ shares, startAt: START, until: addDays(situation.gapDays), periodDays: situation.periodDays });
  return { lines, shares, schedule };
}

const sum = (values: number[]) => values.reduce((t, v) => t + v, 0);
const total = (schedule: RationSchedule) => sum(schedule.customers.map((c) => sum(c.allotments)));

describe('rationing schedule', () => {
  it('conserves the pool: every customer with a share gets it all over the periods, and the allotments add up to the shares', () => {
    fc.assert(
      fc.property(situationArb, (situation) => {
        const { shares, schedule, lines } = scheduleOf(situation);
        const periods = periodsUntil(START, addDays(situation.gapDays), situation.periodDays);
        if (periods <= 1) {
          expect(schedule).toBeNull();
          return;
        }
        expect(schedule!.periods).toBe(periods);
        // Shares are the pool units the plan gave beyond kept confirmations.
        const kept = sum(lines.map((l) => (l.releasedConfirmation > 0 ? 0 : Math.min(l.confirmed, l.allocated))));
        expect(sum(shares.map((s) => s.share))).toBe(sum(lines.map((l) => l.allocated)) - kept);
        expect(total(schedule!)).toBe(sum(shares.map((s) => s.share)));
        for (const c of schedule!.customers) {
          expect(c.allotments).toHaveLength(periods);
          expect(sum(c.allotments)).toBe(c.share);
          expect(c.allotments.every((a) => Number.isInteger(a) && a >= 0 && a <= c.share)).toBe(true);
        }
      }),
      RUNS,
    );
  });

  it('gives nothing in a period its stock lasts, unless it lasts every period, and never counts such a customer as left with nothing', () => {
    fc.assert(
      fc.property(situationArb, (situation) => {
        const { schedule } = scheduleOf(situation);
        if (!schedule) return;
        for (const c of schedule.customers) {
          const covered = c.allotments.map((_, p) => stockLasts(c, p + 1, schedule.periodDays));
          if (covered.every(Boolean)) expect(c.allotments.at(-1)).toBe(c.share);
          else c.allotments.forEach((a, p) => {
            if (covered[p]) expect(a).toBe(0);
          });
          // Even: the open periods differ by at most one unit, the earlier ones the larger.
          const open = c.allotments.filter((_, p) => !covered[p]);
          if (open.length > 1) expect(Math.max(...open) - Math.min(...open)).toBeLessThanOrEqual(1);
          for (let p = 1; p < open.length; p++) expect(open[p]!).toBeLessThanOrEqual(open[p - 1]!);
        }
        for (let period = 1; period <= schedule.periods; period++) {
          const nothing = schedule.customers.filter((c) => c.allotments[period - 1] === 0 && !stockLasts(c, period, schedule.periodDays)).length;
          expect(customersWithNothing(schedule, period)).toBe(nothing);
        }
      }),
      RUNS,
    );
  });

  it('re-plans only the periods not yet released, still adding up to each share, for an ETA earlier or later', () => {
    fc.assert(
      fc.property(situationArb, fc.integer({ min: 0, max: 10 }), fc.integer({ min: 1, max: 120 }), (situation, releasedPick, newGapDays) => {
        const { schedule } = scheduleOf(situation);
        if (!schedule) return;
        const released = withReleased(schedule, releasedPick % (schedule.periods + 1));
        const replanned = replanRations(released, addDays(newGapDays));
        expect(replanned.released).toBe(released.released);
        expect(replanned.periods).toBeGreaterThan(released.released);
        expect(replanned.periods).toBe(Math.max(released.released + 1, periodsUntil(START, addDays(newGapDays), schedule.periodDays)));
        expect(total(replanned)).toBe(total(schedule));
        for (const c of replanned.customers) {
          const before = released.customers.find((b) => b.customerId === c.customerId)!;
          expect(c.allotments.slice(0, released.released)).toEqual(before.allotments.slice(0, released.released));
          expect(sum(c.allotments)).toBe(c.share);
          expect(c.allotments.every((a) => a >= 0 && a <= c.share)).toBe(true);
        }
        // Those told are exactly the customers whose periods to come changed.
        for (const c of replanned.customers) {
          const before = released.customers.find((b) => b.customerId === c.customerId)!;
          const later = (a: number[]) => JSON.stringify(Array.from({ length: Math.max(a.length, c.allotments.length, before.allotments.length) }, (_, p) => a[p] ?? 0).slice(released.released));
          expect(changedCustomers(released, replanned).includes(c.customerId)).toBe(later(before.allotments) !== later(c.allotments));
        }
        // The same ETA again changes nothing.
        expect(replanRations(replanned, addDays(newGapDays))).toEqual(replanned);
      }),
      RUNS,
    );
  });

  it('reserves an allotment for open lines in the order given, never more than a line still needs nor than the allotment', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 400 }), fc.array(fc.integer({ min: -5, max: 100 }), { maxLength: 10 }), (allotment, opens) => {
        const lines = opens.map((open, i) => ({ lineId: `L${i}`, open }));
        const reserved = allotLines(allotment, lines);
        const used = sum(reserved.map((r) => r.quantity));
        expect(used).toBe(Math.min(allotment, sum(opens.map((o) => Math.max(0, o)))));
        for (const r of reserved) expect(r.quantity).toBeLessThanOrEqual(lines.find((l) => l.lineId === r.lineId)!.open);
      }),
      RUNS,
    );
  });

  it('example: 200 over an ETA 14 days out in weeks is 100 now and 100 a week later; a slip of a week re-plans the rest', () => {
    const schedule = planRations({ shares: [{ customerId: 'C1', share: 200, stockDays: 0 }], startAt: START, until: '2030-01-15', periodDays: 7 })!;
    expect(schedule.customers[0]!.allotments).toEqual([100, 100]);
    const slipped = replanRations(withReleased(schedule, 1), '2030-01-22');
    expect(slipped.customers[0]!.allotments).toEqual([100, 50, 50]);
    expect(changedCustomers(withReleased(schedule, 1), slipped)).toEqual(['C1']);
  });
});
