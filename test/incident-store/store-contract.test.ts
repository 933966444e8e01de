// The incident store's contract, the same for both stores: SQLite (a file, the embedded default) and
// PostgreSQL (a database of its own on the run's real server). Round trip, overwrite, an unchanged document
// left unwritten, a large document, concurrent writers and openers, and the schema's migration from an empty
// database and from the version before the newest. Whether a put wrote is read from the database itself:
// PostgreSQL's row version (xmin); in SQLite, which leaves a page alone when a write repeats its bytes, triggers
// that count every insert and update of the row.
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { LATEST_SCHEMA_VERSION, MIGRATIONS } from '../../src/incident-store/migrations';
import { migratePostgres, openPostgresStore } from '../../src/incident-store/postgres-store';
import { migrateSqlite, openSqliteStore } from '../../src/incident-store/sqlite-store';
import type { IncidentStore } from '../../src/incident-store/store';
import { freshDatabase } from '../harness/postgres';

/** One empty database of a store's kind, with the raw access the tests check the store against. */
interface EmptyDatabase {
  open(): Promise<IncidentStore>;
  /** Applies the migrations up to `version` only, as an older build left the database. */
  migrateTo(version: number): Promise<void>;
  /** A raw statement or query; `?` placeholders. */
  query<T>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Changes whenever the document is written (and only then). */
  writeMark(incidentId: string, key: string): Promise<string>;
  close(): Promise<void>;
}

const folder = mkdtempSync(join(tmpdir(), 'store-contract-'));
const opened: { close(): Promise<void> }[] = [];
afterAll(async () => {
  for (const each of opened.splice(0)) await each.close();
  rmSync(folder, { recursive: true, force: true });
});
const track = <T extends { close(): Promise<void> }>(each: T): T => (opened.push(each), each);

function sqliteDatabase(): EmptyDatabase {
  const file = join(folder, `${randomUUID()}.sqlite`);
  const raw = new Database(file);
  return track<EmptyDatabase>({
    open: async () => track(openSqliteStore(file)),
    migrateTo: async (version) => migrateSqlite(raw, version),
    query: async <T>(sql: string, params: unknown[] = []) => {
      const statement = raw.prepare(sql);
      return statement.reader ? (statement.all(...params) as T[]) : (statement.run(...params), []);
    },
    writeMark: async (incidentId, key) => {
      raw.exec(`CREATE TABLE IF NOT EXISTS test_writes (incident_id TEXT NOT NULL, key TEXT NOT NULL);
        CREATE TRIGGER IF NOT EXISTS test_inserts AFTER INSERT ON incident_documents BEGIN INSERT INTO test_writes VALUES (new.incident_id, new.key); END;
        CREATE TRIGGER IF NOT EXISTS test_updates AFTER UPDATE ON incident_documents BEGIN INSERT INTO test_writes VALUES (new.incident_id, new.key); END;`);
      return String(raw.prepare('SELECT count(*) FROM test_writes WHERE incident_id = ? AND key = ?').pluck().get(incidentId, key));
    },
    close: async () => void raw.close(),
  });
}

async function postgresDatabase(): Promise<EmptyDatabase> {
  const url = await freshDatabase();
  const raw = new pg.Pool({ connectionString: url, max: 2 });
  const query = async <T>(sql: string, params: unknown[] = []) => {
    let n = 0;
    return (await raw.query(sql.replace(/\?/g, () => `$${++n}`), params)).rows as T[];
  };
  return track<EmptyDatabase>({
    open: async () => track(await openPostgresStore(url)),
    migrateTo: (version) => migratePostgres(raw, version),
    query,
    // A row's xmin is the transaction that wrote its current version.
    writeMark: async (incidentId, key) =>
      (await query<{ xmin: string }>('SELECT xmin::text AS xmin FROM incident_documents WHERE incident_id = ? AND key = ?', [incidentId, key]))[0]?.xmin ?? 'none',
    close: () => raw.end(),
  });
}

const STORES: [string, () => Promise<EmptyDatabase> | EmptyDatabase][] = [
  ['SQLite', sqliteDatabase],
  ['PostgreSQL', postgresDatabase],
];

const INCIDENT = 'stockout:EU:SKU-1';

/** A plan about the size of the largest an incident stores: 60,000 lines (several MB of JSON). */
function largePlan(allocated = 3) {
  return {
    sku: 'SKU-1',
    lines: Array.from({ length: 60_000 }, (_, i) => ({
      lineId: `L${String(i).padStart(6, '0')}`,
      customerId: `C${i % 997}`,
      requested: 10,
      allocated,
      reasons: ['fair-share-floor', 'concentration-cap'],
      note: 'ünïcode ✓',
    })),
  };
}

describe.each(STORES)('the %s incident store', (_name, emptyDatabase) => {
  it('gives back what was put, per incident and key; null for what never was', async () => {
    const store = await (await emptyDatabase()).open();
    const snapshot = { hubId: 'HUB', lines: [{ lineId: 'L1', quantity: 4 }], note: 'quotes " and \\ and ünïcode' };
    await store.put(INCIDENT, 'snapshot', snapshot);
    await store.put('stockout:US:SKU-1', 'snapshot', { other: true });
    await store.put(INCIDENT, 'notified', ['C1', 'C2']);
    await store.put(INCIDENT, 'expected-date', '2030-01-31');
    expect(await store.get(INCIDENT, 'snapshot')).toEqual(snapshot);
    expect(await store.get('stockout:US:SKU-1', 'snapshot')).toEqual({ other: true });
    expect(await store.get(INCIDENT, 'notified')).toEqual(['C1', 'C2']);
    expect(await store.get(INCIDENT, 'expected-date')).toBe('2030-01-31');
    expect(await store.get(INCIDENT, 'plan/0')).toBeNull();
    expect(await store.get('stockout:US:SKU-2', 'snapshot')).toBeNull();
  });

  it('overwrites a document put again with other content', async () => {
    const store = await (await emptyDatabase()).open();
    await store.put(INCIDENT, 'credits', { C1: 10 });
    await store.put(INCIDENT, 'credits', { C1: 10, C2: 25 });
    expect(await store.get(INCIDENT, 'credits')).toEqual({ C1: 10, C2: 25 });
  });

  it('does not write a document again when its content is unchanged, and does when it changed', async () => {
    const database = await emptyDatabase();
    const store = await database.open();
    await store.put(INCIDENT, 'plan/0', { lines: [1, 2, 3] });
    const first = await database.writeMark(INCIDENT, 'plan/0');
    await store.put(INCIDENT, 'plan/0', { lines: [1, 2, 3] });
    expect(await database.writeMark(INCIDENT, 'plan/0'), 'an unchanged document was written again').toBe(first);
    await store.put(INCIDENT, 'plan/0', { lines: [1, 2, 4] });
    expect(await database.writeMark(INCIDENT, 'plan/0'), 'a changed document was not written').not.toBe(first);
    expect(await store.get(INCIDENT, 'plan/0')).toEqual({ lines: [1, 2, 4] });
  });

  it('keeps a large document whole, and a retry that puts it unchanged does not write it again', async () => {
    const database = await emptyDatabase();
    const store = await database.open();
    const plan = largePlan();
    expect(JSON.stringify(plan).length).toBeGreaterThan(5_000_000);
    await store.put(INCIDENT, 'plan/0', plan);
    expect(await store.get(INCIDENT, 'plan/0')).toEqual(plan);
    const written = await database.writeMark(INCIDENT, 'plan/0');
    await store.put(INCIDENT, 'plan/0', largePlan());
    expect(await database.writeMark(INCIDENT, 'plan/0')).toBe(written);
    await store.put(INCIDENT, 'plan/0', largePlan(4));
    expect(((await store.get<ReturnType<typeof largePlan>>(INCIDENT, 'plan/0'))!.lines.at(-1))!.allocated).toBe(4);
  });

  it('takes concurrent writers through separate connections: every document lands, a contested one holds one writer’s whole value', async () => {
    const database = await emptyDatabase();
    const [a, b] = await Promise.all([database.open(), database.open()]);
    const writes = (store: IncidentStore, writer: string) =>
      Array.from({ length: 40 }, (_, i) => [store.put(INCIDENT, `rounds/${writer}-${i}`, { writer, i }), store.put(INCIDENT, 'contested', { writer, i })]).flat();
    await Promise.all([...writes(a!, 'a'), ...writes(b!, 'b')]);
    const reader = await database.open();
    for (const writer of ['a', 'b']) {
      for (let i = 0; i < 40; i++) expect(await reader.get(INCIDENT, `rounds/${writer}-${i}`)).toEqual({ writer, i });
    }
    const contested = await reader.get<{ writer: string; i: number }>(INCIDENT, 'contested');
    expect(['a', 'b']).toContain(contested?.writer);
    expect(contested?.i).toBeGreaterThanOrEqual(0);
  });

  it('creates its schema in an empty database, once, even when several processes open it together', async () => {
    const database = await emptyDatabase();
    const stores = await Promise.all([database.open(), database.open(), database.open()]);
    const versions = await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => Number(v.version))).toEqual(MIGRATIONS.map((m) => m.version));
    await stores[0]!.put(INCIDENT, 'snapshot', { ok: true });
    expect(await stores[2]!.get(INCIDENT, 'snapshot')).toEqual({ ok: true });
    // Opening an up-to-date database applies nothing.
    await database.open();
    expect(await database.query('SELECT version FROM schema_migrations')).toHaveLength(MIGRATIONS.length);
  });

  it(`migrates a database at version ${LATEST_SCHEMA_VERSION - 1} to ${LATEST_SCHEMA_VERSION}, keeping its documents`, async () => {
    const database = await emptyDatabase();
    await database.migrateTo(LATEST_SCHEMA_VERSION - 1);
    // A document as the previous version wrote it: without a content hash.
    await database.query('INSERT INTO incident_documents (incident_id, key, body, updated_at) VALUES (?, ?, ?, ?)', [
      INCIDENT,
      'report',
      JSON.stringify({ fillRate: 0.8 }),
      new Date().toISOString(),
    ]);
    const store = await database.open();
    const versions = await database.query<{ version: number }>('SELECT version FROM schema_migrations ORDER BY version');
    expect(versions.map((v) => Number(v.version))).toEqual(MIGRATIONS.map((m) => m.version));
    expect(await store.get(INCIDENT, 'report')).toEqual({ fillRate: 0.8 });
    // Its first put stores the hash the old row lacks; the next identical one writes nothing.
    await store.put(INCIDENT, 'report', { fillRate: 0.8 });
    const hashed = await database.writeMark(INCIDENT, 'report');
    await store.put(INCIDENT, 'report', { fillRate: 0.8 });
    expect(await database.writeMark(INCIDENT, 'report')).toBe(hashed);
  });
});

it('opens a SQLite file written before the store had migrations, as the data folders of earlier runs hold', async () => {
  const file = join(folder, 'before-migrations.sqlite');
  const raw = new Database(file);
  raw.exec(MIGRATIONS[0]!.sqlite);
  raw.prepare('INSERT INTO incident_documents (incident_id, key, body, updated_at) VALUES (?, ?, ?, ?)').run(INCIDENT, 'plan/0', '{"lines":[]}', new Date().toISOString());
  raw.close();
  const store = track(openSqliteStore(file));
  expect(await store.get(INCIDENT, 'plan/0')).toEqual({ lines: [] });
  await store.put(INCIDENT, 'plan/1', { lines: [1] });
  expect(await store.get(INCIDENT, 'plan/1')).toEqual({ lines: [1] });
});
