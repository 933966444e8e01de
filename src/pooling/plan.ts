// Pooling: which spokes send how much to the hub so one pool is shared fairly (seed 002: "bring inventory
// at spoke locations to a central location"). A spoke spares its free stock (src/pooling/free-stock.ts);
// the plan moves only what is needed, from the largest spare first, ties by location id.
// Pure: the caller turns each transfer into an idempotent record in the inventory system.
import { freeStock, type StockFigures } from './free-stock';

export interface PoolingPosition extends StockFigures {
  locationId: string;
}

/** A location's stock of the SKU as the assessment read it. */
export interface LocationStock extends PoolingPosition {
  kind: 'hub' | 'spoke';
}

export interface PoolingInput {
  sku: string;
  hubId: string;
  /** Positions of the network's locations; the hub's own is ignored. */
  positions: readonly PoolingPosition[];
  /** Units the hub is short (the shortage); zero or less moves nothing. */
  needed: number;
}

export interface PlannedTransfer {
  fromLocationId: string;
  toLocationId: string;
  quantity: number;
}

export interface PoolingPlan {
  sku: string;
  transfers: PlannedTransfer[];
  /** Units the transfers bring to the hub (≤ needed). */
  pooled: number;
}

export function planPooling({ sku, hubId, positions, needed }: PoolingInput): PoolingPlan {
  checkPositions(positions, needed);
  const spokes = positions
    .filter((p) => p.locationId !== hubId && freeStock(p) > 0)
    .map((p) => ({ locationId: p.locationId, spare: freeStock(p) }))
    .sort((a, b) => b.spare - a.spare || (a.locationId < b.locationId ? -1 : a.locationId > b.locationId ? 1 : 0));
  const transfers: PlannedTransfer[] = [];
  let missing = Math.max(0, needed);
  for (const spoke of spokes) {
    if (missing === 0) break;
    const quantity = Math.min(spoke.spare, missing);
    transfers.push({ fromLocationId: spoke.locationId, toLocationId: hubId, quantity });
    missing -= quantity;
  }
  return { sku, transfers, pooled: transfers.reduce((sum, t) => sum + t.quantity, 0) };
}

/** One transfer per spoke is what keeps transfer keys unique: a location listed twice is bad input. */
function checkPositions(positions: readonly PoolingPosition[], needed: number): void {
  if (!Number.isSafeInteger(needed)) throw new Error(`needed: must be a whole number, got ${needed}`);
  const seen = new Set<string>();
  for (const p of positions) {
    if (seen.has(p.locationId)) throw new Error(`positions: location ${p.locationId} is listed twice`);
    seen.add(p.locationId);
    for (const field of ['onHand', 'reserved', 'safetyStock'] as const) {
      if (!Number.isSafeInteger(p[field]) || p[field] < 0) throw new Error(`positions.${p.locationId}.${field}: must be a whole number ≥ 0, got ${p[field]}`);
    }
  }
}
