// Seeded crises for the decision bench: pools covering 10–90 % of demand, 20–2,000 lines, every stage,
// critical customers (sometimes several, sometimes one dominant), a dominant account, customers reporting
// stock, packs, all-or-nothing lines, confirmations, substitutes, overrides and restock rounds. The same
// seed gives the same crises, whatever the engine does: restock rounds start from a baseline's first plan.
import { addDays } from '../../../src/allocation/dates';
import { DEFAULT_POLICY } from '../../../src/allocation/policy';
import type { AllocationInput, CustomerProfile, DemandLine, PlanOverride, SubstituteSupply } from '../../../src/allocation/types';
import { strictPriority } from './baselines';

export const SKU = 'SKU-X';
export const AS_OF = '2024-05-06';
const STAGES = DEFAULT_POLICY.stages.map((s) => s.name);
const PACKS = [1, 1, 1, 1, 2, 5, 6, 10, 12, 24];

export interface Crisis {
  id: number;
  kind: 'first-plan' | 'restock-round';
  input: AllocationInput;
}

/** mulberry32: small, fast, and the same on every machine. */
export function random(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

export function crises(count: number, seed = 12): Crisis[] {
  return Array.from({ length: count }, (_, id) => crisis(id, random(seed * 1_000_003 + id)));
}

function crisis(id: number, rnd: () => number): Crisis {
  const int = (min: number, max: number) => min + Math.floor(rnd() * (max - min + 1));
  const pick = <T>(items: readonly T[]) => items[Math.floor(rnd() * items.length)]!;
  const chance = (p: number) => rnd() < p;
  const logInt = (min: number, max: number) => Math.round(Math.exp(Math.log(min) + rnd() * (Math.log(max) - Math.log(min))));

  const nLines = logInt(20, 2000);
  const nCustomers = Math.max(3, Math.round(nLines / (1.5 + rnd() * 6)));
  const criticalShare = pick([0, 0, 0.02, 0.05, 0.1]);
  const reportingShare = pick([0, 0.1, 0.25, 0.4]);
  const customers: CustomerProfile[] = Array.from({ length: nCustomers }, (_, i) => {
    const usage = int(1, 20);
    return {
      customerId: `C${String(i).padStart(4, '0')}`,
      stage: pick(STAGES),
      critical: chance(criticalShare),
      acceptsSubstitutes: chance(0.8),
      ...(chance(reportingShare) ? { reportedOnHand: { quantity: usage * int(0, 70), dailyUsage: usage } } : {}),
    };
  });
  // Some crises have two critical customers at least, one of them possibly the dominant account.
  if (chance(0.25)) for (const c of customers.slice(0, 2)) c.critical = true;
  const dominant = chance(0.4) ? customers[int(0, Math.min(2, nCustomers - 1))]! : null;

  const lines: DemandLine[] = Array.from({ length: nLines }, (_, i) => {
    const owner = dominant && chance(0.3) ? dominant : customers[i < nCustomers ? i : int(0, nCustomers - 1)]!;
    const quantity = logInt(1, 200);
    const unitPrice = int(100, 50_000) / 100;
    return {
      lineId: `L${String(i).padStart(5, '0')}`,
      orderId: `O${String(i).padStart(5, '0')}`,
      customerId: owner.customerId,
      sku: SKU,
      quantity,
      confirmedQuantity: chance(0.2) ? Math.floor(quantity * rnd()) : 0,
      requestedDate: addDays(AS_OF, int(0, 60)),
      orderDate: addDays(AS_OF, -int(0, 60)),
      unitPrice,
      unitMargin: Math.round(unitPrice * (5 + rnd() * 45)) / 100,
      packSize: pick(PACKS),
      partialAllowed: chance(0.85),
      substitutesAllowed: chance(0.6),
    };
  });
  const demand = lines.reduce((a, l) => a + l.quantity, 0);
  const confirmed = lines.reduce((a, l) => a + l.confirmedQuantity, 0);
  const coverage = 0.1 + rnd() * 0.8;
  const pool = Math.max(0, Math.round(demand * coverage) - confirmed);
  const substitutes: SubstituteSupply[] = chance(0.4)
    ? ['SUB-A', 'SUB-B'].slice(0, int(1, 2)).map((sku) => {
        const ratio = pick([0.5, 1, 1.5, 2, 3]);
        return { sku, ratio, priceDelta: int(-100, 300) / 100, available: Math.round(demand * ratio * (0.02 + rnd() * 0.2)), packSize: pick([1, 2, 4]) };
      })
    : [];
  const nextInboundEta = chance(0.1) ? null : addDays(AS_OF, int(5, 60));
  const base: AllocationInput = { sku: SKU, pool, lines, customers, substitutes, policy: DEFAULT_POLICY, asOf: AS_OF, nextInboundEta };

  const overrides = chance(0.15) ? overridesFor(base, int(1, 3), rnd) : [];
  if (overrides.length > 0) base.overrides = overrides;
  if (!chance(0.2)) return { id, kind: 'first-plan', input: base };

  // A restock round after the plan strict priority would have made: its backorders, a receipt, what each got.
  const first = strictPriority(base);
  const received: Record<string, number> = {};
  const backorders = lines.flatMap((l, i) => {
    const got = first[i]!;
    received[l.customerId] = (received[l.customerId] ?? 0) + got.allocated;
    const open = l.quantity - got.allocated - got.substituted;
    return open > 0 ? [{ ...l, quantity: open, confirmedQuantity: 0 }] : [];
  });
  const open = backorders.reduce((a, l) => a + l.quantity, 0);
  const { overrides: _pinnedInTheFirstPlan, ...rest } = base;
  const round: AllocationInput = {
    ...rest,
    pool: Math.round(open * (0.2 + rnd() * 0.6)),
    lines: backorders,
    substitutes: [],
    alreadyReceived: received,
    asOf: addDays(AS_OF, int(3, 10)),
  };
  return { id, kind: 'restock-round', input: round };
}

/** A planner pins a few lines, within what there is to allocate. */
function overridesFor(input: AllocationInput, n: number, rnd: () => number): PlanOverride[] {
  // Half the free pool at most: pins never reach into the confirmations win and gain lines keep.
  let left = Math.floor(input.pool / 2);
  const picked = new Set<string>();
  const out: PlanOverride[] = [];
  for (let k = 0; k < n; k++) {
    const line = input.lines[Math.floor(rnd() * input.lines.length)]!;
    if (picked.has(line.lineId)) continue;
    picked.add(line.lineId);
    const allocate = Math.min(line.quantity, left, Math.floor(rnd() * (line.quantity + 1)));
    left -= allocate;
    out.push({ lineId: line.lineId, allocate });
  }
  return out;
}
