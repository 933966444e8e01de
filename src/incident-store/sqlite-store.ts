// The embedded store: a SQLite file in the data folder, for one host (the worker, the API and the CLI of the
// main job share it). better-sqlite3 is synchronous; the store's interface is not, for PostgreSQL's sake.
import Database from 'better-sqlite3';
import { encodeDocument, type IncidentStore } from './store';
import { LATEST_SCHEMA_VERSION, pendingMigrations } from './migrations';

/** Brings the file's schema up to `target` in one transaction that holds the write lock, so two processes opening it at once take turns. */
export function migrateSqlite(db: Database.Database, target = LATEST_SCHEMA_VERSION): void {
  db.transaction(() => {
    db.exec('CREATE TABLE IF NOT EXISTS schema_migrations (version INTEGER PRIMARY KEY, description TEXT NOT NULL, applied_at TEXT NOT NULL)');
    const applied = db.prepare<[], { version: number }>('SELECT version FROM schema_migrations').all().map((row) => row.version);
    const record = db.prepare('INSERT INTO schema_migrations (version, description, applied_at) VALUES (?, ?, ?)');
    for (const migration of pendingMigrations(applied, target)) {
      db.exec(migration.sqlite);
      record.run(migration.version, migration.description, new Date().toISOString());
    }
  }).immediate();
}

/** How long an opener waits for another process's switch of the file to WAL, and how often it looks again. */
const WAL_SWITCH = { waitMs: 10_000, everyMs: 25 };

/**
 * WAL is a property of the file: the first opener switches it, later ones find it switched. Two processes opening a
 * new file at once (two workers started together) race for it: while the other one writes, SQLite answers the switch
 * SQLITE_BUSY at once, not after its busy timeout (waiting could deadlock), so the opener looks again until it is done. Synchronous, as the driver is.
 */
function switchToWal(db: Database.Database): void {
  const pause = new Int32Array(new SharedArrayBuffer(4));
  for (const deadline = Date.now() + WAL_SWITCH.waitMs; ; ) {
    try {
      if (db.pragma('journal_mode', { simple: true }) !== 'wal') db.pragma('journal_mode = WAL');
      return;
    } catch (error) {
      if (!(error instanceof Database.SqliteError && error.code === 'SQLITE_BUSY') || Date.now() >= deadline) throw error;
      Atomics.wait(pause, 0, 0, WAL_SWITCH.everyMs);
    }
  }
}

/** SQLite-backed store; ':memory:' for tests, the data folder's file otherwise. */
export function openSqliteStore(file: string): IncidentStore {
  const db = new Database(file);
  switchToWal(db);
  migrateSqlite(db);
  const storedHash = db.prepare<[string, string], { content_hash: string | null }>(
    'SELECT content_hash FROM incident_documents WHERE incident_id = ? AND key = ?',
  );
  // The WHERE keeps a concurrent writer of the same content from rewriting it after the check above.
  const upsert = db.prepare(
    `INSERT INTO incident_documents (incident_id, key, body, content_hash, updated_at) VALUES (?, ?, ?, ?, ?)
     ON CONFLICT (incident_id, key) DO UPDATE SET body = excluded.body, content_hash = excluded.content_hash, updated_at = excluded.updated_at
     WHERE incident_documents.content_hash IS NOT excluded.content_hash`,
  );
  const select = db.prepare<[string, string], { body: string }>('SELECT body FROM incident_documents WHERE incident_id = ? AND key = ?');
  return {
    async put(incidentId, key, value) {
      const { body, hash } = encodeDocument(incidentId, key, value);
      if (storedHash.get(incidentId, key)?.content_hash === hash) return;
      upsert.run(incidentId, key, body, hash, new Date().toISOString());
    },
    async get<T>(incidentId: string, key: string) {
      const row = select.get(incidentId, key);
      return row ? (JSON.parse(row.body) as T) : null;
    },
    async close() {
      db.close();
    },
  };
}
