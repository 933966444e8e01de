// The store's schema, one numbered step at a time, for both databases: each store applies the steps its
// database has not recorded yet (in its `schema_migrations` table) when it opens, so a new build brings an
// existing database up to date. Steps only add, so a build one version older keeps working against the
// newer schema while a rolling upgrade is under way. Never edit a released step: add the next one.

export interface Migration {
  version: number;
  description: string;
  sqlite: string;
  postgres: string;
}

export const MIGRATIONS: readonly Migration[] = [
  {
    version: 1,
    description: 'incident documents keyed by incident id and name',
    // IF NOT EXISTS: SQLite files from before the migrations table already hold this table.
    sqlite: `CREATE TABLE IF NOT EXISTS incident_documents (
      incident_id TEXT NOT NULL,
      key TEXT NOT NULL,
      body TEXT NOT NULL,
      updated_at TEXT NOT NULL,
      PRIMARY KEY (incident_id, key)
    )`,
    postgres: `CREATE TABLE IF NOT EXISTS incident_documents (
      incident_id text NOT NULL,
      key text NOT NULL,
      body text NOT NULL,
      updated_at timestamptz NOT NULL,
      PRIMARY KEY (incident_id, key)
    )`,
  },
  {
    version: 2,
    description: 'content hash, so an unchanged document is not written again',
    // Documents written before have none: their next write stores one.
    sqlite: 'ALTER TABLE incident_documents ADD COLUMN content_hash TEXT',
    postgres: 'ALTER TABLE incident_documents ADD COLUMN IF NOT EXISTS content_hash text',
  },
];

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)!.version;

/** The steps a database that has recorded `applied` still needs, in order, up to `target`. */
export function pendingMigrations(applied: Iterable<number>, target = LATEST_SCHEMA_VERSION): Migration[] {
  const done = new Set(applied);
  return MIGRATIONS.filter((m) => m.version <= target && !done.has(m.version));
}
