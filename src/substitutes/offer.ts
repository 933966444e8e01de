// Whether a line may take a substitute, and which one and how much of it a backordered line is offered: ONE
// rule for the plan's input (which lines the engine may give a substitute), the customer notices (their
// accept links) and the acceptance of a customer's answer, so an email never offers what the acceptance then
// refuses. Pure.
import { substituteQuantityBounds } from '../inventory/contract';

/** Why no substitute may stand in on a line. */
export type SubstituteRefusal = 'customer-refuses' | 'line-forbids';

/** Substitutes stand in only for customers and lines that accept them (shared/DOMAIN.md); null: this line may take one. */
export function substituteRefusal(customer: { acceptsSubstitutes: boolean }, line: { substitutesAllowed: boolean }): SubstituteRefusal | null {
  if (!customer.acceptsSubstitutes) return 'customer-refuses';
  return line.substitutesAllowed ? null : 'line-forbids';
}

export const takesSubstitutes = (customer: { acceptsSubstitutes: boolean }, line: { substitutesAllowed: boolean }): boolean =>
  substituteRefusal(customer, line) === null;

export interface SubstituteStock {
  sku: string;
  /** Substitute units per original unit. */
  ratio: number;
  packSize: number;
  /** Free units at the hub (src/pooling/free-stock.ts). */
  available: number;
}

/** An offer's `quantities` are the substitute units each backorder ships, in the order given; `quantity` is their sum. */
export type SubstituteDecision<S extends SubstituteStock> =
  | { kind: 'refused'; refusal: SubstituteRefusal }
  | { kind: 'no-stock' }
  | { kind: 'offer'; substitute: S; quantities: number[]; quantity: number };

/**
 * What a line with these open backorders (units each) is offered: for a customer and line that take
 * substitutes, the first substitute by SKU whose free stock covers them all, each backorder shipping
 * ceil(open × ratio) in whole packs of the substitute, as the engine ships it. No stock, no offer. Two lines
 * may be offered the same units; the first answer wins.
 */
export function substituteOffer<S extends SubstituteStock>(
  customer: { acceptsSubstitutes: boolean },
  line: { substitutesAllowed: boolean },
  substitutes: readonly S[],
  open: readonly number[],
): SubstituteDecision<S> {
  const refusal = substituteRefusal(customer, line);
  if (refusal) return { kind: 'refused', refusal };
  for (const substitute of [...substitutes].sort((a, b) => a.sku.localeCompare(b.sku))) {
    const quantities = open.map((units) => substituteQuantityBounds(units, substitute.ratio, substitute.packSize).most);
    const quantity = quantities.reduce((sum, q) => sum + q, 0);
    if (quantity > 0 && substitute.available >= quantity) return { kind: 'offer', substitute, quantities, quantity };
  }
  return { kind: 'no-stock' };
}
