// Small builders for allocation inputs: a test names only what its situation is about.
import { DEFAULT_POLICY, parsePolicy, type PolicyInput } from '../../src/allocation/policy';
import type { AllocationInput, AllocationPlan, CustomerProfile, DemandLine, LineAllocation } from '../../src/allocation/types';

export const SKU = 'SKU-1';
export const AS_OF = '2024-05-06';

export function line(lineId: string, customerId: string, quantity: number, extra: Partial<DemandLine> = {}): DemandLine {
  return {
    lineId,
    orderId: `order-${lineId}`,
    customerId,
    sku: SKU,
    quantity,
    confirmedQuantity: 0,
    requestedDate: '2024-05-30',
    orderDate: '2024-05-01',
    unitPrice: 10,
    unitMargin: 3,
    packSize: 1,
    partialAllowed: true,
    substitutesAllowed: true,
    ...extra,
  };
}

export function customer(customerId: string, stage: string, extra: Partial<CustomerProfile> = {}): CustomerProfile {
  return { customerId, stage, critical: false, acceptsSubstitutes: true, ...extra };
}

export function input(parts: Partial<AllocationInput> & Pick<AllocationInput, 'pool' | 'lines' | 'customers'>): AllocationInput {
  return { sku: SKU, substitutes: [], policy: DEFAULT_POLICY, asOf: AS_OF, ...parts };
}

export const policy = (changes: PolicyInput) => parsePolicy(changes);

export function lineOf(plan: AllocationPlan, lineId: string): LineAllocation {
  const found = plan.lines.find((l) => l.lineId === lineId);
  if (!found) throw new Error(`no line ${lineId} in the plan`);
  return found;
}

/** Units of the SKU each customer gets. */
export function byCustomer(plan: AllocationPlan): Record<string, number> {
  const out: Record<string, number> = {};
  for (const l of plan.lines) out[l.customerId] = (out[l.customerId] ?? 0) + l.allocated;
  return out;
}
