// Which store a process opens: PostgreSQL when STOCKOUT_DATABASE_URL is set, else the data folder's SQLite file
// (which the API and the CLI never create); a bad or unreachable URL is refused naming the variable, never the password.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/env';
import { openConfiguredStore, openExistingStore, storeLocation } from '../../src/incident-store/configured-store';
import { INCIDENT_STORE_FILE } from '../../src/incident-store/store';
import { freshDatabase } from '../harness/postgres';
import { freePorts } from '../harness/process';

const folder = mkdtempSync(join(tmpdir(), 'configured-store-'));
afterAll(() => rmSync(folder, { recursive: true, force: true }));

describe('the configured incident store', () => {
  it('is the SQLite file in the data folder without STOCKOUT_DATABASE_URL; readers do not create it', async () => {
    const config = loadConfig({ STOCKOUT_DATA_DIR: folder });
    expect(storeLocation(config)).toBe(join(folder, INCIDENT_STORE_FILE));
    expect(await openExistingStore(config)).toBeUndefined();
    expect(existsSync(join(folder, INCIDENT_STORE_FILE))).toBe(false);
    const writer = await openConfiguredStore(config);
    await writer.put('stockout:EU:SKU-1', 'report', { fillRate: 1 });
    const reader = (await openExistingStore(config))!;
    expect(await reader.get('stockout:EU:SKU-1', 'report')).toEqual({ fillRate: 1 });
    await Promise.all([writer.close(), reader.close()]);
  });

  it('is the PostgreSQL database at STOCKOUT_DATABASE_URL, for readers too, and leaves the data folder alone', async () => {
    const url = await freshDatabase();
    const dataDir = join(folder, 'postgres-host');
    const config = loadConfig({ STOCKOUT_DATA_DIR: dataDir, STOCKOUT_DATABASE_URL: url });
    const reader = (await openExistingStore(config))!;
    const writer = await openConfiguredStore(config);
    await writer.put('stockout:EU:SKU-1', 'plan/0', { lines: [] });
    expect(await reader.get('stockout:EU:SKU-1', 'plan/0')).toEqual({ lines: [] });
    await Promise.all([writer.close(), reader.close()]);
    const direct = new pg.Client({ connectionString: url });
    await direct.connect();
    expect((await direct.query('SELECT count(*)::int AS n FROM incident_documents')).rows[0].n).toBe(1);
    await direct.end();
    expect(existsSync(dataDir)).toBe(false);
    // What the demo says: the database, never the file it did not write, nor the password.
    const withPassword = loadConfig({ STOCKOUT_DATA_DIR: dataDir, STOCKOUT_DATABASE_URL: 'postgres://app:hunter2@db.internal:5432/incidents' });
    expect(storeLocation(withPassword)).toBe('the PostgreSQL database postgres://app:***@db.internal:5432/incidents');
  });

  it('refuses a URL that is not PostgreSQL, naming the variable and not echoing it', () => {
    expect(() => loadConfig({ STOCKOUT_DATABASE_URL: 'mysql://app:hunter2@db/incidents' })).toThrow(/env\.STOCKOUT_DATABASE_URL: must be a postgres:\/\/ or postgresql:\/\/ URL/);
    expect(() => loadConfig({ STOCKOUT_DATABASE_URL: 'mysql://app:hunter2@db/incidents' })).not.toThrow(/hunter2/);
  });

  it('names the variable and the server, not the password, when the database cannot be reached', async () => {
    const [closedPort] = await freePorts(1);
    const config = loadConfig({ STOCKOUT_DATABASE_URL: `postgres://app:hunter2@127.0.0.1:${closedPort}/incidents` });
    const refused = openConfiguredStore(config);
    await expect(refused).rejects.toThrow(new RegExp(`env\\.STOCKOUT_DATABASE_URL: cannot open the incident store at postgres://app:\\*\\*\\*@127\\.0\\.0\\.1:${closedPort}/incidents: connect ECONNREFUSED`));
    await expect(refused).rejects.not.toThrow(/hunter2/);
  });
});
