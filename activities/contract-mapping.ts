// The inventory and CRM systems' contract objects turned into what the pure core and the workflow take:
// demand lines and customers into engine and impact input, an open backorder into a restock round's line,
// substitute options into engine supply, transfers into the records the workflow keeps, purchase orders
// into the ETAs the periodic check compares.
import type { CustomerProfile, DemandLine as EngineLine, SubstituteSupply } from '../src/allocation/types';
import type { Customer } from '../src/crm/contract';
import type { ImpactCustomer } from '../src/impact/assess';
import type { SubstituteOption, TransferRecord } from '../src/incident/state';
import type { Backorder, DemandLine, DemandLineChange, PurchaseOrder, Transfer } from '../src/inventory/contract';
import { takesSubstitutes } from '../src/substitutes/offer';

/** A demand line as the snapshot keeps it: the engine's line and where it ships from. */
export type SnapshotLine = EngineLine & { locationId: string };

export function engineLine(line: DemandLine): SnapshotLine {
  return {
    lineId: line.lineId,
    orderId: line.orderId,
    customerId: line.customerId,
    sku: line.sku,
    locationId: line.locationId,
    quantity: line.quantity,
    confirmedQuantity: line.reservedQuantity,
    requestedDate: line.requestedDate,
    orderDate: line.orderDate,
    unitPrice: line.unitPrice,
    unitMargin: line.unitMargin,
    packSize: line.packSize ?? 1,
    partialAllowed: line.partialAllowed,
    substitutesAllowed: line.substitutesAllowed,
  };
}

/**
 * What of a changed line nothing is committed to yet — still to ship, less reserved and backordered — as an
 * order round plans it; null when all of it is committed (or it was cancelled).
 */
export function uncommittedLine(change: DemandLineChange): SnapshotLine | null {
  const uncommitted = change.quantity - change.reservedQuantity - change.backorderedQuantity;
  return uncommitted > 0 ? { ...engineLine(change), quantity: uncommitted, confirmedQuantity: 0 } : null;
}

/** A restock round's line: the open backorder of a snapshot line, with no confirmation of its own. */
export function backorderLine(line: SnapshotLine, backorder: Backorder): SnapshotLine {
  return { ...line, lineId: backorder.lineId, quantity: backorder.open, confirmedQuantity: 0 };
}

/**
 * The lines as the engine takes them, each allowed a substitute by the rule the notices and the acceptance
 * apply too (src/substitutes/offer.ts). A line without a customer profile is left to the engine to refuse.
 */
export function allocationLines<L extends EngineLine>(lines: readonly L[], customers: readonly CustomerProfile[]): L[] {
  const profiles = new Map(customers.map((c) => [c.customerId, c]));
  return lines.map((line) => {
    const profile = profiles.get(line.customerId);
    return { ...line, substitutesAllowed: profile !== undefined && takesSubstitutes(profile, line) };
  });
}

export function profileOf(customer: Customer, sku: string): CustomerProfile {
  const reported = customer.reportedStock.find((r) => r.sku === sku);
  return {
    customerId: customer.customerId,
    stage: customer.stage,
    critical: customer.critical,
    acceptsSubstitutes: customer.acceptsSubstitutes,
    ...(reported ? { reportedOnHand: { quantity: reported.quantity, dailyUsage: reported.dailyUsage } } : {}),
  };
}

export function impactCustomer(customer: Customer): ImpactCustomer {
  return { customerId: customer.customerId, stage: customer.stage, critical: customer.critical, accountManagerId: customer.accountManagerId };
}

export function substituteSupply(option: SubstituteOption): SubstituteSupply {
  return { sku: option.sku, ratio: option.ratio, priceDelta: option.priceDelta, available: option.available, packSize: option.packSize };
}

export function transferRecord(t: Pick<Transfer, 'transferId' | 'fromLocationId' | 'toLocationId' | 'quantity' | 'status'>): TransferRecord {
  return { transferId: t.transferId, fromLocationId: t.fromLocationId, toLocationId: t.toLocationId, quantity: t.quantity, status: t.status };
}

/** ETA per open purchase order: what the periodic check compares with. */
export function inboundEtasOf(openInbound: readonly Pick<PurchaseOrder, 'poId' | 'eta'>[]): Record<string, string> {
  return Object.fromEntries(openInbound.map((po) => [po.poId, po.eta]));
}
