// Compensation by relationship stage (the policy's `stages[].compensation`, src/allocation/policy.ts): a
// customer whose stage grants a credit gets that percent of the value it was left backordered, summed over
// its lines and rounded to the cent. Pure: the commit grants each credit once.
import type { Policy } from '../allocation/policy';

export interface BackorderedLine {
  customerId: string;
  /** The customer's relationship stage, as the plan has it. */
  stage: string;
  backordered: number;
  unitPrice: number;
}

export interface Credit {
  customerId: string;
  /** In the incident's currency, to the cent; always > 0. */
  amount: number;
}

/** One credit per customer owed one, in the order its first line comes. */
export function creditsFor(lines: readonly BackorderedLine[], policy: Pick<Policy, 'stages'>): Credit[] {
  const stageOf = new Map(policy.stages.map((s) => [s.name, s]));
  const owed = new Map<string, number>();
  for (const line of lines) {
    const compensation = stageOf.get(line.stage)?.compensation;
    if (!compensation || compensation.kind !== 'credit-percent' || line.backordered === 0) continue;
    owed.set(line.customerId, (owed.get(line.customerId) ?? 0) + (line.backordered * line.unitPrice * compensation.percent) / 100);
  }
  return [...owed].map(([customerId, amount]) => ({ customerId, amount: Math.round(amount * 100) / 100 })).filter((c) => c.amount > 0);
}
