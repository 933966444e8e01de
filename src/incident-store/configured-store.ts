// Which incident store a process opens: PostgreSQL at STOCKOUT_DATABASE_URL when it is set — one store for
// every host of a deployment — else the SQLite file in STOCKOUT_DATA_DIR, the embedded default.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { AppConfig } from '../config/env';
import { openPostgresStore } from './postgres-store';
import { openSqliteStore } from './sqlite-store';
import { INCIDENT_STORE_FILE, type IncidentStore } from './store';

type StoreConfig = Pick<AppConfig, 'STOCKOUT_DATABASE_URL' | 'STOCKOUT_DATA_DIR'>;

/** The store the workers write to: created (and migrated) on first use. */
export async function openConfiguredStore(config: StoreConfig): Promise<IncidentStore> {
  if (!config.STOCKOUT_DATABASE_URL) return openSqliteStore(join(config.STOCKOUT_DATA_DIR, INCIDENT_STORE_FILE));
  try {
    return await openPostgresStore(config.STOCKOUT_DATABASE_URL);
  } catch (error) {
    throw new Error(`env.STOCKOUT_DATABASE_URL: cannot open the incident store at ${withoutPassword(config.STOCKOUT_DATABASE_URL)}: ${messageOf(error)}`, { cause: error });
  }
}

/**
 * The store the API and the CLI read reports from; undefined for an embedded store that is not on this
 * machine — they must not create an empty file beside the workers'.
 */
export async function openExistingStore(config: StoreConfig): Promise<IncidentStore | undefined> {
  if (!config.STOCKOUT_DATABASE_URL && !existsSync(join(config.STOCKOUT_DATA_DIR, INCIDENT_STORE_FILE))) return undefined;
  return openConfiguredStore(config);
}

/** Where the configured store keeps incidents, for people: the database (without its password) or the file. */
export function storeLocation(config: StoreConfig): string {
  return config.STOCKOUT_DATABASE_URL ? `the PostgreSQL database ${withoutPassword(config.STOCKOUT_DATABASE_URL)}` : join(config.STOCKOUT_DATA_DIR, INCIDENT_STORE_FILE);
}

function withoutPassword(url: string): string {
  const parsed = new URL(url);
  if (parsed.password) parsed.password = '***';
  return parsed.toString();
}

/** A refused connection to a name with several addresses (localhost) comes as an AggregateError without a message. */
function messageOf(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const code = (error as { code?: unknown }).code;
  return error.message || (typeof code === 'string' ? code : error.name);
}
