// The incident store keeps what is too big for workflow history — demand snapshots, full plans, restock
// rounds, prepared notices, reports — keyed by incident id and a name. The workflow passes only the names.
// Writes overwrite: an activity that retries writes the same document again, and a document whose content
// hash is unchanged is left as it is, so a retry does not rewrite a large plan. Two implementations: SQLite
// in the data folder (sqlite-store.ts, the embedded default) and PostgreSQL shared by every host
// (postgres-store.ts); configured-store.ts picks one from the configuration.
import { createHash } from 'node:crypto';

/** The SQLite store's file in the data folder. */
export const INCIDENT_STORE_FILE = 'incidents.sqlite';

export interface IncidentStore {
  put(incidentId: string, key: string, value: unknown): Promise<void>;
  get<T>(incidentId: string, key: string): Promise<T | null>;
  close(): Promise<void>;
}

/** A document as both stores keep it: its JSON text and that text's sha256, compared before a write. */
export function encodeDocument(incidentId: string, key: string, value: unknown): { body: string; hash: string } {
  const body = JSON.stringify(value) as string | undefined;
  if (body === undefined) throw new TypeError(`${key} of ${incidentId}: a document must be JSON, not ${typeof value}`);
  return { body, hash: createHash('sha256').update(body).digest('hex') };
}
