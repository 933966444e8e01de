// The reference service as a whole: its OpenAPI documents cover every route it serves, it keeps its data
// in a SQLite file across restarts, and its command line refuses bad options by name.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createCrmClient } from '../../src/crm/http-client';
import { inventoryApi } from '../../src/inventory/api';
import { createInventoryClient } from '../../src/inventory/http-client';
import { main } from '../../src/reference-service/main';
import { startReferenceService, type ReferenceService } from '../../src/reference-service/service';
import { tinyDataset } from './fixture';

describe('OpenAPI', () => {
  let service: ReferenceService;
  beforeAll(async () => {
    service = await startReferenceService({ dataset: tinyDataset() });
  });
  afterAll(async () => {
    await service.close();
  });

  it.each(['inventory', 'crm'] as const)('the %s document lists every route the service serves', async (system) => {
    const url = system === 'inventory' ? service.inventoryUrl : service.crmUrl;
    const doc = (await (await fetch(`${url}/openapi.json`)).json()) as {
      openapi: string;
      paths: Record<string, Record<string, { operationId: string; responses: Record<string, { content?: { 'application/json': { schema: unknown } } }> }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const documented = Object.entries(doc.paths).flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ':$1')}`));
    expect(service.routes[system].length).toBeGreaterThan(5);
    expect(documented.sort()).toEqual([...service.routes[system]].sort());
    for (const ops of Object.values(doc.paths)) {
      for (const op of Object.values(ops)) expect(op.responses['200']?.content?.['application/json'].schema, op.operationId).toBeTruthy();
    }
  });

  it('describes request bodies with the contract’s constraints', async () => {
    const doc = (await (await fetch(`${service.inventoryUrl}/openapi.json`)).json()) as { paths: Record<string, Record<string, unknown>> };
    const body = (doc.paths['/reservations/batch']?.post as { requestBody: { content: { 'application/json': { schema: { properties: { items: { maxItems: number } } } } } } })
      .requestBody.content['application/json'].schema;
    expect(body.properties.items.maxItems).toBe(500);
  });

  it('documents every refusal a write can answer: 422 for broken invariants, 404 for unknown references', async () => {
    type Doc = { paths: Record<string, Record<string, { operationId: string; responses: Record<string, unknown> }>> };
    const statuses = async (url: string) => {
      const doc = (await (await fetch(`${url}/openapi.json`)).json()) as Doc;
      return Object.fromEntries(Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((op) => [op.operationId, Object.keys(op.responses).sort()])));
    };
    const inventory = await statuses(service.inventoryUrl);
    const writes = Object.entries(inventoryApi).filter(([, e]) => e.method === 'POST');
    expect(writes.length).toBeGreaterThan(5);
    for (const [name] of writes) expect(inventory[name], name).toEqual(['200', '400', '404', '409', '422', '503']);
    expect(inventory.listSubstitutes).toContain('404');
    const crm = await statuses(service.crmUrl);
    for (const name of ['recordCommunication', 'recordCommunications']) expect(crm[name], name).toEqual(['200', '400', '404', '409', '503']);
  });

  it('answers an unknown route with a JSON error', async () => {
    const response = await fetch(`${service.crmUrl}/nowhere?x=1`);
    expect(response.status).toBe(404);
    expect(await response.json()).toEqual({ error: 'no route for GET /nowhere' });
  });
});

describe('a database file', () => {
  it('keeps writes across a restart and loads the data set only once', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reference-'));
    try {
      const dbFile = join(dir, 'reference.db');
      const first = await startReferenceService({ dbFile, dataset: tinyDataset() });
      const receipt = await createInventoryClient({ baseUrl: first.inventoryUrl, timeoutMs: 2000 }).recordReceipt({
        idempotencyKey: 'rc',
        sku: 'A',
        locationId: 'N-HUB',
        quantity: 7,
      });
      await first.close();

      const second = await startReferenceService({ dbFile, dataset: tinyDataset() });
      const inventory = createInventoryClient({ baseUrl: second.inventoryUrl, timeoutMs: 2000 });
      expect((await inventory.getStockPositions('A')).find((p) => p.locationId === 'N-HUB')?.onHand).toBe(107);
      expect(await inventory.recordReceipt({ idempotencyKey: 'rc', sku: 'A', locationId: 'N-HUB', quantity: 7 })).toEqual(receipt);
      expect(await inventory.checkBooks()).toMatchObject({ balanced: true, totals: { received: 7 } });
      await second.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('a database made before account managers had a locale', () => {
  it('gains the columns on opening, and keeps its managers without one', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'reference-'));
    try {
      const dbFile = join(dir, 'reference.db');
      const old = new Database(dbFile);
      old.exec('CREATE TABLE account_managers (account_manager_id TEXT PRIMARY KEY, name TEXT NOT NULL, email TEXT NOT NULL, phone TEXT)');
      old.prepare('INSERT INTO account_managers VALUES (?, ?, ?, ?)').run('AM-9', 'Old Hand', 'old@supplier.example', null);
      old.close();

      const dataset = tinyDataset();
      dataset.accountManagers[0] = { ...dataset.accountManagers[0]!, locale: 'fr-FR', timeZone: 'Europe/Paris' };
      const service = await startReferenceService({ dbFile, dataset });
      try {
        const crm = createCrmClient({ baseUrl: service.crmUrl, timeoutMs: 2000 });
        expect(await crm.getAccountManagers(['AM-1', 'AM-9'])).toEqual([
          { accountManagerId: 'AM-1', name: 'Clara Dubois', email: 'clara@supplier.example', locale: 'fr-FR', timeZone: 'Europe/Paris', accountIds: ['C1', 'C2'] },
          { accountManagerId: 'AM-9', name: 'Old Hand', email: 'old@supplier.example', accountIds: [] },
        ]);
      } finally {
        await service.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('the command line', () => {
  it('refuses bad options by name before starting anything', async () => {
    await expect(main(['--size', 'huge', '--port', 'x'])).rejects.toThrow(
      /--port: .*; --size: must be demo, showcase, large or a number of demand lines/,
    );
    await expect(main(['--colour'])).rejects.toThrow(/colour/);
  });
});
