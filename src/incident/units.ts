// Unit quantities people type: whole numbers with one upper bound, shared by commands and answer kinds.
import { z } from 'zod';

/**
 * The most units one restock, override or customer figure may name: far above any real receipt or order line,
 * low enough that a typo of a few extra digits (or 10^15) is refused instead of booked as stock.
 */
export const MAX_UNITS = 1_000_000_000;
export const units = z.number().int().max(MAX_UNITS);
