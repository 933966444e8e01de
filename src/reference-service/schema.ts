// The reference service's SQLite schema: inventory, orders, the movements ledger, idempotency records and
// the CRM in one database. CHECK constraints are the last line of defence; the stores check first, to
// answer with a message a person can act on.
import Database from 'better-sqlite3';

export type Db = Database.Database;

const SCHEMA = `
CREATE TABLE IF NOT EXISTS locations (
  location_id TEXT PRIMARY KEY, network TEXT NOT NULL, kind TEXT NOT NULL CHECK (kind IN ('hub', 'spoke')),
  region TEXT NOT NULL, name TEXT NOT NULL, time_zone TEXT);
CREATE UNIQUE INDEX IF NOT EXISTS one_hub_per_network ON locations (network) WHERE kind = 'hub';

CREATE TABLE IF NOT EXISTS items (
  sku TEXT PRIMARY KEY, description TEXT NOT NULL, pack_size INTEGER NOT NULL CHECK (pack_size > 0),
  unit_price REAL NOT NULL, unit_cost REAL NOT NULL);

CREATE TABLE IF NOT EXISTS stock (
  sku TEXT NOT NULL REFERENCES items, location_id TEXT NOT NULL REFERENCES locations,
  on_hand INTEGER NOT NULL CHECK (on_hand >= 0), reserved INTEGER NOT NULL CHECK (reserved >= 0 AND reserved <= on_hand),
  safety_stock INTEGER NOT NULL CHECK (safety_stock >= 0), in_transit INTEGER NOT NULL CHECK (in_transit >= 0),
  PRIMARY KEY (sku, location_id)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS substitutes (
  sku TEXT NOT NULL REFERENCES items, substitute_sku TEXT NOT NULL REFERENCES items,
  ratio REAL NOT NULL CHECK (ratio > 0), price_delta REAL NOT NULL, PRIMARY KEY (sku, substitute_sku)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS purchase_orders (
  po_id TEXT PRIMARY KEY, sku TEXT NOT NULL REFERENCES items, location_id TEXT NOT NULL REFERENCES locations,
  quantity INTEGER NOT NULL CHECK (quantity > 0), received_quantity INTEGER NOT NULL DEFAULT 0 CHECK (received_quantity >= 0),
  eta TEXT NOT NULL, status TEXT NOT NULL CHECK (status IN ('open', 'received', 'cancelled')));
CREATE INDEX IF NOT EXISTS purchase_orders_by_sku ON purchase_orders (sku, eta);

CREATE TABLE IF NOT EXISTS receipts (
  receipt_id TEXT PRIMARY KEY, sku TEXT NOT NULL REFERENCES items, location_id TEXT NOT NULL REFERENCES locations,
  quantity INTEGER NOT NULL CHECK (quantity > 0), po_id TEXT REFERENCES purchase_orders, received_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS receipts_by_sku ON receipts (sku, received_at, receipt_id);

-- quantity is what was ordered; what is still to ship is quantity - shipped - cancelled - substituted.
CREATE TABLE IF NOT EXISTS demand_lines (
  line_id TEXT PRIMARY KEY, order_id TEXT NOT NULL, customer_id TEXT NOT NULL, sku TEXT NOT NULL REFERENCES items,
  location_id TEXT NOT NULL REFERENCES locations, quantity INTEGER NOT NULL CHECK (quantity > 0),
  reserved_quantity INTEGER NOT NULL DEFAULT 0 CHECK (reserved_quantity >= 0),
  shipped_quantity INTEGER NOT NULL DEFAULT 0 CHECK (shipped_quantity >= 0),
  substituted_quantity INTEGER NOT NULL DEFAULT 0 CHECK (substituted_quantity >= 0),
  cancelled_quantity INTEGER NOT NULL DEFAULT 0 CHECK (cancelled_quantity >= 0),
  backordered_quantity INTEGER NOT NULL DEFAULT 0 CHECK (backordered_quantity >= 0),
  requested_date TEXT NOT NULL, order_date TEXT NOT NULL, unit_price REAL NOT NULL, unit_margin REAL NOT NULL,
  pack_size INTEGER NOT NULL CHECK (pack_size > 0), partial_allowed INTEGER NOT NULL, substitutes_allowed INTEGER NOT NULL,
  status TEXT NOT NULL CHECK (status IN ('open', 'closed')),
  -- Order changes: revision counts them (1 when placed), change_seq orders them (0: loaded with the data set, never changed).
  revision INTEGER NOT NULL DEFAULT 1, change_seq INTEGER NOT NULL DEFAULT 0, last_change TEXT, changed_at TEXT,
  CHECK (reserved_quantity + shipped_quantity + substituted_quantity + cancelled_quantity + backordered_quantity <= quantity));
CREATE INDEX IF NOT EXISTS open_lines_by_sku ON demand_lines (sku, line_id) WHERE status = 'open';

CREATE TABLE IF NOT EXISTS transfers (
  transfer_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, sku TEXT NOT NULL REFERENCES items,
  from_location_id TEXT NOT NULL REFERENCES locations, to_location_id TEXT NOT NULL REFERENCES locations,
  quantity INTEGER NOT NULL CHECK (quantity > 0),
  status TEXT NOT NULL CHECK (status IN ('created', 'shipped', 'received', 'cancelled')), created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS transfers_by_incident ON transfers (incident_id, transfer_id);

-- covers: units of the line's SKU a substitute reservation stands for (equal to quantity for the line's own SKU);
-- a substitute that stands for nothing would hold stock no line is credited with.
CREATE TABLE IF NOT EXISTS reservations (
  reservation_id TEXT PRIMARY KEY, incident_id TEXT, line_id TEXT NOT NULL REFERENCES demand_lines,
  sku TEXT NOT NULL REFERENCES items, location_id TEXT NOT NULL REFERENCES locations,
  quantity INTEGER NOT NULL CHECK (quantity > 0), covers INTEGER NOT NULL CHECK (covers > 0),
  status TEXT NOT NULL CHECK (status IN ('active', 'released', 'shipped')), created_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS reservations_by_incident ON reservations (incident_id, reservation_id);
CREATE INDEX IF NOT EXISTS reservations_by_line ON reservations (line_id, reservation_id);

CREATE TABLE IF NOT EXISTS backorders (
  backorder_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, line_id TEXT NOT NULL REFERENCES demand_lines,
  customer_id TEXT NOT NULL, sku TEXT NOT NULL REFERENCES items, quantity INTEGER NOT NULL CHECK (quantity > 0),
  fulfilled INTEGER NOT NULL DEFAULT 0 CHECK (fulfilled >= 0), cancelled INTEGER NOT NULL DEFAULT 0 CHECK (cancelled >= 0),
  open INTEGER NOT NULL CHECK (open >= 0), expected_date TEXT, created_at TEXT NOT NULL,
  CHECK (fulfilled + cancelled + open = quantity));
CREATE INDEX IF NOT EXISTS backorders_by_incident ON backorders (incident_id, backorder_id);
CREATE INDEX IF NOT EXISTS backorders_by_line ON backorders (line_id);

CREATE TABLE IF NOT EXISTS shipments (
  shipment_id TEXT PRIMARY KEY, reservation_id TEXT NOT NULL UNIQUE REFERENCES reservations,
  line_id TEXT NOT NULL, sku TEXT NOT NULL, location_id TEXT NOT NULL, quantity INTEGER NOT NULL CHECK (quantity > 0),
  shipped_at TEXT NOT NULL);

-- Every change of a stock bucket, with the idempotent write that made it: the books are the sum of it.
CREATE TABLE IF NOT EXISTS movements (
  movement_id INTEGER PRIMARY KEY, idempotency_key TEXT NOT NULL, kind TEXT NOT NULL, sku TEXT NOT NULL,
  location_id TEXT NOT NULL, bucket TEXT NOT NULL CHECK (bucket IN ('on_hand', 'reserved', 'in_transit')),
  delta INTEGER NOT NULL, ref TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS movements_by_key ON movements (idempotency_key);

-- One row per applied write (or batch item): a key is applied once, the UNIQUE key enforces it.
CREATE TABLE IF NOT EXISTS idempotency (
  idempotency_key TEXT PRIMARY KEY, operation TEXT NOT NULL, request_hash TEXT NOT NULL, response TEXT NOT NULL,
  movements INTEGER NOT NULL, applied_at TEXT NOT NULL);

CREATE TABLE IF NOT EXISTS counters (name TEXT PRIMARY KEY, value INTEGER NOT NULL) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS account_managers (account_manager_id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, phone TEXT, locale TEXT, time_zone TEXT);

CREATE TABLE IF NOT EXISTS customers (
  customer_id TEXT PRIMARY KEY, name TEXT NOT NULL, stage TEXT NOT NULL, critical INTEGER NOT NULL,
  accepts_substitutes INTEGER NOT NULL, accepts_partial INTEGER NOT NULL, contacts TEXT NOT NULL, locale TEXT, time_zone TEXT,
  account_manager_id TEXT NOT NULL REFERENCES account_managers, revenue_12m REAL NOT NULL, margin_12m REAL NOT NULL);
CREATE INDEX IF NOT EXISTS customers_by_manager ON customers (account_manager_id, customer_id);

CREATE TABLE IF NOT EXISTS customer_stock (
  customer_id TEXT NOT NULL REFERENCES customers, sku TEXT NOT NULL, quantity INTEGER NOT NULL CHECK (quantity >= 0),
  daily_usage REAL NOT NULL CHECK (daily_usage >= 0), reported_at TEXT NOT NULL, PRIMARY KEY (customer_id, sku)) WITHOUT ROWID;

CREATE TABLE IF NOT EXISTS communications (
  seq INTEGER PRIMARY KEY, communication_id TEXT NOT NULL UNIQUE, incident_id TEXT NOT NULL, recipient TEXT NOT NULL,
  customer_id TEXT, account_manager_id TEXT, kind TEXT NOT NULL, message_id TEXT NOT NULL,
  outcome TEXT NOT NULL CHECK (outcome IN ('sent', 'rejected', 'failed')), detail TEXT, recorded_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS communications_by_message ON communications (message_id, seq);
CREATE INDEX IF NOT EXISTS communications_by_incident ON communications (incident_id, seq);

CREATE TABLE IF NOT EXISTS credits (
  credit_id TEXT PRIMARY KEY, incident_id TEXT NOT NULL, customer_id TEXT NOT NULL REFERENCES customers,
  amount REAL NOT NULL CHECK (amount > 0), currency TEXT NOT NULL, reason TEXT NOT NULL, granted_at TEXT NOT NULL);
CREATE INDEX IF NOT EXISTS credits_by_incident ON credits (incident_id, credit_id);
`;

type Camel<S extends string> = S extends `${infer Head}_${infer Tail}` ? `${Head}${Capitalize<Camel<Tail>>}` : S;
/** A row under the contract's names for its columns: `location_id` → `locationId`. */
export type CamelCased<R> = { [K in keyof R & string as Camel<K>]: R[K] };

/** A row whose columns are a contract record's fields, named as the contract names them. */
export function camelCased<R extends object>(row: R): CamelCased<R> {
  return Object.fromEntries(Object.entries(row).map(([column, value]) => [column.replace(/_([a-z])/g, (_, c: string) => c.toUpperCase()), value])) as CamelCased<R>;
}

/** Opens (or creates) the database and brings its schema up to date. */
export function openDatabase(file: string = ':memory:'): Db {
  const db = new Database(file);
  if (file !== ':memory:') db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.exec(SCHEMA);
  // Databases made before locations had a time zone get the column (NULL: UTC).
  const columns = db.prepare('PRAGMA table_info(locations)').all() as { name: string }[];
  if (!columns.some((c) => c.name === 'time_zone')) db.exec('ALTER TABLE locations ADD COLUMN time_zone TEXT');
  // Databases made before account managers had a phone get the column (additive: null until the CRM has one).
  const managerColumns = db.prepare('PRAGMA table_info(account_managers)').all() as { name: string }[];
  if (!managerColumns.some((c) => c.name === 'phone')) db.exec('ALTER TABLE account_managers ADD COLUMN phone TEXT');
  // And before they had a locale and zone (null: their digests read in English, UTC).
  if (!managerColumns.some((c) => c.name === 'locale')) db.exec('ALTER TABLE account_managers ADD COLUMN locale TEXT; ALTER TABLE account_managers ADD COLUMN time_zone TEXT');
  // Databases made before order changes were kept get their columns (a loaded line is revision 1, never changed).
  const lineColumns = db.prepare('PRAGMA table_info(demand_lines)').all() as { name: string }[];
  if (!lineColumns.some((c) => c.name === 'change_seq')) {
    db.exec(`ALTER TABLE demand_lines ADD COLUMN revision INTEGER NOT NULL DEFAULT 1;
      ALTER TABLE demand_lines ADD COLUMN change_seq INTEGER NOT NULL DEFAULT 0;
      ALTER TABLE demand_lines ADD COLUMN last_change TEXT; ALTER TABLE demand_lines ADD COLUMN changed_at TEXT;`);
  }
  db.exec('CREATE INDEX IF NOT EXISTS line_changes_by_sku ON demand_lines (sku, change_seq) WHERE change_seq > 0');
  return db;
}

/** The next number of a sequence (1, 2, …), e.g. the order of demand line changes. */
export function nextSeq(db: Db, name: string): number {
  return (sql(db, 'INSERT INTO counters (name, value) VALUES (?, 1) ON CONFLICT (name) DO UPDATE SET value = value + 1 RETURNING value').get(name) as { value: number }).value;
}

/** The last number a sequence gave (0 before its first). */
export function currentSeq(db: Db, name: string): number {
  return (sql(db, 'SELECT value FROM counters WHERE name = ?').get(name) as { value: number } | undefined)?.value ?? 0;
}

/** Next id of a kind, zero-padded so ids sort in creation order (keyset pagination relies on it). */
export function nextId(db: Db, prefix: string, width = 8): string {
  return `${prefix}-${String(nextSeq(db, prefix)).padStart(width, '0')}`;
}

const statements = new WeakMap<Db, Map<string, Database.Statement>>();

/** A prepared statement, compiled once per database. */
export function sql(db: Db, text: string): Database.Statement {
  let cache = statements.get(db);
  if (!cache) statements.set(db, (cache = new Map()));
  let statement = cache.get(text);
  if (!statement) cache.set(text, (statement = db.prepare(text)));
  return statement;
}
