// The incident store keeps what is too big for workflow history — demand snapshots, full plans, restock
// rounds, prepared notices, reports — keyed by incident id and a name. The workflow passes only the names.
// Writes overwrite: an activity that retries writes the same document again, which is harmless.
import Database from 'better-sqlite3';

/** The store's file in the data folder, shared by the worker, the API and the CLI. */
export const INCIDENT_STORE_FILE = 'incidents.sqlite';

export interface IncidentStore {
  put(incidentId: string, key: string, value: unknown): void;
  get<T>(incidentId: string, key: string): T | null;
  close(): void;
}

/** SQLite-backed store; ':memory:' for tests, a file shared by the worker, API and CLI otherwise. */
export function openIncidentStore(file: string): IncidentStore {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.exec(`CREATE TABLE IF NOT EXISTS incident_documents (
    incident_id TEXT NOT NULL,
    key TEXT NOT NULL,
    body TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (incident_id, key)
  )`);
  const upsert = db.prepare(
    `INSERT INTO incident_documents (incident_id, key, body, updated_at) VALUES (?, ?, ?, ?)
     ON CONFLICT (incident_id, key) DO UPDATE SET body = excluded.body, updated_at = excluded.updated_at`,
  );
  const select = db.prepare<[string, string], { body: string }>(
    'SELECT body FROM incident_documents WHERE incident_id = ? AND key = ?',
  );
  return {
    put: (incidentId, key, value) => {
      upsert.run(incidentId, key, JSON.stringify(value), new Date().toISOString());
    },
    get: <T>(incidentId: string, key: string) => {
      const row = select.get(incidentId, key);
      return row ? (JSON.parse(row.body) as T) : null;
    },
    close: () => db.close(),
  };
}
