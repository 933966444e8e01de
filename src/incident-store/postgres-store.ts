// The shared store: PostgreSQL, which every worker, the API and the CLI reach from any host
// (STOCKOUT_DATABASE_URL). Opening it brings the schema up to date first, under an advisory lock, so
// processes starting together against an empty database create it once.
import pg from 'pg';
import { encodeDocument, type IncidentStore } from './store';
import { LATEST_SCHEMA_VERSION, pendingMigrations } from './migrations';

/** Brings the database's schema up to `target` in one transaction; the lock makes concurrent openers take turns. */
export async function migratePostgres(pool: pg.Pool, target = LATEST_SCHEMA_VERSION): Promise<void> {
  const client = await pool.connect();
  try {
    await client.query('BEGIN');
    try {
      await client.query("SELECT pg_advisory_xact_lock(hashtext('stockout-orchestrator incident store schema'))");
      await client.query(
        'CREATE TABLE IF NOT EXISTS schema_migrations (version integer PRIMARY KEY, description text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())',
      );
      const { rows } = await client.query<{ version: number }>('SELECT version FROM schema_migrations');
      for (const migration of pendingMigrations(rows.map((row) => row.version), target)) {
        await client.query(migration.postgres);
        await client.query('INSERT INTO schema_migrations (version, description) VALUES ($1, $2)', [migration.version, migration.description]);
      }
      await client.query('COMMIT');
    } catch (error) {
      await client.query('ROLLBACK').catch(() => {});
      throw error;
    }
  } finally {
    client.release();
  }
}

/** The PostgreSQL store at `url` (postgres://user:password@host:port/database, libpq's sslmode and all). */
export async function openPostgresStore(url: string): Promise<IncidentStore> {
  const pool = new pg.Pool({ connectionString: url });
  // A pooled connection the server drops while idle is replaced on next use; unheard, the error would end the process.
  pool.on('error', (error) => console.warn(`[incident-store] PostgreSQL connection lost: ${error.message}`));
  try {
    await migratePostgres(pool);
  } catch (error) {
    await pool.end();
    throw error;
  }
  return {
    async put(incidentId, key, value) {
      const { body, hash } = encodeDocument(incidentId, key, value);
      // Only the hash crosses the network when the document is unchanged; the WHERE covers a concurrent writer of the same content.
      const stored = await pool.query<{ content_hash: string | null }>(
        'SELECT content_hash FROM incident_documents WHERE incident_id = $1 AND key = $2',
        [incidentId, key],
      );
      if (stored.rows[0]?.content_hash === hash) return;
      await pool.query(
        `INSERT INTO incident_documents (incident_id, key, body, content_hash, updated_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (incident_id, key) DO UPDATE SET body = excluded.body, content_hash = excluded.content_hash, updated_at = excluded.updated_at
         WHERE incident_documents.content_hash IS DISTINCT FROM excluded.content_hash`,
        [incidentId, key, body, hash],
      );
    },
    async get<T>(incidentId: string, key: string) {
      const { rows } = await pool.query<{ body: string }>('SELECT body FROM incident_documents WHERE incident_id = $1 AND key = $2', [incidentId, key]);
      return rows[0] ? (JSON.parse(rows[0].body) as T) : null;
    },
    close: () => pool.end(),
  };
}
