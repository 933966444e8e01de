// Stock reads the activities share: the network's locations, a SKU's positions across them and at the hub (and
// what of the hub's free stock a round may share), the purchase orders open there, and a SKU's substitutes with
// what of them is free at the hub. Free stock has one definition (src/pooling/free-stock.ts).
import { ApplicationFailure } from '@temporalio/common';
import type { SubstituteOption } from '../src/incident/state';
import { hubOf, type Location, type PurchaseOrder, type StockPosition } from '../src/inventory/contract';
import type { InventorySystem } from '../src/inventory/system';
import { freeStock } from '../src/pooling/free-stock';
import type { IncidentStore } from '../src/incident-store/store';
import type { StoredRations } from '../src/rationing/schedule';
import { heldByRations, RATIONS_KEY } from './rationing';

export type NetworkLocations = Map<string, Location>;

/** The network's locations by id and its hub: a network without a hub is bad data, which no retry fixes. */
export async function networkLocations(inventory: InventorySystem, network: string): Promise<{ hub: Location; locations: NetworkLocations }> {
  const inNetwork = (await inventory.listLocations()).filter((l) => l.network === network);
  const hub = hubOf(inNetwork, network);
  if (!hub) throw ApplicationFailure.nonRetryable(`network ${network} has no hub in the inventory system`, 'InvalidData');
  return { hub, locations: new Map(inNetwork.map((l) => [l.locationId, l])) };
}

/** The SKU's position at each of the network's locations, with the location's kind. */
export async function networkPositions(
  inventory: InventorySystem,
  sku: string,
  locations: NetworkLocations,
): Promise<(StockPosition & { kind: Location['kind'] })[]> {
  return (await inventory.getStockPositions(sku)).flatMap((p) => {
    const location = locations.get(p.locationId);
    return location ? [{ ...p, kind: location.kind }] : [];
  });
}

/** The SKU's position at the hub; null when the inventory system has none there. */
export async function hubPosition(inventory: InventorySystem, sku: string, hubId: string): Promise<StockPosition | null> {
  return (await inventory.getStockPositions(sku)).find((p) => p.locationId === hubId) ?? null;
}

/** Free units of the SKU at the hub now. */
export async function freeAtHub(inventory: InventorySystem, sku: string, hubId: string): Promise<number> {
  const hub = await hubPosition(inventory, sku, hubId);
  return hub ? freeStock(hub) : 0;
}

/**
 * Units free at the hub that are the incident's to share in a round: not counted on by a booked receipt the
 * incident has still to allocate, nor held by a rationing schedule for its periods to come.
 */
export async function unallocatedAtHub(
  inventory: InventorySystem,
  store: IncidentStore,
  input: { incidentId: string; sku: string; hubId: string; since: string; receiptsApplied: string[] },
): Promise<number> {
  const applied = new Set(input.receiptsApplied);
  const booked = await inventory.listReceipts({ sku: input.sku, since: input.since });
  const awaiting = booked.filter((r) => r.locationId === input.hubId && !applied.has(r.receiptId)).reduce((sum, r) => sum + r.quantity, 0);
  // What a rationing schedule holds for its periods to come is the rationed customers', not the round's.
  const held = heldByRations(await store.get<StoredRations>(input.incidentId, RATIONS_KEY));
  return Math.max(0, (await freeAtHub(inventory, input.sku, input.hubId)) - awaiting - held);
}

/** The SKU's purchase orders still open at a location of the network. */
export async function openInbound(inventory: InventorySystem, sku: string, locations: NetworkLocations): Promise<PurchaseOrder[]> {
  return (await inventory.listInbound(sku)).filter((po) => po.status === 'open' && locations.has(po.locationId));
}

/** The SKU's substitutes from the catalogue, by SKU, each with its pack size and its free stock at the hub now. */
export async function substitutesAtHub(inventory: InventorySystem, sku: string, hubId: string): Promise<SubstituteOption[]> {
  const substitutes = await inventory.listSubstitutes(sku);
  const options: SubstituteOption[] = [];
  for (const sub of [...substitutes].sort((a, b) => a.substituteSku.localeCompare(b.substituteSku))) {
    const [available, item] = await Promise.all([freeAtHub(inventory, sub.substituteSku, hubId), inventory.getItem(sub.substituteSku)]);
    options.push({ sku: sub.substituteSku, ratio: sub.ratio, priceDelta: sub.priceDelta, available, packSize: item.packSize });
  }
  return options;
}
