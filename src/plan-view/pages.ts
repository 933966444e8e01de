// A plan view read a page at a time: filtered by relationship stage, customer, reason code and outcome, sorted
// (priority first by default), paged by an opaque keyset cursor — the sort key of the last row given — so a
// reader going page by page meets every line exactly once, whatever page size it asks for. Pure.
import { z } from 'zod';
import { REASON_CODES } from '../allocation/types';
import { PLAN_LINE_OUTCOMES, type PlanLineCustomer, type PlanLineView, type PlanView } from './lines';

/** Refused input names the query field; the operations turn this into their own error. */
export class PlanQueryError extends Error {
  constructor(
    readonly path: string,
    message: string,
  ) {
    super(`${path}: ${message}`);
    this.name = 'PlanQueryError';
  }
}

export const PLAN_SORTS = ['priority', 'line', 'customer', 'backordered'] as const;
export type PlanSort = (typeof PLAN_SORTS)[number];

const text = (max: number) => z.string().trim().min(1).max(max);

/** Which lines: every filter given must hold. */
export const PlanFilterSchema = z.object({
  stage: text(50).optional().meta({ description: 'Only lines of customers in this relationship stage.' }),
  customer: text(200).optional().meta({ description: "Only lines of customers whose id or name contains this (any case)." }),
  reason: z.enum(REASON_CODES).optional().meta({ description: 'Only lines with this reason code.' }),
  outcome: z.enum(PLAN_LINE_OUTCOMES).optional().meta({ description: 'Only lines served so: in full, partly, with a substitute, or not now.' }),
});
export type PlanFilter = z.output<typeof PlanFilterSchema>;

export const PagingSchema = z.object({
  cursor: z.string().min(1).max(1000).optional().meta({ description: 'The `nextCursor` of the page before.' }),
  limit: z.coerce.number().int().min(1).max(1000).default(100),
});

export const PlanLinesQuerySchema = PlanFilterSchema.extend({
  sort: z
    .enum(PLAN_SORTS)
    .default('priority')
    .meta({ description: 'priority (who is served first), line id, customer name, or most backordered first; ties by priority.' }),
  ...PagingSchema.shape,
});
export type PlanLinesQuery = z.input<typeof PlanLinesQuerySchema>;

export const PlanCustomersQuerySchema = PlanFilterSchema.extend(PagingSchema.shape);
export type PlanCustomersQuery = z.input<typeof PlanCustomersQuerySchema>;

export interface Page<T> {
  items: T[];
  nextCursor: string | null;
  /** Rows matching the filters, on every page together. */
  total: number;
}

type Key = (string | number)[];

const SORT_KEYS: Record<PlanSort, (l: PlanLineView) => Key> = {
  priority: (l) => [l.position],
  line: (l) => [l.lineId],
  customer: (l) => [(l.customer.name ?? l.customer.customerId).toLowerCase(), l.customer.customerId, l.position],
  backordered: (l) => [-l.backordered, l.position],
};

export function matches(line: PlanLineView, filter: PlanFilter): boolean {
  if (filter.stage !== undefined && line.customer.stage !== filter.stage) return false;
  if (filter.outcome !== undefined && line.outcome !== filter.outcome) return false;
  if (filter.reason !== undefined && !line.reasons.some((r) => r.code === filter.reason)) return false;
  if (filter.customer !== undefined) {
    const wanted = filter.customer.toLowerCase();
    const { customerId, name } = line.customer;
    if (!customerId.toLowerCase().includes(wanted) && !(name ?? '').toLowerCase().includes(wanted)) return false;
  }
  return true;
}

/** One page of lines; `sorted` caches each sort of the view's lines for the next page. */
export function linesPage(view: PlanView & { sorted?: Partial<Record<PlanSort, PlanLineView[]>> }, query: PlanLinesQuery): Page<PlanLineView> {
  const q = PlanLinesQuerySchema.parse(query);
  const sorted = (view.sorted ??= {});
  const ordered = (sorted[q.sort] ??= q.sort === 'priority' ? view.lines : sortBy(view.lines, SORT_KEYS[q.sort]));
  return keysetPage(
    ordered.filter((l) => matches(l, q)),
    SORT_KEYS[q.sort],
    q,
    q.sort,
  );
}

export interface PlanCustomerView extends PlanLineCustomer {
  /** Place of the customer's first line in the priority order. */
  position: number;
  requested: number;
  allocated: number;
  /** Units of the short SKU that substitutes stand in for. */
  substitute: number;
  backordered: number;
  /** Its lines that match the filters, highest priority first. */
  lines: PlanLineView[];
}

/** One page of customers, in the order of their first line's priority, each with its matching lines. */
export function customersPage(view: PlanView, query: PlanCustomersQuery): Page<PlanCustomerView> {
  const q = PlanCustomersQuerySchema.parse(query);
  const customers = new Map<string, PlanCustomerView>();
  for (const line of view.lines) {
    if (!matches(line, q)) continue;
    let c = customers.get(line.customer.customerId);
    if (!c) {
      c = { ...line.customer, position: line.position, requested: 0, allocated: 0, substitute: 0, backordered: 0, lines: [] };
      customers.set(line.customer.customerId, c);
    }
    c.requested += line.requested;
    c.allocated += line.allocated;
    c.substitute += line.substitute;
    c.backordered += line.backordered;
    c.lines.push(line);
  }
  return keysetPage([...customers.values()], (c) => [c.position], q, 'customers');
}

/** Rows after the cursor's key, `limit` of them, and the cursor of the next page (null on the last). */
export function keysetPage<T>(rows: readonly T[], keyOf: (row: T) => Key, paging: { cursor?: string; limit: number }, order: string): Page<T> {
  const after = paging.cursor === undefined ? null : decodeCursor(paging.cursor, order);
  const start = after === null ? 0 : firstAfter(rows, keyOf, after);
  const items = rows.slice(start, start + paging.limit);
  const more = start + paging.limit < rows.length;
  return { items, nextCursor: more ? encodeCursor(order, keyOf(items.at(-1)!)) : null, total: rows.length };
}

/** Rows are in key order: the first with a key past `after`, by bisection. */
function firstAfter<T>(rows: readonly T[], keyOf: (row: T) => Key, after: Key): number {
  let [low, high] = [0, rows.length];
  while (low < high) {
    const mid = (low + high) >> 1;
    if (compareKeys(keyOf(rows[mid]!), after) <= 0) low = mid + 1;
    else high = mid;
  }
  return low;
}

function sortBy<T>(rows: readonly T[], keyOf: (row: T) => Key): T[] {
  return rows
    .map((row) => ({ row, key: keyOf(row) }))
    .sort((a, b) => compareKeys(a.key, b.key))
    .map((k) => k.row);
}

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.min(a.length, b.length); i++) {
    const [x, y] = [a[i]!, b[i]!];
    if (x !== y) return x < y ? -1 : 1;
  }
  return a.length - b.length;
}

function encodeCursor(order: string, key: Key): string {
  return Buffer.from(JSON.stringify({ o: order, k: key })).toString('base64url');
}

function decodeCursor(cursor: string, order: string): Key {
  let decoded: unknown;
  try {
    decoded = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new PlanQueryError('cursor', 'is not a cursor this API issued');
  }
  const { o, k } = (decoded ?? {}) as { o?: unknown; k?: unknown };
  if (!Array.isArray(k) || !k.every((part) => typeof part === 'string' || typeof part === 'number')) {
    throw new PlanQueryError('cursor', 'is not a cursor this API issued');
  }
  if (o !== order) throw new PlanQueryError('cursor', `belongs to pages in ${String(o)} order, not ${order}: start again without it`);
  return k as Key;
}
