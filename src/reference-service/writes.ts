// How every write is applied: exactly once per idempotency key (the same key with the same body answers
// the first reply; with another body, 409), inside a transaction, with each stock change written to the
// movements ledger under that key.
import { createHash } from 'node:crypto';
import { sql, type Db } from './schema';

/** A refusal the caller can act on: 400 bad field, 404 unknown reference, 409 state conflict, 422 broken invariant. */
export class ServiceError extends Error {
  constructor(
    readonly status: 400 | 404 | 409 | 422,
    message: string,
    readonly issues: { path: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ServiceError';
  }
}

export const badField = (path: string, message: string) => new ServiceError(400, `invalid request: ${path}: ${message}`, [{ path, message }]);
export const notFound = (message: string) => new ServiceError(404, message);
export const conflict = (message: string) => new ServiceError(409, message);
export const invariant = (message: string) => new ServiceError(422, message);
/** A broken invariant one field of the request is to blame for: `issues` names it. */
export const invariantOn = (path: string, message: string) => new ServiceError(422, `${path}: ${message}`, [{ path, message }]);

export type Bucket = 'on_hand' | 'reserved' | 'in_transit';

/** One idempotent write in progress: the ledger entries it makes carry its key. */
export interface Write {
  db: Db;
  key: string;
  now: string;
  movements: number;
}

interface StockRow {
  on_hand: number;
  reserved: number;
  in_transit: number;
}

/** Canonical JSON (sorted keys), so the same body always hashes the same. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (value && typeof value === 'object') {
    const entries = Object.entries(value)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonical(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/**
 * Applies `apply` once for `key`. Runs inside the caller's transaction; the UNIQUE key in the
 * idempotency table makes a second application impossible even if a check were skipped.
 */
export function once<T>(db: Db, operation: string, request: { idempotencyKey: string }, now: string, apply: (write: Write) => T): T {
  const { idempotencyKey: key, ...body } = request;
  const hash = createHash('sha256').update(`${operation}\n${canonical(body)}`).digest('hex');
  const seen = sql(db, 'SELECT operation, request_hash, response FROM idempotency WHERE idempotency_key = ?').get(key) as
    | { operation: string; request_hash: string; response: string }
    | undefined;
  if (seen) {
    if (seen.request_hash === hash) return JSON.parse(seen.response) as T;
    const what = seen.operation === operation ? `a different ${operation} request` : `${seen.operation}, not ${operation}`;
    throw conflict(`idempotency key "${key}" was already used for ${what}`);
  }
  const write: Write = { db, key, now, movements: 0 };
  const result = apply(write);
  sql(db, 'INSERT INTO idempotency (idempotency_key, operation, request_hash, response, movements, applied_at) VALUES (?, ?, ?, ?, ?, ?)').run(
    key,
    operation,
    hash,
    JSON.stringify(result),
    write.movements,
    now,
  );
  return result;
}

/** Applies every item of a batch under its own key; a refused item names its index (and its field) and nothing is written. */
export function eachItem<I extends { idempotencyKey: string }, T>(items: I[], apply: (item: I) => T): T[] {
  return items.map((item, index) => {
    try {
      return apply(item);
    } catch (error) {
      if (!(error instanceof ServiceError)) throw error;
      const issues = error.issues.map((i) => ({ ...i, path: `body.items.${index}.${i.path}` }));
      throw new ServiceError(error.status, `items.${index} (${item.idempotencyKey}): ${error.message}`, issues);
    }
  });
}

/**
 * Changes the stock of `sku` at a location, refusing anything that would make a bucket negative or
 * reserve more than is on hand, and records each change in the ledger.
 */
export function moveStock(write: Write, kind: string, ref: string, sku: string, locationId: string, change: Partial<Record<Bucket, number>>) {
  const { db } = write;
  const row = sql(db, 'SELECT on_hand, reserved, in_transit FROM stock WHERE sku = ? AND location_id = ?').get(sku, locationId) as StockRow | undefined;
  const current: StockRow = row ?? requireStockable(db, sku, locationId);
  const next = {
    on_hand: current.on_hand + (change.on_hand ?? 0),
    reserved: current.reserved + (change.reserved ?? 0),
    in_transit: current.in_transit + (change.in_transit ?? 0),
  };
  const where = `${sku} at ${locationId}`;
  if (next.on_hand < 0 || next.reserved > next.on_hand) {
    const free = current.on_hand - current.reserved;
    throw invariant(
      `${kind} refused: not enough free stock of ${where} (on hand ${current.on_hand}, reserved ${current.reserved}, free ${free}; ` +
        `it would leave on hand ${next.on_hand} with ${next.reserved} reserved)`,
    );
  }
  if (next.reserved < 0) throw invariant(`${kind} refused: only ${current.reserved} units of ${where} are reserved`);
  if (next.in_transit < 0) throw invariant(`${kind} refused: only ${current.in_transit} units are in transit to ${where}`);
  if (row) {
    sql(db, 'UPDATE stock SET on_hand = ?, reserved = ?, in_transit = ? WHERE sku = ? AND location_id = ?').run(next.on_hand, next.reserved, next.in_transit, sku, locationId);
  } else {
    sql(db, 'INSERT INTO stock (sku, location_id, on_hand, reserved, safety_stock, in_transit) VALUES (?, ?, ?, ?, 0, ?)').run(sku, locationId, next.on_hand, next.reserved, next.in_transit);
  }
  for (const bucket of ['on_hand', 'reserved', 'in_transit'] as const) {
    const delta = change[bucket] ?? 0;
    if (delta === 0) continue;
    sql(db, 'INSERT INTO movements (idempotency_key, kind, sku, location_id, bucket, delta, ref) VALUES (?, ?, ?, ?, ?, ?, ?)').run(write.key, kind, sku, locationId, bucket, delta, ref);
    write.movements += 1;
  }
}

/** A SKU and location both known but never stocked together start from zero. */
function requireStockable(db: Db, sku: string, locationId: string): StockRow {
  if (!sql(db, 'SELECT 1 FROM items WHERE sku = ?').get(sku)) throw notFound(`unknown SKU "${sku}"`);
  if (!sql(db, 'SELECT 1 FROM locations WHERE location_id = ?').get(locationId)) throw notFound(`unknown location "${locationId}"`);
  return { on_hand: 0, reserved: 0, in_transit: 0 };
}
