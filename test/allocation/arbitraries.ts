// Generated allocation situations for the engine's property tests: a few customers and lines, every policy
// knob, rules versions, restock rounds. Small numbers, so a failing case shrinks to one a person can read.
import fc from 'fast-check';
import { addDays } from '../../src/allocation/dates';
import { DEFAULT_POLICY, STRATEGIES, parsePolicy, type Policy } from '../../src/allocation/policy';
import type { AllocationInput, DemandLine } from '../../src/allocation/types';
import { AS_OF, SKU } from './fixtures';

export const STAGES = DEFAULT_POLICY.stages.map((s) => s.name);

export const customerArb = (customerId: string) =>
  fc.record({
    customerId: fc.constant(customerId),
    stage: fc.constantFrom(...STAGES),
    critical: fc.boolean().map((b) => b && customerId.endsWith('0')),
    acceptsSubstitutes: fc.boolean(),
    reportedOnHand: fc.option(fc.record({ quantity: fc.integer({ min: 0, max: 400 }), dailyUsage: fc.integer({ min: 0, max: 20 }) }), { nil: undefined }),
  });

export const lineArb = (lineId: string, customerIds: string[]) =>
  fc
    .record({
      customerId: fc.constantFrom(...customerIds),
      quantity: fc.integer({ min: 0, max: 60 }),
      confirmedShare: fc.integer({ min: 0, max: 100 }),
      day: fc.integer({ min: 1, max: 28 }),
      unitPrice: fc.integer({ min: 0, max: 5000 }).map((c) => c / 100),
      unitMargin: fc.integer({ min: -500, max: 2000 }).map((c) => c / 100),
      packSize: fc.constantFrom(1, 1, 2, 5, 12),
      partialAllowed: fc.boolean(),
      substitutesAllowed: fc.boolean(),
    })
    .map(
      (r): DemandLine => ({
        lineId,
        orderId: `o-${lineId}`,
        customerId: r.customerId,
        sku: SKU,
        quantity: r.quantity,
        confirmedQuantity: Math.floor((r.quantity * r.confirmedShare) / 100),
        requestedDate: `2024-05-${String(r.day).padStart(2, '0')}`,
        orderDate: `2024-04-${String(r.day).padStart(2, '0')}`,
        unitPrice: r.unitPrice,
        unitMargin: r.unitMargin,
        packSize: r.packSize,
        partialAllowed: r.partialAllowed,
        substitutesAllowed: r.substitutesAllowed,
      }),
    );

export const policyArb: fc.Arbitrary<Policy> = fc
  .record({
    floorPercent: fc.integer({ min: 0, max: 100 }),
    capPercent: fc.integer({ min: 1, max: 100 }),
    defaultStrategy: fc.constantFrom(...STRATEGIES),
    rationing: fc.boolean(),
    substitutes: fc.boolean(),
    rulesVersion: fc.constantFrom(1 as const, 2 as const, 3 as const, 4 as const, 5 as const),
    criticalBeforeFloors: fc.boolean(),
  })
  .map((p) =>
    parsePolicy({
      rulesVersion: p.rulesVersion,
      criticalBeforeFloors: p.criticalBeforeFloors,
      floorPercent: p.floorPercent,
      capPercent: p.capPercent,
      confirmations: { defaultStrategy: p.defaultStrategy },
      rationing: { enabled: p.rationing },
      substitutes: { enabled: p.substitutes },
    }),
  );

// With `alreadyReceived` the situation is a restock round: its lines are open backorders, never confirmed.
export const situationArb: fc.Arbitrary<AllocationInput> = fc.integer({ min: 1, max: 6 }).chain((nCustomers) => {
  const ids = Array.from({ length: nCustomers }, (_, i) => `C${i}`);
  const situation = fc.record({
    sku: fc.constant(SKU),
    pool: fc.integer({ min: 0, max: 300 }),
    customers: fc.tuple(...ids.map(customerArb)),
    lines: fc.integer({ min: 1, max: 12 }).chain((n) => fc.tuple(...Array.from({ length: n }, (_, i) => lineArb(`L${i}`, ids)))),
    substitutes: fc.uniqueArray(
      fc.record({
        sku: fc.constantFrom('SUB-A', 'SUB-B'),
        ratio: fc.constantFrom(0.5, 1, 1.5, 2, 3),
        priceDelta: fc.integer({ min: -100, max: 300 }).map((c) => c / 100),
        available: fc.integer({ min: 0, max: 100 }),
        packSize: fc.constantFrom(1, 2, 4),
      }),
      { selector: (s) => s.sku, maxLength: 2 },
    ),
    policy: policyArb,
    asOf: fc.constant(AS_OF),
    nextInboundEta: fc.option(fc.integer({ min: 1, max: 40 }).map((d) => addDays(AS_OF, d)), { nil: undefined }),
    alreadyReceived: fc.option(fc.dictionary(fc.constantFrom(...ids), fc.integer({ min: 0, max: 50 })), { nil: undefined }),
  });
  return situation.map((s) => (s.alreadyReceived ? { ...s, lines: s.lines.map((l) => ({ ...l, confirmedQuantity: 0 })) } : s));
});

/** Restock rounds only: what each customer received so far, possibly nothing yet. */
export const restockArb = situationArb.map((s) => ({ ...s, alreadyReceived: s.alreadyReceived ?? {}, lines: s.lines.map((l) => ({ ...l, confirmedQuantity: 0 })) }));
