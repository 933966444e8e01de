// Properties of the allocation engine over generated situations, first plans and restock rounds alike:
// conservation, bounds, floors, cap, priority, determinism, and restock rounds clearing backorders. Each
// property names exactly the conditions under which it must hold.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { apportion } from '../../src/allocation/apportion';
import { addDays } from '../../src/allocation/dates';
import { AllocationInputError, allocate } from '../../src/allocation/engine';
import { totalsOfLines } from '../../src/allocation/plan';
import { DEFAULT_POLICY, strategyFor } from '../../src/allocation/policy';
import type { AllocationInput, AllocationPlan, CustomerProfile } from '../../src/allocation/types';
import { brokenPromises, type Invariant } from '../bench/decisions/invariants';
import { STAGES, lineArb, restockArb, situationArb } from './arbitraries';
import { AS_OF, byCustomer, customer, input, line, policy } from './fixtures';

// FC_NUM_RUNS runs each property longer (a new random seed every run, as always).
const RUNS = { numRuns: Number(process.env.FC_NUM_RUNS ?? 150) };
/** Every unit accounted for, no bound crossed: the invariants any plan keeps. */
function expectSound(situation: AllocationInput, plan: AllocationPlan) {
  const source = new Map(situation.lines.map((l) => [l.lineId, l]));
  const ratio = new Map(situation.substitutes.map((s) => [s.sku, s.ratio]));
  for (const l of plan.lines) {
    const line = source.get(l.lineId)!;
    for (const n of [l.allocated, l.substituted, l.backordered, l.releasedConfirmation]) expect(Number.isSafeInteger(n) && n >= 0).toBe(true);
    expect(l.allocated + l.substituted + l.backordered).toBe(l.requested);
    expect(l.requested).toBe(line.quantity);
    expect(l.releasedConfirmation).toBe(Math.max(0, line.confirmedQuantity - l.allocated));
    for (const s of l.substitutes) {
      expect(s.covers).toBeGreaterThan(0);
      expect(s.quantity).toBeGreaterThanOrEqual(Math.ceil(s.covers * ratio.get(s.sku)! - 1e-9));
    }
    const pinned = situation.overrides?.some((o) => o.lineId === l.lineId);
    const profile = situation.customers.find((c) => c.customerId === l.customerId)!;
    const strategy = strategyFor(situation.policy, profile);
    // fill and lose limit what a line gets of the stock there was before the incident; a restock round's backorders get any.
    const segmentLimited = !pinned && situation.alreadyReceived === undefined;
    if (segmentLimited && strategy === 'fill') expect(l.allocated).toBeLessThanOrEqual(line.confirmedQuantity);
    if (segmentLimited && strategy === 'lose') expect(l.allocated).toBe(0);
    // Kept, but for version 5's rule 8: the critical class takes back whole packs of what a customer that is
    // not critical keeps on lines that may ship partly (its last unit stays: checked below).
    const takenBack = line.confirmedQuantity - l.allocated;
    const mayTakeBack = situation.policy.rulesVersion >= 5 && situation.policy.criticalBeforeFloors && !profile.critical && line.partialAllowed;
    if (!pinned && (strategy === 'gain' || strategy === 'win')) {
      if (mayTakeBack && takenBack > 0) expect(takenBack % line.packSize).toBe(0);
      else expect(l.allocated).toBeGreaterThanOrEqual(line.confirmedQuantity);
    }
    if (strategy === 'win' && !pinned) expect(l.exception === undefined).toBe(l.backordered === 0);
    // All-or-nothing: new units come as the whole rest of what the line may hold, or not at all; a
    // confirmation kept (gain, win) or won back whole (fill) is not a new partial shipment.
    if (!line.partialAllowed && !pinned) {
      const kept = strategy === 'gain' || strategy === 'win' ? line.confirmedQuantity : 0;
      const most = segmentLimited && strategy === 'fill' ? line.confirmedQuantity : line.quantity;
      expect([kept, most]).toContain(l.allocated);
    }
  }
  // A customer that kept a confirmation keeps something of it.
  const held = byCustomer(plan);
  for (const line of situation.lines) {
    const profile = situation.customers.find((c) => c.customerId === line.customerId)!;
    const pinned = situation.overrides?.some((o) => o.lineId === line.lineId);
    if (!pinned && line.confirmedQuantity > 0 && ['gain', 'win'].includes(strategyFor(situation.policy, profile))) expect(held[line.customerId]).toBeGreaterThan(0);
  }
  const confirmed = situation.lines.reduce((a, l) => a + l.confirmedQuantity, 0);
  const allocated = plan.lines.reduce((a, l) => a + l.allocated, 0);
  expect(plan.poolLeft).toBeGreaterThanOrEqual(0);
  expect(allocated + plan.poolLeft).toBe(situation.pool + confirmed);
  expect(plan.poolUsed + plan.poolLeft).toBe(situation.pool + plan.confirmedReleased);
  for (const usage of plan.substitutes) {
    const shipped = plan.lines.flatMap((l) => l.substitutes).filter((s) => s.sku === usage.sku);
    expect(shipped.reduce((a, s) => a + s.quantity, 0)).toBe(usage.used);
    expect(usage.used).toBeLessThanOrEqual(usage.available);
  }
  const stageSum = (k: 'requested' | 'allocated' | 'substituted' | 'backordered' | 'lines') => plan.byStage.reduce((a, s) => a + s[k], 0);
  for (const k of ['requested', 'allocated', 'substituted', 'backordered', 'lines'] as const) expect(stageSum(k)).toBe(plan.totals[k]);
}

const shuffled = <T>(items: T[], seed: number) =>
  items
    .map((item, i) => ({ item, key: (i * 7919 + seed * 104729) % 1_000_003 }))
    .sort((a, b) => a.key - b.key)
    .map((x) => x.item);

describe('allocation engine properties', () => {
  it('conserves every unit and keeps every bound (segment strategies, packs, all-or-nothing, substitutes)', () => {
    fc.assert(
      fc.property(situationArb, (situation) => {
        expectSound(situation, allocate(situation));
      }),
      RUNS,
    );
  });

  it('counts the same totals and stages again from the lines alone, as a plan whose lines changed later is counted', () => {
    fc.assert(
      fc.property(situationArb, (situation) => {
        const plan = allocate(situation);
        const price = new Map(situation.lines.map((l) => [l.lineId, l.unitPrice]));
        const stages = situation.policy.stages.map((stage) => stage.name);
        expect(totalsOfLines(plan.lines, (lineId) => price.get(lineId)!, stages)).toEqual({ byStage: plan.byStage, totals: plan.totals });
      }),
      RUNS,
    );
  });

  it('rations billions of units in steps per claim, not per unit: plans with huge quantities finish and stay sound', () => {
    // Quantities and pools times 50 million; the customers who report stock report it at that scale, so many can
    // wait; substitutes' packs too on some runs, so one pack covers millions of original units.
    const scale = 50_000_000;
    const huge = fc.tuple(situationArb, fc.boolean()).map(([s, hugePacks]) => ({
      ...s,
      pool: s.pool * scale,
      lines: s.lines.map((l) => ({ ...l, quantity: l.quantity * scale, confirmedQuantity: l.confirmedQuantity * scale })),
      customers: s.customers.map((c) => (c.reportedOnHand ? { ...c, reportedOnHand: { ...c.reportedOnHand, quantity: c.reportedOnHand.quantity * scale } } : c)),
      substitutes: s.substitutes.map((sub) => ({ ...sub, available: sub.available * scale, packSize: hugePacks ? sub.packSize * scale : sub.packSize })),
      alreadyReceived: s.alreadyReceived && Object.fromEntries(Object.entries(s.alreadyReceived).map(([id, n]) => [id, n * scale])),
    }));
    fc.assert(
      fc.property(huge, (situation) => {
        expectSound(situation, allocate(situation));
      }),
      { numRuns: 60 },
    );
  });

  it('pins valid overrides exactly, and refuses the others naming the line', () => {
    const withOverrides = situationArb.chain((situation) =>
      fc
        .subarray(situation.lines)
        .chain((picked) => fc.tuple(...picked.map((l) => fc.integer({ min: 0, max: l.quantity }).map((allocate) => ({ lineId: l.lineId, allocate })))))
        .map((overrides) => ({ ...situation, overrides })),
    );
    fc.assert(
      fc.property(withOverrides, (situation) => {
        let plan: AllocationPlan;
        try {
          plan = allocate(situation);
        } catch (error) {
          expect(error).toBeInstanceOf(AllocationInputError);
          expect((error as Error).message).toMatch(/^override for line L\d+: \d+ units exceed the \d+ left in the pool$/);
          return;
        }
        for (const o of situation.overrides ?? []) expect(plan.lines.find((l) => l.lineId === o.lineId)!.allocated).toBe(o.allocate);
        expectSound(situation, plan);
      }),
      RUNS,
    );
  });

  it('is deterministic: the same plan, byte for byte, however lines, customers and substitutes are ordered', () => {
    fc.assert(
      fc.property(situationArb, fc.nat(), (situation, seed) => {
        const plan = JSON.stringify(allocate(situation));
        expect(JSON.stringify(allocate(situation))).toBe(plan);
        const reordered = {
          ...situation,
          lines: shuffled(situation.lines, seed),
          customers: shuffled(situation.customers, seed + 1),
          substitutes: [...situation.substitutes].reverse(),
        };
        expect(JSON.stringify(allocate(reordered))).toBe(plan);
      }),
      RUNS,
    );
  });

  it('a restock round with enough stock serves every open backorder in full, whatever its segment strategy', () => {
    const enoughArb = fc
      .tuple(restockArb, fc.integer({ min: 0, max: 50 }))
      .map(([s, spare]) => ({ ...s, pool: s.lines.reduce((a, l) => a + l.quantity, 0) + spare }));
    fc.assert(
      fc.property(enoughArb, (situation) => {
        const plan = allocate(situation);
        expectSound(situation, plan);
        for (const l of plan.lines) expect([l.lineId, l.allocated, l.backordered]).toEqual([l.lineId, l.requested, 0]);
        expect(plan.poolLeft).toBe(situation.pool - plan.totals.requested);
      }),
      RUNS,
    );
  });

  it('a restock round shares the receipt by priority alone: segments other than win make no difference', () => {
    const pairArb = fc.tuple(restockArb, fc.constantFrom('gain' as const, 'fill' as const, 'lose' as const));
    fc.assert(
      fc.property(pairArb, ([situation, strategy]) => {
        const as = (defaultStrategy: typeof strategy | 'redistribute') => ({
          ...situation,
          policy: { ...situation.policy, confirmations: { ...situation.policy.confirmations, defaultStrategy } },
        });
        expect(JSON.stringify(allocate(as(strategy)))).toBe(JSON.stringify(allocate(as('redistribute'))));
      }),
      RUNS,
    );
  });

  // Plain demand: no confirmations, no critical customers, nobody reporting stock, whole units, partial
  // shipments allowed — so floors and cap are the only rules at work.
  const plainArb = situationArb.map((s) => ({
    ...s,
    substitutes: [],
    alreadyReceived: undefined,
    customers: s.customers.map((c): CustomerProfile => ({ ...c, critical: false, reportedOnHand: undefined })),
    lines: s.lines.map((l) => ({ ...l, confirmedQuantity: 0, packSize: 1, partialAllowed: true })),
    policy: { ...s.policy, confirmations: { rules: [], defaultStrategy: 'redistribute' as const } },
  }));
  const demandOf = (s: AllocationInput) => {
    const demand: Record<string, number> = {};
    for (const l of s.lines) demand[l.customerId] = (demand[l.customerId] ?? 0) + l.quantity;
    return demand;
  };

  it('honours the fair-share floors whenever the pool covers them (cap off), and splits the pool when it does not', () => {
    fc.assert(
      fc.property(plainArb, fc.constantFrom(2 as const, 3 as const, 4 as const, 5 as const), (base, rulesVersion) => {
        const situation = { ...base, policy: { ...base.policy, capPercent: 100, rulesVersion } };
        const plan = allocate(situation);
        const got = byCustomer(plan);
        // The floor is the customer's: its percent, and at least one pack (whole units here) when it asks for any.
        const demand = Object.entries(demandOf(situation));
        const percentFloor = (d: number) => Math.floor((d * situation.policy.floorPercent) / 100);
        const targets = demand.map(([id, d]) => [id, situation.policy.floorPercent > 0 && d > 0 ? Math.max(1, percentFloor(d)) : percentFloor(d)] as const);
        const sumTargets = targets.reduce((a, [, t]) => a + t, 0);
        const asking = targets.filter(([, t]) => t > 0).length;
        // Short of the floors, first packs go to as many customers as the pool holds, the rest in proportion to
        // what the floors still need, each share at least its quota rounded down.
        const firstPacks = Math.min(situation.pool, asking);
        const rest = situation.pool - firstPacks;
        const sumNeeds = sumTargets - asking;
        for (const [id, target] of targets) {
          if (situation.pool >= sumTargets) expect(got[id]).toBeGreaterThanOrEqual(target);
          else if (rest > 0 && target > 0) expect(got[id]).toBeGreaterThanOrEqual(1 + Math.floor((rest * (target - 1)) / sumNeeds));
        }
        if (situation.pool < sumTargets) expect(Object.values(got).filter((units) => units > 0).length).toBeGreaterThanOrEqual(firstPacks);
      }),
      RUNS,
    );
  });

  it('holds every customer to the cap while any other customer still has unmet demand below the cap', () => {
    fc.assert(
      fc.property(plainArb, (situation) => {
        const plan = allocate(situation);
        const got = byCustomer(plan);
        const demand = demandOf(situation);
        const cap = Math.ceil((situation.pool * situation.policy.capPercent) / 100 - 1e-9);
        for (const [id, units] of Object.entries(got)) {
          if (units <= cap) continue;
          // Over the cap only once the cap was released: every other customer is served in full or at the cap.
          for (const [other, theirs] of Object.entries(got)) if (other !== id) expect(theirs === demand[other] || theirs >= cap).toBe(true);
        }
        // Work-conserving: stock is left only when every line is served in full.
        if (plan.poolLeft > 0) expect(plan.lines.every((l) => l.backordered === 0)).toBe(true);
      }),
      RUNS,
    );
  });

  it('never gives a higher-priority customer a lower fill rate than a lower-priority one with identical lines', () => {
    // Two customers A and B, neither critical nor reporting stock, without confirmations, whose lines are
    // identical but for their ids, A in a stage of higher priority class; any other customers around them,
    // any floor, cap, pack sizes and all-or-nothing lines. Then fillRate(A) ≥ fillRate(B).
    const pairArb = fc
      .record({
        situation: situationArb,
        stages: fc.uniqueArray(fc.constantFrom(...STAGES), { minLength: 2, maxLength: 2 }),
        twins: fc.array(lineArb('x', ['A']), { minLength: 1, maxLength: 4 }),
      })
      .map(({ situation, stages, twins }) => {
        const classOf = (name: string) => DEFAULT_POLICY.stages.find((s) => s.name === name)!.priorityClass;
        const [high, low] = [...stages].sort((a, b) => classOf(b) - classOf(a));
        const twin = (owner: string) => twins.map((l, i) => ({ ...l, lineId: `${owner}${i}`, customerId: owner, confirmedQuantity: 0 }));
        return {
          ...situation,
          customers: [
            ...situation.customers,
            { customerId: 'A', stage: high!, critical: false, acceptsSubstitutes: false },
            { customerId: 'B', stage: low!, critical: false, acceptsSubstitutes: false },
          ],
          lines: [...situation.lines, ...twin('A'), ...twin('B')],
          policy: { ...situation.policy, confirmations: { rules: [], defaultStrategy: 'redistribute' as const } },
        };
      });
    fc.assert(
      fc.property(pairArb, (situation) => {
        const got = byCustomer(allocate(situation));
        expect(got.A ?? 0).toBeGreaterThanOrEqual(got.B ?? 0);
      }),
      RUNS,
    );
  });
});

// The five promises of rules version 2 (policy.ts), kept by version 3 too, each as the invariant the decision
// bench checks from outside (test/bench/decisions/invariants.ts), over situations with several critical customers.
describe('the promises of rules versions 2 and 3', () => {
  const v2Arb = fc.tuple(situationArb, fc.constantFrom(2 as const, 3 as const, 4 as const, 5 as const)).map(([s, rulesVersion]) => ({
    ...s,
    policy: { ...s.policy, rulesVersion },
    customers: s.customers.map((c, i) => ({ ...c, critical: c.critical || (i < 3 && c.stage === 'basic') })),
  }));
  const keeps = (invariant: Invariant) => (situation: AllocationInput) => {
    expect(brokenPromises(situation, allocate(situation))).not.toContain(invariant);
  };

  it('customer-level floor: everyone gets something whenever the pool holds everyone’s first pack', () => {
    fc.assert(fc.property(v2Arb, keeps('everyone something when the pool holds first packs')), RUNS);
  });

  // Versions 2 to 4 break the cap when the other customers' floors come first (their defect, below), and with
  // it the deferred customers' cover it checks: drawn with the critical class's needs before those floors only.
  const keptArb = v2Arb.map((s) => (s.policy.rulesVersion < 5 ? { ...s, policy: { ...s.policy, criticalBeforeFloors: true } } : s));

  it('critical customers share fairly: nobody above the cap while another of its class (or a critical one) waits', () => {
    fc.assert(fc.property(keptArb, keeps('cap while others wait')), RUNS);
  });

  // Versions 2 to 4, the other customers' floors first (`criticalBeforeFloors: false`): the units set aside for
  // floors that all-or-nothing lines cannot take went past the cap to another customer while a critical one
  // waited below it (1 run in about 1,000). Their plans stay; version 5 shares them with the critical class first.
  const setAsideCases = {
    'a first plan (counterexample of version 2)': input({
      pool: 5,
      policy: policy({ rulesVersion: 2, capPercent: 21, floorPercent: 50, criticalBeforeFloors: false, confirmations: { defaultStrategy: 'lose' } }),
      customers: [customer('C0', 'basic', { critical: true }), customer('C2', 'interdependent'), customer('C5', 'interdependent')],
      lines: [line('L0', 'C0', 2), line('L2', 'C2', 4, { partialAllowed: false }), line('L4', 'C5', 4, { partialAllowed: false })],
    }),
    'a restock round (counterexample of version 3)': input({
      pool: 1,
      alreadyReceived: { C1: 24, C0: 1 },
      policy: policy({ rulesVersion: 3, capPercent: 4, floorPercent: 50, criticalBeforeFloors: false, confirmations: { defaultStrategy: 'gain' } }),
      customers: [customer('C0', 'exploratory', { critical: true }), customer('C1', 'exploratory'), customer('C2', 'exploratory')],
      lines: [line('L2', 'C0', 1, { partialAllowed: false }), line('L4', 'C1', 1, { partialAllowed: false }), line('L5', 'C2', 2, { partialAllowed: false })],
    }),
  };
  for (const [name, situation] of Object.entries(setAsideCases)) {
    it(`versions 2 to 4 let a floor set aside go past the cap while a critical customer waits, in ${name}; version 5 does not`, () => {
      for (const rulesVersion of [2, 3, 4] as const) {
        const old = { ...situation, policy: { ...situation.policy, rulesVersion } };
        expect(brokenPromises(old, allocate(old))).toContain('cap while others wait');
      }
      const v5 = { ...situation, policy: { ...situation.policy, rulesVersion: 5 as const } };
      const plan = allocate(v5);
      expect(brokenPromises(v5, plan)).toEqual([]);
      // The critical customer takes the unit below the cap that went past it to the other customer.
      expect(byCustomer(plan).C0).toBe(byCustomer(allocate({ ...situation, policy: { ...situation.policy, rulesVersion: 4 } })).C0! + 1);
    });
  }

  it('a critical customer’s first pack past the cap (version 5, rule 10) is not held against it while another waits', () => {
    // Cap 4 of 8: H1's most urgent line, 6 all-or-nothing, is its first pack; H2 gets the other 2.
    const situation = input({
      pool: 8,
      policy: policy({ capPercent: 40 }),
      customers: [customer('H1', 'basic', { critical: true }), customer('H2', 'basic', { critical: true })],
      lines: [line('A', 'H1', 6, { partialAllowed: false, requestedDate: '2024-05-08' }), line('B', 'H2', 10), line('C', 'H1', 10)],
    });
    const plan = allocate(situation);
    expect(byCustomer(plan)).toEqual({ H1: 6, H2: 2 });
    expect(brokenPromises(situation, plan)).not.toContain('cap while others wait');
  });

  it('deferred, not dropped: customers reporting stock are covered to the next ETA before the cap is lifted', () => {
    fc.assert(fc.property(keptArb, keeps('deferred covered to the next ETA before the cap is lifted')), RUNS);
  });

  it('urgency relative to the gap: of two twin lines, the one due before the next ETA is filled at least as well', () => {
    const twinsArb = fc
      .record({ situation: v2Arb, eta: fc.integer({ min: 2, max: 40 }), before: fc.integer({ min: 0, max: 40 }), after: fc.integer({ min: 0, max: 30 }), twin: lineArb('x', ['A']) })
      .map(({ situation, eta, before, after, twin }) => {
        const dated = (lineId: string, customerId: string, day: number) => ({ ...twin, lineId, customerId, confirmedQuantity: 0, requestedDate: addDays(AS_OF, day) });
        return {
          ...situation,
          nextInboundEta: addDays(AS_OF, eta),
          customers: [...situation.customers, ...['A', 'B'].map((id) => ({ customerId: id, stage: 'basic', critical: false, acceptsSubstitutes: false }))],
          // A's line is due before the ETA, B's on it or after; B's margin may be better.
          lines: [...situation.lines, dated('A0', 'A', before % eta), { ...dated('B0', 'B', eta + after), unitMargin: twin.unitMargin + 5 }],
          policy: { ...situation.policy, confirmations: { rules: [], defaultStrategy: 'redistribute' as const } },
        };
      });
    fc.assert(
      fc.property(twinsArb, (situation) => {
        const got = byCustomer(allocate(situation));
        expect(got.A ?? 0).toBeGreaterThanOrEqual(got.B ?? 0);
      }),
      RUNS,
    );
  });

  it('work-conserving substitutes: no substitute unit idle while a line that accepts it is short', () => {
    fc.assert(fc.property(v2Arb, keeps('substitute work conservation')), RUNS);
  });
});

// Its shrinking path: the generated policies' rules versions run to 5 since version 5 came (the same seed).
const V3_COUNTEREXAMPLE =
  '77:6:3:2:0:1:1:1:1:2:2:2:2:2:2:2:2:2:2:2:4:3:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:2:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:3:7:7:7:8:7:7:7:7:8:7:7:7:7:9:8:8:8:8:9:9:9:9:9:9:9:14:11:12:11:29';

describe('the critical class first (rules versions 3 and 4)', () => {
  const criticalArb = (rulesVersion: 3 | 4 | 5) =>
    situationArb.map((s) => ({
      ...s,
      policy: { ...s.policy, rulesVersion, criticalBeforeFloors: true },
      customers: s.customers.map((c, i) => ({ ...c, critical: c.critical || (i < 3 && c.stage === 'basic') })),
    }));
  const v3Arb = criticalArb(3);
  const keepsCriticalFirst = (situation: AllocationInput) => {
    expect(brokenPromises(situation, allocate(situation))).not.toContain('critical class short only by others’ first packs');
  };

  // Version 3 broke this on about every other run of 150, short of everyone's first pack: it handed the first
  // packs out smallest first, critical or not (the counterexample below, seed 1439044471). Version 4 serves
  // the critical class first then too; version 3 keeps its plans for the incidents that follow it.
  it('a critical line is short only by what the others’ kept confirmations and smallest first packs hold (version 4)', () => {
    fc.assert(fc.property(criticalArb(4), keepsCriticalFirst), RUNS);
  });

  it('so too under version 5, which also takes back kept confirmations for the critical class', () => {
    fc.assert(fc.property(criticalArb(5), keepsCriticalFirst), RUNS);
  });

  it('version 3 keeps its plans: it still breaks the promise on its counterexample, which version 4 keeps', () => {
    const replay = { seed: 1439044471, path: V3_COUNTEREXAMPLE, endOnFailure: true };
    const v3 = fc.check(fc.property(v3Arb, (s) => !brokenPromises(s, allocate(s)).includes('critical class short only by others’ first packs')), replay);
    expect(v3.failed).toBe(true);
    const situation = v3.counterexample![0];
    keepsCriticalFirst({ ...situation, policy: { ...situation.policy, rulesVersion: 4 } });
  });

  it('critical customers fill at least as well as under version 2 when nobody holds stock from before the incident', () => {
    // No confirmations, no reported stock, whole units: version 3 differs from 2 only in what it holds back for
    // the others (their smallest first pack, never more than version 2 hands out) and in the order of substitutes.
    const plain = v3Arb.map((s) => ({
      ...s,
      substitutes: [],
      customers: s.customers.map((c) => ({ ...c, reportedOnHand: undefined })),
      lines: s.lines.map((l) => ({ ...l, confirmedQuantity: 0, packSize: 1, partialAllowed: true })),
    }));
    fc.assert(
      fc.property(plain, (situation) => {
        const critical = (plan: AllocationPlan) => {
          const ids = new Set(situation.customers.filter((c) => c.critical).map((c) => c.customerId));
          return plan.lines.filter((l) => ids.has(l.customerId)).reduce((a, l) => a + l.allocated, 0);
        };
        const v2 = allocate({ ...situation, policy: { ...situation.policy, rulesVersion: 2 } });
        expect(critical(allocate(situation))).toBeGreaterThanOrEqual(critical(v2));
      }),
      RUNS,
    );
  });
});

// The two rules of version 5 (policy.ts, rules 8 and 9), each where it is the only one that decides.
describe('kept confirmations and fill rates (rules version 5)', () => {
  // Lines that ship partly in packs of 1, nobody reporting stock, no overrides or substitutes.
  const unitArb = situationArb.map((s) => ({
    ...s,
    substitutes: [],
    overrides: undefined,
    customers: s.customers.map((c, i) => ({ ...c, critical: c.critical || (i < 2 && c.stage === 'basic'), reportedOnHand: undefined })),
    lines: s.lines.map((l) => ({ ...l, packSize: 1, partialAllowed: true })),
    policy: { ...s.policy, rulesVersion: 5 as const, criticalBeforeFloors: true },
  }));

  it('a critical line goes short only when every other customer holds at most a unit (its first pack, or the last of what it kept)', () => {
    fc.assert(
      fc.property(unitArb, (situation) => {
        const plan = allocate(situation);
        expectSound(situation, plan);
        const critical = new Set(situation.customers.filter((c) => c.critical).map((c) => c.customerId));
        if (!plan.lines.some((l) => critical.has(l.customerId) && l.backordered > 0)) return;
        for (const [id, units] of Object.entries(byCustomer(plan))) if (!critical.has(id)) expect(units).toBeLessThanOrEqual(1);
      }),
      RUNS,
    );
  });

  it('customers of one stage end at one fill rate: one that got more than its floor is at most two units above one still short', () => {
    // One stage, nobody critical, no confirmations, every line due the same day, no cap: floors and the level decide.
    const stageArb = unitArb.map((s) => ({
      ...s,
      customers: s.customers.map((c) => ({ ...c, stage: 'basic', critical: false })),
      lines: s.lines.map((l) => ({ ...l, confirmedQuantity: 0, requestedDate: '2024-05-20' })),
      policy: { ...s.policy, capPercent: 100, confirmations: { rules: [], defaultStrategy: 'redistribute' as const } },
    }));
    fc.assert(
      fc.property(stageArb, (situation) => {
        const plan = allocate(situation);
        const got = byCustomer(plan);
        const demand: Record<string, number> = {};
        for (const l of situation.lines) demand[l.customerId] = (demand[l.customerId] ?? 0) + l.quantity;
        const received = situation.alreadyReceived ?? {};
        const has = (id: string) => got[id]! + (received[id] ?? 0);
        const wants = (id: string) => demand[id]! + (received[id] ?? 0);
        // Its floor, and its first pack (a unit here).
        const floor = (id: string) => Math.max(1, Math.floor((wants(id) * situation.policy.floorPercent) / 100));
        for (const x of Object.keys(demand)) {
          if (got[x]! <= Math.max(0, floor(x) - (received[x] ?? 0)) + 1) continue;
          for (const y of Object.keys(demand)) if (got[y]! < demand[y]!) expect((has(x) - 2) / wants(x)).toBeLessThanOrEqual((has(y) + 1) / wants(y) + 1e-9);
        }
      }),
      RUNS,
    );
  });
});

describe('largest-remainder apportionment', () => {
  it('splits the whole total, never above a bound, and in proportion within one unit', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 0, max: 1000 }), { minLength: 1, maxLength: 10 }), fc.integer({ min: 0, max: 5000 }), (weights, total) => {
        const shares = apportion(total, weights);
        const sum = weights.reduce((a, w) => a + w, 0);
        expect(shares.reduce((a, s) => a + s, 0)).toBe(Math.min(total, sum));
        shares.forEach((share, i) => {
          expect(share).toBeLessThanOrEqual(weights[i]!);
          if (total < sum) expect(Math.abs(share - (total * weights[i]!) / sum)).toBeLessThan(1);
        });
      }),
      RUNS,
    );
  });

  it('holds shares at their bounds and splits the rest among the others in proportion', () => {
    expect(apportion(10, [30, 15, 6], [4, 15, 6])).toEqual([4, 4, 2]);
    expect(apportion(3, [1, 1, 1, 1])).toEqual([1, 1, 1, 0]);
  });
});
