// What of a location's stock no one has claimed: one definition for every figure the incident calls free
// (shared/DOMAIN.md: spokes spare "on hand − reserved − safety stock", substitutes count "their own free
// stock"). Pure.

export interface StockFigures {
  onHand: number;
  reserved: number;
  safetyStock: number;
}

/**
 * Units neither reserved nor held back as safety stock, never less than nothing: what a spoke can spare for
 * the pool, what the hub adds to it, and what a substitute has to give or offer.
 */
export const freeStock = (p: StockFigures): number => Math.max(0, p.onHand - p.reserved - p.safetyStock);

/**
 * Units no reservation holds, safety stock included: what giving back a confirmation the incident took may
 * use. The confirmation held those units before the incident pooled them; safety stock guards against new
 * demand, and reinstating a commitment that already existed is not new demand.
 */
export const unreservedStock = (p: Pick<StockFigures, 'onHand' | 'reserved'>): number => Math.max(0, p.onHand - p.reserved);
