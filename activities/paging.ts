// Listings of the inventory system read whole: one request per page, following the cursor, with a
// heartbeat per page for long activities.
import type { Backorder, DemandLine } from '../src/inventory/contract';
import type { InventorySystem } from '../src/inventory/system';

const PAGE_SIZE = 1000;

/** Every item of a paginated listing: `read` fetches one page, `items` picks its entries. */
export async function everyPage<P extends { nextCursor: string | null }, T>(
  read: (page: { limit: number; cursor?: string }) => Promise<P>,
  items: (page: P) => readonly T[],
  beat: () => void = () => {},
): Promise<T[]> {
  const all: T[] = [];
  let cursor: string | null = null;
  do {
    const page: P = await read({ limit: PAGE_SIZE, ...(cursor ? { cursor } : {}) });
    all.push(...items(page));
    cursor = page.nextCursor;
    beat();
  } while (cursor);
  return all;
}

/** Every open demand line of the SKU, all networks. */
export const listAllDemandLines = (inventory: InventorySystem, sku: string, beat?: () => void): Promise<DemandLine[]> =>
  everyPage((page) => inventory.listDemandLines({ sku, ...page }), (p) => p.lines, beat);

/** Every backorder of the incident. */
export const listIncidentBackorders = (inventory: InventorySystem, incidentId: string, beat?: () => void): Promise<Backorder[]> =>
  everyPage((page) => inventory.listBackorders({ incidentId, ...page }), (p) => p.backorders, beat);
