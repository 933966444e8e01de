// The allocation engine in the situations the playbook seeds describe (shared/seeds): each test is one
// situation, with the numbers worked out by hand in its comments.
import { describe, expect, it } from 'vitest';
import { AllocationInputError, allocate, summarizePlan } from '../../src/allocation/engine';
import type { AllocationPlan, DemandLine } from '../../src/allocation/types';
import { byCustomer, customer, input, line, lineOf, policy } from './fixtures';

const NO_CAP = { capPercent: 100 };
/** The sharing rules before issue 12, kept for incidents planned under them (policy.ts, rulesVersion). */
const V1 = { rulesVersion: 1 as const };
/** Each priority class served line by line in priority order, before rule 9 (policy.ts) lifted it to one fill rate. */
const V4 = { rulesVersion: 4 as const };
/** Reasons of a critical line alone in its class under version 2: first pack, floor, held at the cap until no other critical customer could use the rest. */
const CRITICAL_ALONE = ['critical-priority', 'customer-floor', 'fair-share-floor', 'concentration-cap', 'cap-released', 'confirmation-won', 'fully-served'];

/** The open backorders a plan leaves, as a restock round takes them (what activities/follow-up.ts does). */
function restockLines(plan: AllocationPlan, lines: DemandLine[]): DemandLine[] {
  return lines.flatMap((l) => {
    const open = plan.lines.find((p) => p.lineId === l.lineId)?.backordered ?? 0;
    return open > 0 ? [{ ...l, quantity: open, confirmedQuantity: 0 }] : [];
  });
}

function expectConserved(plan: AllocationPlan) {
  for (const l of plan.lines) expect(l.allocated + l.substituted + l.backordered).toBe(l.requested);
}

describe('fair sharing (seeds 002, 004)', () => {
  it('the largest strategic account does not take the whole pool (seed 004)', () => {
    const situation = input({
      pool: 100,
      customers: [customer('BIG', 'integrated'), customer('S1', 'basic'), customer('S2', 'basic'), customer('S3', 'basic')],
      lines: [line('big', 'BIG', 400), line('s1', 'S1', 30), line('s2', 'S2', 30), line('s3', 'S3', 30)],
    });
    // Cap 40 % of 100 = 40. Floors: BIG min(120, cap 40) = 40, each small 9; then priority (version 4): S1 +21, S2 +12.
    const plan = allocate({ ...situation, policy: policy(V4) });
    expect(byCustomer(plan)).toEqual({ BIG: 40, S1: 30, S2: 21, S3: 9 });
    expect(plan.largestCustomerShare).toBe(0.4);
    expect(plan.largestCustomerId).toBe('BIG');
    expect(lineOf(plan, 'big').reasons).toContain('concentration-cap');
    expect(plan.totals.customersWithNothing).toBe(0);

    // The same pool without a cap: floors exceed the pool and split in proportion, BIG takes 82.
    expect(byCustomer(allocate({ ...situation, policy: policy({ ...NO_CAP, ...V1 }) })).BIG).toBe(82);
    // Version 2 first hands each customer its first pack (1 unit each), then splits the 96 left: BIG 81.
    expect(byCustomer(allocate({ ...situation, policy: policy({ ...NO_CAP, ...V4 }) })).BIG).toBe(81);
    expect(byCustomer(allocate({ ...situation, policy: policy(NO_CAP) })).BIG).toBe(81);
    // Version 5 lifts the three basic customers to one fill rate after the floors: 11 more each.
    const levelled = allocate(situation);
    expect(byCustomer(levelled)).toEqual({ BIG: 40, S1: 20, S2: 20, S3: 20 });
    expect(levelled.largestCustomerShare).toBe(0.4);
  });

  it('the cap is released only when nobody else can use the rest', () => {
    const plan = allocate(
      input({ pool: 100, customers: [customer('BIG', 'integrated'), customer('S1', 'basic')], lines: [line('big', 'BIG', 400), line('s1', 'S1', 10)] }),
    );
    // S1 is served in full under the cap; then the 50 nobody else can use go to BIG.
    expect(byCustomer(plan)).toEqual({ BIG: 90, S1: 10 });
    expect(plan.poolLeft).toBe(0);
    expect(lineOf(plan, 'big').reasons).toEqual(expect.arrayContaining(['concentration-cap', 'cap-released']));
  });

  it('pooled stock is shared fairly across relationship stages (seed 002)', () => {
    const stages = ['exploratory', 'basic', 'cooperative', 'interdependent', 'integrated'];
    const plan = allocate(
      input({ pool: 200, customers: stages.map((s) => customer(s, s)), lines: stages.map((s) => line(`line-${s}`, s, 100)) }),
    );
    // Floors 30 each (150), the 50 left go to the highest stage, which the cap (80) then stops.
    expect(plan.byStage.map((s) => [s.stage, s.allocated, s.fillRate])).toEqual([
      ['exploratory', 30, 0.3],
      ['basic', 30, 0.3],
      ['cooperative', 30, 0.3],
      ['interdependent', 30, 0.3],
      ['integrated', 80, 0.8],
    ]);
    expect(plan.totals).toMatchObject({ customersWithNothing: 0, allocated: 200, backordered: 300, fillRate: 0.4 });
  });

  it('when the pool cannot cover every floor it is split in proportion to demand (largest remainder)', () => {
    const situation = (rules: object) =>
      input({
        pool: 10,
        policy: policy({ ...NO_CAP, ...rules }),
        customers: [customer('A', 'basic'), customer('B', 'basic'), customer('C', 'basic')],
        lines: [line('a', 'A', 100), line('b', 'B', 50), line('c', 'C', 20)],
      });
    const plan = allocate(situation(V1));
    // Floors 30/15/6 (51) > 10: quotas 5.88/2.94/1.18 → 5/2/1, the two units left to the largest remainders (B, then A).
    expect(byCustomer(plan)).toEqual({ A: 6, B: 3, C: 1 });
    expect(lineOf(plan, 'c').reasons).toEqual(expect.arrayContaining(['fair-share-floor', 'proportional-split']));
    // Version 2: first packs (1 each), then the 7 left by what the floors still need, 29/14/5: 4.23/2.04/0.73 → 4/2/0, the last unit to C.
    const v2 = allocate(situation({}));
    expect(byCustomer(v2)).toEqual({ A: 5, B: 3, C: 2 });
    expect(lineOf(v2, 'c').reasons).toEqual(expect.arrayContaining(['customer-floor', 'fair-share-floor', 'proportional-split']));
  });
});

describe('priority (seed 002: urgency and impact)', () => {
  it('a life-safety customer is served first, in full', () => {
    const situation = (rules: object) =>
      input({
        pool: 50,
        policy: policy(rules),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('BIG', 'integrated'), customer('C', 'cooperative')],
        lines: [line('hosp', 'HOSP', 30), line('big', 'BIG', 100), line('c', 'C', 40)],
      });
    // HOSP wins 30 ahead of every stage; the 20 left cannot cover the floors (BIG 30, C 12): 14/6 in proportion.
    const plan = allocate(situation(V1));
    expect(lineOf(plan, 'hosp')).toMatchObject({ allocated: 30, backordered: 0 });
    expect(lineOf(plan, 'hosp').reasons).toEqual(['critical-priority', 'confirmation-won', 'fully-served']);
    expect(byCustomer(plan)).toEqual({ HOSP: 30, BIG: 14, C: 6 });
    // Version 2: first packs (1 each); HOSP alone in the critical class gets its 30; BIG and C still need 29 and 11 of the 18 left: 13/5.
    const v2 = allocate(situation({}));
    expect(lineOf(v2, 'hosp').reasons).toEqual(CRITICAL_ALONE);
    expect(byCustomer(v2)).toEqual({ HOSP: 30, BIG: 14, C: 6 });
  });

  it('within a stage an urgent order comes before a better-margin one; beyond the window margin decides', () => {
    const customers = [customer('U', 'basic'), customer('M', 'basic')];
    const rules = policy({ floorPercent: 0, ...NO_CAP, ...V4 });
    const urgent = allocate(
      input({
        pool: 20,
        policy: rules,
        customers,
        lines: [line('u', 'U', 15, { requestedDate: '2024-05-09', unitMargin: 1 }), line('m', 'M', 15, { requestedDate: '2024-06-30', unitMargin: 9 })],
      }),
    );
    expect(byCustomer(urgent)).toEqual({ U: 15, M: 5 });

    const neither = allocate(
      input({
        pool: 20,
        policy: rules,
        customers,
        lines: [line('u', 'U', 15, { requestedDate: '2024-06-01', unitMargin: 1 }), line('m', 'M', 15, { requestedDate: '2024-06-30', unitMargin: 9 })],
      }),
    );
    expect(byCustomer(neither)).toEqual({ U: 5, M: 15 });

    // Version 5 lifts the urgent lines of a stage first, then all its lines to one fill rate: margin orders
    // only a customer's own lines (and ties), so neither urgent, U and M share alike.
    const levelled = (requestedDate: string) =>
      byCustomer(
        allocate(
          input({
            pool: 20,
            policy: policy({ floorPercent: 0, ...NO_CAP }),
            customers,
            lines: [line('u', 'U', 15, { requestedDate, unitMargin: 1 }), line('m', 'M', 15, { requestedDate: '2024-06-30', unitMargin: 9 })],
          }),
        ),
      );
    expect(levelled('2024-05-09')).toEqual({ U: 15, M: 5 });
    expect(levelled('2024-06-01')).toEqual({ U: 10, M: 10 });
  });
});

describe('rationing (seed 002: customers with a balance on hand)', () => {
  const customers = [customer('A', 'cooperative'), customer('H', 'cooperative', { reportedOnHand: { quantity: 300, dailyUsage: 10 } })];
  const lines = [line('a', 'A', 40), line('h', 'H', 40)];

  it('a customer who holds stock is deferred, not dropped (rules version 1: after the cap is lifted)', () => {
    // H's 30 days of stock ≥ 14: A is served in full first, H gets what is left and keeps a backorder.
    const plan = allocate(input({ pool: 60, customers, lines, policy: policy(V1) }));
    expect(lineOf(plan, 'a')).toMatchObject({ allocated: 40, backordered: 0 });
    expect(lineOf(plan, 'h')).toMatchObject({ allocated: 20, backordered: 20 });
    expect(lineOf(plan, 'h').reasons).toEqual(expect.arrayContaining(['deferred-holds-stock', 'rationed-days-of-supply']));

    const short = allocate(input({ pool: 30, customers, lines, policy: policy(V1) }));
    expect(lineOf(short, 'h')).toMatchObject({ allocated: 0, backordered: 40 });
    expect(lineOf(short, 'h').reasons).toEqual(['deferred-holds-stock', 'pool-exhausted']);
    expect(lineOf(short, 'a').allocated).toBe(30);
  });

  it('customers who hold stock are evened out by days of supply', () => {
    const plan = allocate(
      input({
        pool: 30,
        policy: policy(NO_CAP),
        customers: [
          customer('H1', 'basic', { reportedOnHand: { quantity: 150, dailyUsage: 10 } }),
          customer('H2', 'basic', { reportedOnHand: { quantity: 160, dailyUsage: 10 } }),
        ],
        lines: [line('h1', 'H1', 50), line('h2', 'H2', 50)],
      }),
    );
    // 15 and 16 days: H1 first catches up, then both rise together to 17 days.
    expect(byCustomer(plan)).toEqual({ H1: 20, H2: 10 });
  });

  it('rationing off: reported stock changes nothing', () => {
    const plan = allocate(input({ pool: 60, customers, lines, policy: policy({ rationing: { enabled: false } }) }));
    expect(lineOf(plan, 'h').reasons).not.toContain('deferred-holds-stock');
    // Floors 12 each, both up to the cap of 24, the last 12 to A (first by line id).
    expect(byCustomer(plan)).toEqual({ A: 36, H: 24 });
  });
});

describe('order constraints', () => {
  it('an all-or-nothing order is skipped, not split', () => {
    const plan = allocate(
      input({
        pool: 50,
        customers: [customer('A', 'integrated'), customer('B', 'basic')],
        lines: [line('a', 'A', 60, { partialAllowed: false }), line('b', 'B', 30)],
      }),
    );
    // 60 never fits in 50: A gets nothing rather than a part, B is served, 20 stay in the pool.
    expect(lineOf(plan, 'a')).toMatchObject({ allocated: 0, backordered: 60 });
    expect(lineOf(plan, 'a').reasons).toContain('all-or-nothing-skipped');
    expect(lineOf(plan, 'b').allocated).toBe(30);
    expect(plan.poolLeft).toBe(20);

    const fits = allocate(
      input({ pool: 100, customers: [customer('A', 'integrated')], lines: [line('a', 'A', 60, { partialAllowed: false })] }),
    );
    expect(lineOf(fits, 'a').allocated).toBe(60);
  });

  it('units ship in whole packs; a line may complete with a short last pack', () => {
    const packs = allocate(
      input({ pool: 25, policy: policy(NO_CAP), customers: [customer('A', 'basic')], lines: [line('a', 'A', 40, { packSize: 12 })] }),
    );
    expect(lineOf(packs, 'a')).toMatchObject({ allocated: 24, backordered: 16 });
    expect(lineOf(packs, 'a').reasons).toContain('pack-size-rounded');
    expect(packs.poolLeft).toBe(1);

    const complete = allocate(input({ pool: 100, customers: [customer('A', 'basic')], lines: [line('a', 'A', 40, { packSize: 12 })] }));
    expect(lineOf(complete, 'a')).toMatchObject({ allocated: 40, backordered: 0 });
    expect(lineOf(complete, 'a').reasons).not.toContain('pack-size-rounded');
  });
});

describe('existing confirmations follow the segment strategy (ERP backorder processing)', () => {
  const segments = policy({
    floorPercent: 0,
    ...NO_CAP,
    confirmations: {
      rules: [
        { match: { stage: 'integrated' }, strategy: 'win' },
        { match: { stage: 'interdependent' }, strategy: 'gain' },
        { match: { stage: 'cooperative' }, strategy: 'redistribute' },
        { match: { stage: 'basic' }, strategy: 'fill' },
        { match: { stage: 'exploratory' }, strategy: 'lose' },
      ],
    },
  });
  const customers = [
    customer('W', 'integrated'),
    customer('G', 'interdependent'),
    customer('R', 'cooperative'),
    customer('F', 'basic'),
    customer('L', 'exploratory'),
  ];
  const lines = [
    line('w', 'W', 50, { confirmedQuantity: 10 }),
    line('g', 'G', 40, { confirmedQuantity: 20 }),
    line('r', 'R', 40, { confirmedQuantity: 20 }),
    line('f', 'F', 40, { confirmedQuantity: 20 }),
    line('l', 'L', 30, { confirmedQuantity: 10 }),
  ];

  it('win is served in full, gain keeps and gains, redistribute gains, fill keeps part, lose gives back', () => {
    // Supply 60 + 80 confirmed = 140. W and G keep 30; W wins 40 more, G gains 20, R 40, F 10 of its 20, L none.
    const plan = allocate(input({ pool: 60, policy: segments, customers, lines }));
    expect(plan.lines.map((l) => [l.lineId, l.allocated, l.releasedConfirmation])).toEqual([
      ['f', 10, 10],
      ['g', 40, 0],
      ['l', 0, 10],
      ['r', 40, 0],
      ['w', 50, 0],
    ]);
    expect(lineOf(plan, 'w').reasons).toContain('confirmation-won');
    expect(lineOf(plan, 'f').reasons).toEqual(expect.arrayContaining(['segment-fill-limit', 'confirmation-released']));
    expect(lineOf(plan, 'l').reasons).toEqual(expect.arrayContaining(['segment-lose', 'confirmation-released']));
    expect(plan).toMatchObject({ confirmedKept: 60, confirmedReleased: 20, poolUsed: 80, poolLeft: 0 });
  });

  it('redistribute may lose its confirmation to a higher stage', () => {
    const plan = allocate(input({ pool: 10, policy: segments, customers, lines }));
    expect(lineOf(plan, 'r')).toMatchObject({ allocated: 0, releasedConfirmation: 20 });
    expect(lineOf(plan, 'g').allocated).toBe(40);
  });

  it('fill never gains, however much is free', () => {
    const plan = allocate(input({ pool: 100, policy: segments, customers: [customer('F', 'basic')], lines: [line('f', 'F', 40, { confirmedQuantity: 20 })] }));
    expect(lineOf(plan, 'f')).toMatchObject({ allocated: 20, backordered: 20, releasedConfirmation: 0 });
    expect(plan.poolLeft).toBe(100);
  });

  it('a restock clears the backorders of fill and lose segments too, in priority order', () => {
    // The plan above leaves f (fill) and l (lose) 30 units backordered each. Their strategies ruled the stock
    // confirmed before the incident; a receipt goes to open backorders by priority: F (basic) before L (exploratory).
    const plan = allocate(input({ pool: 60, policy: segments, customers, lines }));
    const round = (after: AllocationPlan, from: DemandLine[], pool: number, alreadyReceived: Record<string, number>) =>
      allocate(input({ pool, policy: segments, customers, lines: restockLines(after, from), alreadyReceived }));

    const first = round(plan, lines, 40, byCustomer(plan));
    expect(first.lines.map((l) => [l.lineId, l.allocated, l.backordered, l.reasons])).toEqual([
      ['f', 30, 0, ['stage-priority', 'fully-served']],
      ['l', 10, 20, ['stage-priority', 'pool-exhausted']],
    ]);
    // The receipt after it clears what is left, to the last unit.
    const second = round(first, restockLines(plan, lines), 20, { ...byCustomer(plan), F: 40, L: 10 });
    expect(second.lines.map((l) => [l.lineId, l.allocated, l.backordered])).toEqual([['l', 20, 0]]);
    expect(second.poolLeft).toBe(0);
  });

  it('a win line that cannot be served in full is an exception for a person', () => {
    const plan = allocate(input({ pool: 0, policy: segments, customers: [customer('W', 'integrated')], lines: [line('w', 'W', 50, { confirmedQuantity: 10 })] }));
    expect(lineOf(plan, 'w')).toMatchObject({ allocated: 10, backordered: 40 });
    expect(lineOf(plan, 'w').reasons).toContain('win-exception');
    expect(plan.exceptions).toEqual(['line w (customer W) must be served in full but 40 of 50 units are missing: decide by hand']);
  });
});

describe('substitutes (seed 002: substitute/alternate products)', () => {
  it('cover what the pool leaves uncovered, at their conversion ratio', () => {
    const plan = allocate(
      input({
        pool: 0,
        customers: [customer('A', 'basic')],
        lines: [line('a', 'A', 10)],
        substitutes: [{ sku: 'T', ratio: 2, priceDelta: 1, available: 15, packSize: 1 }],
      }),
    );
    // 15 units of T at 2 per original unit cover 7 units (14 shipped); 3 stay backordered, 1 unit of T unused.
    expect(lineOf(plan, 'a')).toMatchObject({ allocated: 0, substituted: 7, backordered: 3, substitutes: [{ sku: 'T', quantity: 14, covers: 7 }] });
    expect(plan.substitutes).toEqual([{ sku: 'T', available: 15, used: 14 }]);
    expect(plan.totals.fillRate).toBe(0.7);
  });

  it('the cheapest substitute goes first; refusals are respected', () => {
    const plan = allocate(
      input({
        pool: 0,
        customers: [customer('A', 'basic'), customer('NO', 'basic', { acceptsSubstitutes: false })],
        lines: [line('a', 'A', 10), line('b', 'A', 10, { substitutesAllowed: false }), line('no', 'NO', 10)],
        substitutes: [
          { sku: 'DEAR', ratio: 1, priceDelta: 2, available: 100, packSize: 1 },
          { sku: 'CHEAP', ratio: 1, priceDelta: 0.5, available: 4, packSize: 1 },
        ],
      }),
    );
    expect(lineOf(plan, 'a').substitutes).toEqual([
      { sku: 'CHEAP', quantity: 4, covers: 4 },
      { sku: 'DEAR', quantity: 6, covers: 6 },
    ]);
    expect(lineOf(plan, 'b').substituted).toBe(0);
    expect(lineOf(plan, 'no').substituted).toBe(0);
    expectConserved(plan);
  });

  it('none when the policy turns them off', () => {
    const plan = allocate(
      input({
        pool: 0,
        policy: policy({ substitutes: { enabled: false } }),
        customers: [customer('A', 'basic')],
        lines: [line('a', 'A', 10)],
        substitutes: [{ sku: 'T', ratio: 1, priceDelta: 0, available: 100, packSize: 1 }],
      }),
    );
    expect(lineOf(plan, 'a').backordered).toBe(10);
    expect(plan.substitutes).toEqual([]);
  });
});

describe('planner overrides', () => {
  const customers = [customer('A', 'integrated'), customer('B', 'basic')];
  const lines = [line('a', 'A', 30), line('b', 'B', 30)];

  it('an override is pinned before every rule', () => {
    const plan = allocate(input({ pool: 20, customers, lines, overrides: [{ lineId: 'b', allocate: 15 }] }));
    expect(lineOf(plan, 'b')).toMatchObject({ allocated: 15, reasons: ['override', 'pool-exhausted'] });
    expect(lineOf(plan, 'a').allocated).toBe(5);
  });

  it('a bad override is refused with the line named', () => {
    const bad = (overrides: { lineId: string; allocate: number }[]) => () => allocate(input({ pool: 20, customers, lines, overrides }));
    expect(bad([{ lineId: 'b', allocate: 31 }])).toThrow("override for line b: 31 units exceed the line's request of 30");
    expect(bad([{ lineId: 'b', allocate: 25 }])).toThrow('override for line b: 25 units exceed the 20 left in the pool');
    expect(bad([{ lineId: 'a', allocate: 15 }, { lineId: 'b', allocate: 15 }])).toThrow('override for line b: 15 units exceed the 5 left in the pool');
    expect(bad([{ lineId: 'zz', allocate: 1 }])).toThrow('override for line zz: no such line in the plan');
    expect(bad([{ lineId: 'b', allocate: 31 }])).toThrow(AllocationInputError);
  });
});

describe('restock rounds', () => {
  it('a win line still comes first in a restock round, served in full past the cap', () => {
    // Critical → win by default. The cap, 40 % of the 40-unit receipt = 16, would hold any other line; BIG gets the 10 left.
    const round = allocate(
      input({
        pool: 40,
        customers: [customer('HOSP', 'basic', { critical: true }), customer('BIG', 'integrated')],
        lines: [line('hosp', 'HOSP', 30), line('big', 'BIG', 100)],
        alreadyReceived: {},
      }),
    );
    expect(byCustomer(round)).toEqual({ HOSP: 30, BIG: 10 });
    expect(lineOf(round, 'hosp').reasons).toEqual(CRITICAL_ALONE);
  });

  it('a restock counts what each customer already received in the incident', () => {
    const customers = [customer('A', 'integrated'), customer('B', 'basic')];
    const lines = [line('a', 'A', 50), line('b', 'B', 20)];
    // A already got 40 of a 60-unit incident supply: over its cap (40 % of 60 = 24) and its floor, so B comes first.
    const round = allocate(input({ pool: 20, customers, lines, alreadyReceived: { A: 40 } }));
    expect(byCustomer(round)).toEqual({ A: 0, B: 20 });
    // Forgetting the history would hand A another 12.
    expect(byCustomer(allocate(input({ pool: 20, customers, lines })))).toEqual({ A: 12, B: 8 });
  });
});

describe('bad input', () => {
  it('names the line or customer at fault', () => {
    expect(() => allocate(input({ pool: 1, customers: [customer('A', 'gold')], lines: [line('a', 'A', 1)] }))).toThrow(
      "customer A: stage 'gold' is not in policy default (exploratory, basic, cooperative, interdependent, integrated)",
    );
    expect(() => allocate(input({ pool: 1, customers: [], lines: [line('a', 'A', 1)] }))).toThrow('line a: customer A has no profile');
    expect(() => allocate(input({ pool: 1, customers: [customer('A', 'basic')], lines: [line('a', 'A', 1, { confirmedQuantity: 2 })] }))).toThrow(
      'line a: confirmedQuantity 2 exceeds quantity 1',
    );
    expect(() => allocate(input({ pool: -1, customers: [], lines: [] }))).toThrow('pool: must be a whole number ≥ 0, got -1');
    expect(() =>
      allocate(input({ pool: 1, customers: [customer('A', 'basic')], lines: [line('a', 'A', 5, { confirmedQuantity: 2 })], alreadyReceived: {} })),
    ).toThrow('line a: confirmedQuantity must be 0 in a restock round (its lines are open backorders), got 2');
  });
});

describe('the plan', () => {
  it('is the same byte for byte for the same input, in any order', () => {
    const stages = ['exploratory', 'basic', 'cooperative', 'interdependent', 'integrated'];
    const customers = Array.from({ length: 12 }, (_, i) =>
      customer(`C${i}`, stages[i % 5]!, { critical: i === 7, reportedOnHand: i % 4 === 0 ? { quantity: 200, dailyUsage: 5 } : undefined }),
    );
    const lines = Array.from({ length: 60 }, (_, i) =>
      line(`L${String(i).padStart(2, '0')}`, `C${(i * 7) % 12}`, 5 + ((i * 13) % 40), {
        confirmedQuantity: i % 6 === 0 ? 3 : 0,
        packSize: 1 + (i % 3),
        partialAllowed: i % 9 !== 0,
        requestedDate: `2024-05-${String(7 + (i % 20)).padStart(2, '0')}`,
      }),
    );
    const situation = input({ pool: 400, customers, lines, substitutes: [{ sku: 'T', ratio: 1.5, priceDelta: 1, available: 90, packSize: 2 }] });
    const first = JSON.stringify(allocate(situation));
    expect(JSON.stringify(allocate(situation))).toBe(first);
    expect(JSON.stringify(allocate({ ...situation, lines: [...lines].reverse(), customers: [...customers].reverse() }))).toBe(first);
  });

  it('summarizePlan keeps the totals and drops the lines', () => {
    const plan = allocate(input({ pool: 5, customers: [customer('A', 'basic')], lines: [line('a', 'A', 10)] }));
    const summary = summarizePlan(plan);
    expect(summary).not.toHaveProperty('lines');
    expect(summary).toMatchObject({ byStage: plan.byStage, totals: plan.totals, poolLeft: 0 });
  });
});

// The five promises of issue 12 (policy.ts, rules version 2), each in its smallest case, with version 1's outcome beside it.
describe('the promises of rules version 2', () => {
  it('customer-level floor: a customer whose floor is less than a pack still gets one pack', () => {
    const situation = (rules: object) =>
      input({
        pool: 30,
        policy: policy({ ...NO_CAP, ...rules }),
        customers: [customer('BIG', 'integrated'), customer('SMALL', 'basic')],
        lines: [line('big', 'BIG', 100), line('small', 'SMALL', 20, { packSize: 12 })],
      });
    // SMALL's floor is 6, half a pack: version 1 rounds it down to nothing; version 2 gives it its first pack of 12.
    expect(byCustomer(allocate(situation(V1)))).toEqual({ BIG: 30, SMALL: 0 });
    const plan = allocate(situation({}));
    expect(byCustomer(plan)).toEqual({ BIG: 18, SMALL: 12 });
    expect(lineOf(plan, 'small').reasons).toContain('customer-floor');
    expect(plan.totals.customersWithNothing).toBe(0);
  });

  it('critical customers share fairly: two hospitals, one asking for the whole pool', () => {
    const situation = (rules: object) =>
      input({
        pool: 50,
        policy: policy(rules),
        customers: [customer('H1', 'integrated', { critical: true }), customer('H2', 'basic', { critical: true })],
        lines: [line('h1', 'H1', 50), line('h2', 'H2', 20)],
      });
    expect(byCustomer(allocate(situation(V1)))).toEqual({ H1: 50, H2: 0 });
    // Floors 15 and 6, then priority under the cap (20): H1 to 20, H2 to 20; the 10 left to H1, nobody else can use them.
    const plan = allocate(situation({}));
    expect(byCustomer(plan)).toEqual({ H1: 30, H2: 20 });
    expect(lineOf(plan, 'h1').reasons).toEqual(expect.arrayContaining(['critical-priority', 'concentration-cap', 'cap-released', 'win-exception']));
  });

  it('criticalBeforeFloors: false sets the other customers’ floors aside before critical needs beyond their floors', () => {
    const situation = (rules: object) =>
      input({
        pool: 50,
        policy: policy(rules),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('A', 'basic'), customer('B', 'basic')],
        lines: [line('hosp', 'HOSP', 100), line('a', 'A', 40), line('b', 'B', 40)],
      });
    // Default (true): first packs, then HOSP alone in its class takes all it can: 48; A and B keep their first pack.
    expect(byCustomer(allocate(situation({})))).toEqual({ HOSP: 48, A: 1, B: 1 });
    // false: A's and B's floors (12 each) are set aside first; HOSP gets the rest.
    expect(byCustomer(allocate(situation({ criticalBeforeFloors: false })))).toEqual({ HOSP: 26, A: 12, B: 12 });
  });

  it('deferred, not dropped: a customer who can wait until the next delivery is served before the cap is lifted', () => {
    const situation = (rules: object, nextInboundEta: string | null) =>
      input({
        pool: 30,
        policy: policy(rules),
        nextInboundEta,
        customers: [customer('A', 'cooperative'), customer('H', 'cooperative', { reportedOnHand: { quantity: 300, dailyUsage: 10 } })],
        lines: [line('a', 'A', 40), line('h', 'H', 40)],
      });
    // Version 1: H's 30 days ≥ 14 defers it behind the cap release: A takes all 30.
    expect(byCustomer(allocate(situation(V1, '2024-05-16')))).toEqual({ A: 30, H: 0 });
    // Version 2, ETA in 10 days (+3): 30 days can wait; H is served under the cap (12) before it is lifted for A.
    const plan = allocate(situation({}, '2024-05-16'));
    expect(byCustomer(plan)).toEqual({ A: 18, H: 12 });
    expect(lineOf(plan, 'h').reasons).toEqual(expect.arrayContaining(['deferred-holds-stock', 'rationed-days-of-supply']));
    // ETA in 40 days: 30 days of stock cannot wait; H shares like A: floors, both to the cap, the rest to A (first by line id).
    const far = allocate(situation({}, '2024-06-15'));
    expect(lineOf(far, 'h').reasons).not.toContain('deferred-holds-stock');
    expect(byCustomer(far)).toEqual({ A: 18, H: 12 });
  });

  it('urgency relative to the gap: a line due before the next delivery comes first', () => {
    const situation = (rules: object) =>
      input({
        pool: 50,
        policy: policy({ floorPercent: 0, ...NO_CAP, ...rules }),
        nextInboundEta: '2024-06-05',
        customers: [customer('SOON', 'basic'), customer('LATER', 'basic')],
        lines: [line('soon', 'SOON', 30, { requestedDate: '2024-05-14', unitMargin: 1 }), line('later', 'LATER', 30, { requestedDate: '2024-06-15', unitMargin: 9 })],
      });
    // Due in 8 days and in 40: version 1's 7-day window lets margin decide; version 2 serves what is due before the ETA first.
    expect(byCustomer(allocate(situation(V1)))).toEqual({ SOON: 20, LATER: 30 });
    const plan = allocate(situation({}));
    expect(byCustomer(plan)).toEqual({ SOON: 30, LATER: 20 });
    expect(lineOf(plan, 'soon').reasons).toContain('urgent-before-eta');
  });

  it('work-conserving substitutes: 2 units of a ratio-2 substitute, two lines each short 1', () => {
    const situation = (rules: object) =>
      input({
        pool: 0,
        policy: policy(rules),
        customers: [customer('A', 'basic'), customer('B', 'basic')],
        lines: [line('a', 'A', 1), line('b', 'B', 1)],
        substitutes: [{ sku: 'T', ratio: 2, priceDelta: 0, available: 2, packSize: 1 }],
      });
    expect(allocate(situation(V1)).substitutes).toEqual([{ sku: 'T', available: 2, used: 0 }]);
    const plan = allocate(situation({}));
    expect(plan.substitutes).toEqual([{ sku: 'T', available: 2, used: 2 }]);
    expect(lineOf(plan, 'a')).toMatchObject({ substituted: 1, backordered: 0, substitutes: [{ sku: 'T', quantity: 2, covers: 1 }] });
    expect(lineOf(plan, 'a').reasons).toContain('substitute-top-up');
  });

  it('the top-up finds the most original units its idle substitute units cover in a few steps, not one per unit', () => {
    // Packs of a million substitute units, each covering a million million original units: the half pack left
    // idle covers no whole pack. Before issue 12 the top-up stepped down from 500,000 million units one at a time.
    const plan = allocate(
      input({
        pool: 0,
        policy: policy({}),
        customers: [customer('A', 'basic'), customer('B', 'basic')],
        lines: [line('a', 'A', 5_000_000_000_000), line('b', 'B', 5_000_000_000_000)],
        substitutes: [{ sku: 'T', ratio: 0.000001, priceDelta: 0, available: 3_500_000, packSize: 1_000_000 }],
      }),
    );
    expectConserved(plan);
    expect(plan.substitutes).toEqual([{ sku: 'T', available: 3_500_000, used: 3_000_000 }]);
    expect(lineOf(plan, 'a')).toMatchObject({ substituted: 2_000_000_000_000, substitutes: [{ sku: 'T', quantity: 2_000_000, covers: 2_000_000_000_000 }] });
    expect(lineOf(plan, 'b')).toMatchObject({ substituted: 1_000_000_000_000, substitutes: [{ sku: 'T', quantity: 1_000_000, covers: 1_000_000_000_000 }] });
  });
});

// Rules version 3 (policy.ts, rule 6), with version 2's outcome beside it.
describe('the critical class first (rules version 3)', () => {
  const V2 = { rulesVersion: 2 as const };

  it('a hospital comes before other customers’ first packs; each keeps only its smallest one', () => {
    const situation = (rules: object) =>
      input({
        pool: 30,
        policy: policy(rules),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('A', 'basic')],
        lines: [line('hosp', 'HOSP', 40), line('a1', 'A', 10, { partialAllowed: false, requestedDate: '2024-05-08' }), line('a2', 'A', 10)],
      });
    // Version 2: A's first pack is its most urgent line, all 10 of it, before HOSP shares the 20 left.
    expect(byCustomer(allocate(situation(V2)))).toEqual({ HOSP: 20, A: 10 });
    // Version 3: only A's smallest first pack (1 unit of a2) is held back; HOSP, alone in its class, takes the 29 others.
    const plan = allocate(situation({}));
    expect(byCustomer(plan)).toEqual({ HOSP: 29, A: 1 });
    expect(lineOf(plan, 'a2').reasons).toContain('customer-floor');
    expect(plan.totals.customersWithNothing).toBe(0);
  });

  it('substitutes go to the critical class first, shared by the same rules among its customers', () => {
    const situation = (rules: object) =>
      input({
        pool: 0,
        policy: policy(rules),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('A', 'basic')],
        lines: [line('hosp', 'HOSP', 10), line('a', 'A', 10)],
        substitutes: [{ sku: 'T', ratio: 1, priceDelta: 0, available: 10, packSize: 1 }],
      });
    // Version 2: floors 3 and 3, both to the cap (4), the 2 left to HOSP: 6 and 4.
    expect(allocate(situation(V2)).lines.map((l) => [l.lineId, l.substituted])).toEqual([['a', 4], ['hosp', 6]]);
    expect(allocate(situation({})).lines.map((l) => [l.lineId, l.substituted])).toEqual([['a', 0], ['hosp', 10]]);
  });
});

// Rules version 4 (policy.ts, rule 7), with version 3's outcome beside it.
describe('the critical class first when not every first pack fits (rules version 4)', () => {
  const V3 = { rulesVersion: 3 as const };

  it('a hospital’s all-or-nothing line comes before another customer’s first pack the pool cannot also hold', () => {
    const situation = (rules: object) =>
      input({
        pool: 5,
        policy: policy({ ...rules, capPercent: 100 }),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('A', 'basic')],
        lines: [line('hosp', 'HOSP', 5, { partialAllowed: false }), line('a', 'A', 1)],
      });
    // First packs 5 and 1 do not both fit in 5. Version 3 served them smallest first: A 1, and HOSP's 5 no longer fits.
    expect(byCustomer(allocate(situation(V3)))).toEqual({ HOSP: 0, A: 1 });
    // Version 4: the critical class first, then the others' first packs from what it leaves.
    const plan = allocate(situation({}));
    expect(byCustomer(plan)).toEqual({ HOSP: 5, A: 0 });
    expect(lineOf(plan, 'hosp').reasons).toEqual(expect.arrayContaining(['customer-floor', 'fully-served']));
    expect(lineOf(plan, 'a').reasons).toContain('pool-exhausted');
  });

  it('a customer who can wait and asks for billions of units is rationed in a few steps, not one per unit', () => {
    // W's 1,000 days of stock can wait; A and B cannot. Every version gives the same: A and B in full, W the rest.
    const situation = (rules: object) =>
      input({
        pool: 2_000_000_000,
        policy: policy(rules),
        customers: [customer('W', 'basic', { reportedOnHand: { quantity: 1000, dailyUsage: 1 } }), customer('A', 'basic'), customer('B', 'basic')],
        lines: [line('w1', 'W', 3_000_000_000), line('w2', 'W', 1_000_000_000), line('a', 'A', 100), line('b', 'B', 50)],
      });
    for (const rules of [{}, V3, V1]) {
      const plan = allocate(situation(rules));
      expect(byCustomer(plan)).toEqual({ W: 2_000_000_000 - 150, A: 100, B: 50 });
      expect(lineOf(plan, 'w1').reasons).toEqual(expect.arrayContaining(['deferred-holds-stock', 'cap-released']));
      expect(plan.poolLeft).toBe(0);
    }
  });

  it('two customers who can wait, taking turns one pack and two (12 units at 15 a day, 1 unit at 3 a day), are rationed in a few steps, not one per turn', () => {
    // Both start at 1,000 days; every 72 units keep them level: 5 packs of 12 to W (4 days), 12 units to V (4 days).
    // Before issue 12 the lifting waited for 64 single-pack turns in a row, which never came: 1.8 billion units took minutes.
    const plan = allocate(
      input({
        pool: 72 * 25_000_000,
        policy: policy(NO_CAP),
        customers: [customer('W', 'basic', { reportedOnHand: { quantity: 15_000, dailyUsage: 15 } }), customer('V', 'basic', { reportedOnHand: { quantity: 3_000, dailyUsage: 3 } })],
        lines: [line('w', 'W', 2_000_000_000, { packSize: 12 }), line('v', 'V', 2_000_000_000)],
      }),
    );
    expectConserved(plan);
    expect(byCustomer(plan)).toEqual({ W: 60 * 25_000_000, V: 12 * 25_000_000 });
    expect(plan.poolLeft).toBe(0);
    for (const id of ['w', 'v']) expect(lineOf(plan, id).reasons).toEqual(expect.arrayContaining(['deferred-holds-stock', 'rationed-days-of-supply', 'pool-exhausted']));
  });
});

describe('kept confirmations and fill rates (rules version 5)', () => {
  it('a hospital comes before what an integrated customer keeps of its confirmation, beyond a unit', () => {
    // Supply 60 (pool 20, INT's 40 confirmed). Version 4: INT keeps its 40 (gain), the hospital gets the pool's 20.
    const situation = (rules: object) =>
      input({
        pool: 20,
        policy: policy(rules),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('INT', 'integrated')],
        lines: [line('hosp', 'HOSP', 50), line('int', 'INT', 40, { confirmedQuantity: 40 })],
      });
    expect(byCustomer(allocate(situation(V4)))).toEqual({ HOSP: 20, INT: 40 });
    // Version 5: the hospital's 30 more come from INT's 39 beyond a unit; INT keeps 10.
    const plan = allocate(situation({}));
    expectConserved(plan);
    expect(byCustomer(plan)).toEqual({ HOSP: 50, INT: 10 });
    expect(lineOf(plan, 'hosp').reasons).toEqual(expect.arrayContaining(['critical-priority', 'fully-served']));
    expect(lineOf(plan, 'int').releasedConfirmation).toBe(30);
    expect(lineOf(plan, 'int').reasons).toContain('confirmation-released');
    expect([plan.confirmedKept, plan.confirmedReleased, plan.poolLeft]).toEqual([10, 30, 0]);
  });

  it('a kept confirmation is taken back in whole packs, from lines that may ship partly, and never its last unit', () => {
    // INT keeps 24 on an all-or-nothing line and 12 on a line in packs of 5; the hospital asks 30 more than the pool's 10.
    const plan = allocate(
      input({
        pool: 10,
        policy: policy(NO_CAP),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('INT', 'integrated')],
        lines: [
          line('hosp', 'HOSP', 40),
          line('whole', 'INT', 24, { confirmedQuantity: 24, partialAllowed: false }),
          line('packs', 'INT', 12, { confirmedQuantity: 12, packSize: 5 }),
        ],
      }),
    );
    // Only 10 of the 12 in packs of 5 can come back; the all-or-nothing 24 stays whole.
    expect(byCustomer(plan)).toEqual({ HOSP: 20, INT: 26 });
    expect([lineOf(plan, 'whole').allocated, lineOf(plan, 'packs').allocated]).toEqual([24, 2]);
  });

  it('within a stage, customers are filled lowest fill rate first, not line by line in priority order', () => {
    // No floor, no cap: the only rule at work is priority under the cap. A's line comes first (better margin).
    const situation = (rules: object) =>
      input({
        pool: 30,
        policy: policy({ ...rules, floorPercent: 0, capPercent: 100 }),
        customers: [customer('A', 'basic'), customer('B', 'basic')],
        lines: [line('a', 'A', 40, { unitMargin: 5 }), line('b', 'B', 20)],
      });
    expect(byCustomer(allocate(situation(V4)))).toEqual({ A: 30, B: 0 });
    // Version 5: half of what each asked for.
    const plan = allocate(situation({}));
    expect(byCustomer(plan)).toEqual({ A: 20, B: 10 });
    for (const id of ['a', 'b']) expect(lineOf(plan, id).reasons).toEqual(expect.arrayContaining(['stage-priority', 'pool-exhausted']));
  });

  it('an override adds to what its customer gets: its pinned line is left out of the fill rate', () => {
    // Pool 30 between A (two lines of 20) and B (20), no floor or cap. A planner pins A's second line to 10.
    const plan = allocate(
      input({
        pool: 30,
        policy: policy({ floorPercent: 0, capPercent: 100 }),
        customers: [customer('A', 'basic'), customer('B', 'basic')],
        lines: [line('a1', 'A', 20), line('a2', 'A', 20), line('b', 'B', 20)],
        overrides: [{ lineId: 'a2', allocate: 10 }],
      }),
    );
    // The 20 left are shared by a1 and b at one fill rate, half each: A 10 + 10, B 10.
    expect(byCustomer(plan)).toEqual({ A: 20, B: 10 });
    expect([lineOf(plan, 'a1').allocated, lineOf(plan, 'a2').allocated]).toEqual([10, 10]);
  });

  it('a higher stage is still filled before a lower one, and a customer’s own lines in priority order', () => {
    const plan = allocate(
      input({
        pool: 30,
        policy: policy({ floorPercent: 0, capPercent: 100 }),
        customers: [customer('I', 'integrated'), customer('J', 'integrated'), customer('B', 'basic')],
        lines: [line('i-late', 'I', 10, { requestedDate: '2024-06-20' }), line('i-soon', 'I', 10, { requestedDate: '2024-05-08' }), line('j', 'J', 20), line('b', 'B', 20)],
      }),
    );
    // I and J (20 each) share the 30 at three quarters; I's line due soonest first; B, a lower stage, waits.
    expect(byCustomer(plan)).toEqual({ I: 15, J: 15, B: 0 });
    expect([lineOf(plan, 'i-soon').allocated, lineOf(plan, 'i-late').allocated]).toEqual([10, 5]);
  });

  it('a hospital’s most urgent all-or-nothing line above the cap is its first pack', () => {
    // Cap 40 % of 60 = 24. Version 4: HOSP's first pack is 1 of 'rest' (50 is above the cap); 'rest' then takes
    // its 30 and the 50 no longer fits in what is left: 20 units stay in the pool.
    const situation = (rules: object) =>
      input({
        pool: 60,
        policy: policy(rules),
        customers: [customer('HOSP', 'basic', { critical: true }), customer('A', 'basic')],
        lines: [line('big', 'HOSP', 50, { partialAllowed: false, requestedDate: '2024-05-08' }), line('rest', 'HOSP', 30), line('a', 'A', 10)],
      });
    const before = allocate(situation(V4));
    expect([byCustomer(before), before.poolLeft]).toEqual([{ HOSP: 30, A: 10 }, 20]);
    // Version 5: the 50 is HOSP's first pack, A's first pack (1) is held back for it, 'rest' takes the other 9.
    const plan = allocate(situation({}));
    expect([byCustomer(plan), plan.poolLeft]).toEqual([{ HOSP: 59, A: 1 }, 0]);
    expect(lineOf(plan, 'big').reasons).toEqual(expect.arrayContaining(['customer-floor', 'fully-served']));
    expect(lineOf(plan, 'a').reasons).toContain('customer-floor');
  });

  it('a thousand customers of one stage asking billions each are levelled in a few steps, not one per unit', () => {
    // 1,000 customers asking 3 billion units each, packs of 1, no floor or cap: everyone at the same fill rate.
    const customers = Array.from({ length: 1000 }, (_, i) => customer(`C${String(i).padStart(4, '0')}`, 'basic'));
    const plan = allocate(
      input({
        pool: 1000 * 1_000_000_000,
        policy: policy({ floorPercent: 0, capPercent: 100 }),
        customers,
        lines: customers.map((c, i) => line(`l${i}`, c.customerId, 3_000_000_000)),
      }),
    );
    expect(new Set(Object.values(byCustomer(plan)))).toEqual(new Set([1_000_000_000]));
    expect(plan.poolLeft).toBe(0);
  });
});
