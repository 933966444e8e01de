// The HTTP clients' error classification, as Temporal sees it: a reply that breaks the contract and other
// 4xx are not retried; 5xx, timeouts and refused connections are. Lost replies are safe to retry.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { afterEach, describe, expect, it } from 'vitest';
import { createCrmClient } from '../../src/crm/http-client';
import { createCaller } from '../../src/http/client';
import { INVALID_REPLY, INVALID_REQUEST, REJECTED, UNAVAILABLE, statusOf } from '../../src/http/errors';
import { inventoryApi } from '../../src/inventory/api';
import { createInventoryClient } from '../../src/inventory/http-client';
import { failureOf, startWithClients } from '../reference-service/fixture';

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A server that answers every request with the given status and raw body. */
async function stub(status: number, body: string): Promise<string> {
  const server: Server = createServer((_, res) => res.writeHead(status, { 'content-type': 'application/json' }).end(body));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

async function started(options: Parameters<typeof startWithClients>[0] = {}, timeoutMs?: number) {
  const world = await startWithClients(options, timeoutMs);
  closers.push(() => world.service.close());
  return world;
}

describe('replies that break the contract', () => {
  it('is a non-retryable InvalidReply naming the field', async () => {
    const baseUrl = await stub(200, JSON.stringify({ sku: 'A', description: 'gloves', packSize: 'ten', unitPrice: 1, unitCost: 1 }));
    const error = await failureOf(createInventoryClient({ baseUrl, timeoutMs: 1000 }).getItem('A'));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: INVALID_REPLY, nonRetryable: true });
    expect(error.message).toContain('inventory getItem sent an invalid reply: reply.packSize');
  });

  it('names the field deep inside a list reply', async () => {
    const page = { lines: [{ lineId: 'L1' }], nextCursor: null };
    const baseUrl = await stub(200, JSON.stringify(page));
    const error = await failureOf(createInventoryClient({ baseUrl, timeoutMs: 1000 }).listDemandLines({ sku: 'A', limit: 10 }));
    expect(error).toMatchObject({ type: INVALID_REPLY, nonRetryable: true });
    expect(error.message).toContain('reply.lines.0.orderId');
  });

  it.each([
    ['locale', { locale: 'd' }],
    ['timeZone', { timeZone: '' }],
    ['locale', { locale: 49 }],
  ])("refuses an account manager's malformed %s, naming it", async (field, bad) => {
    const manager = { accountManagerId: 'AM-1', name: 'Clara Dubois', email: 'clara@supplier.example', locale: 'de-DE', timeZone: 'Europe/Berlin', accountIds: [] };
    const baseUrl = await stub(200, JSON.stringify([{ ...manager, ...bad }]));
    const error = await failureOf(createCrmClient({ baseUrl, timeoutMs: 1000 }).getAccountManagers(['AM-1']));
    expect(error).toMatchObject({ type: INVALID_REPLY, nonRetryable: true });
    expect(error.message).toContain(`crm getAccountManagers sent an invalid reply: reply.0.${field}`);
  });

  it('takes an account manager without a locale or time zone, as an older CRM answers', async () => {
    const manager = { accountManagerId: 'AM-1', name: 'Clara Dubois', email: 'clara@supplier.example', accountIds: [] };
    const baseUrl = await stub(200, JSON.stringify([manager, { ...manager, accountManagerId: 'AM-2', locale: null, timeZone: null }]));
    expect(await createCrmClient({ baseUrl, timeoutMs: 1000 }).getAccountManagers(['AM-1', 'AM-2'])).toEqual([
      manager,
      { ...manager, accountManagerId: 'AM-2', locale: null, timeZone: null },
    ]);
  });

  it('treats a body that is not JSON as invalid', async () => {
    const baseUrl = await stub(200, '<html>proxy login</html>');
    const error = await failureOf(createCrmClient({ baseUrl, timeoutMs: 1000 }).getCustomers(['C1']));
    expect(error).toMatchObject({ type: INVALID_REPLY, nonRetryable: true });
    expect(error.message).toContain('reply: is not JSON');
  });
});

describe('failures worth retrying', () => {
  it('classifies a 5xx as retryable Unavailable', async () => {
    const { inventory } = await started({ faults: { errorRate: 1 } });
    const error = await failureOf(inventory.listLocations());
    expect(error).toMatchObject({ type: UNAVAILABLE, nonRetryable: false });
    expect(error.message).toContain('answered 503: injected fault: error');
    expect(statusOf(error)).toBe(503);
  });

  it('classifies a hung request as a retryable timeout', async () => {
    const { inventory } = await started({ faults: { hangRate: 1 } }, 150);
    const began = Date.now();
    const error = await failureOf(inventory.getItem('A'));
    expect(error).toMatchObject({ type: UNAVAILABLE, nonRetryable: false });
    expect(error.message).toContain('no reply within 150 ms');
    expect(Date.now() - began).toBeLessThan(2_000);
  });

  it('classifies a refused connection as retryable', async () => {
    const baseUrl = await stub(200, '{}');
    await closers.pop()!(); // nothing listens there any more
    const error = await failureOf(createInventoryClient({ baseUrl, timeoutMs: 1000 }).listLocations());
    expect(error).toMatchObject({ type: UNAVAILABLE, nonRetryable: false });
    expect(error.message).toContain('unreachable (ECONNREFUSED)');
  });

  it('classifies a connection closed without a reply as retryable, naming the socket error', async () => {
    const server: Server = createServer((req) => req.socket.destroy());
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    closers.push(() => new Promise((resolve) => server.close(() => resolve())));
    const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const error = await failureOf(createInventoryClient({ baseUrl, timeoutMs: 1000 }).listLocations());
    expect(error).toMatchObject({ type: UNAVAILABLE, nonRetryable: false });
    expect(error.message).toContain('unreachable (UND_ERR_SOCKET)');
  });

  it('keeps a write exactly-once when its reply is lost and the caller retries with the same key', async () => {
    const { service, inventory } = await started({ faults: { lostReplyRate: 1 } });
    const request = { idempotencyKey: 'pool|N-S1', incidentId: 'INC-1', sku: 'A', fromLocationId: 'N-S1', toLocationId: 'N-HUB', quantity: 20 };
    const lost = await failureOf(inventory.createTransfer(request));
    expect(lost).toMatchObject({ type: UNAVAILABLE, nonRetryable: false });
    service.faults.set({});
    const retried = await inventory.createTransfer(request);
    expect(retried.status).toBe('created');
    expect(await inventory.listTransfers({ incidentId: 'INC-1' })).toEqual([retried]);
    expect((await inventory.getStockPositions('A')).find((p) => p.locationId === 'N-S1')?.reserved).toBe(20);
    expect(await inventory.checkBooks()).toMatchObject({ balanced: true });
  });
});

describe('requests the client cannot build', () => {
  it('is a non-retryable InvalidRequest when a path parameter is missing, and nothing is sent', async () => {
    const { service } = await started();
    const call = createCaller('inventory', { baseUrl: service.inventoryUrl, timeoutMs: 1000 });
    const error = await failureOf(call('getItem', inventoryApi.getItem, {}));
    expect(error).toBeInstanceOf(ApplicationFailure);
    expect(error).toMatchObject({ type: INVALID_REQUEST, nonRetryable: true });
    expect(error.message).toBe('inventory getItem: cannot build the request (path parameter sku is missing for /items/:sku)');
  });

  it('is a non-retryable InvalidRequest when the base URL is not a URL', async () => {
    const error = await failureOf(createCrmClient({ baseUrl: '127.0.0.1:7200', timeoutMs: 1000 }).getCustomers(['C1']));
    expect(error).toMatchObject({ type: INVALID_REQUEST, nonRetryable: true });
    expect(error.message).toMatch(/^crm getCustomers: cannot build the request \(Invalid URL/);
  });
});

describe('refusals', () => {
  it('carries the server message, non-retryable', async () => {
    const { inventory } = await started();
    const error = await failureOf(inventory.cancelTransfer({ idempotencyKey: 'k', transferId: 'TR-404' }));
    expect(error).toMatchObject({ type: REJECTED, nonRetryable: true });
    expect(error.message).toBe('inventory cancelTransfer answered 404: unknown transfer "TR-404"');
    expect(statusOf(error)).toBe(404);
  });
});

describe('fault injection', () => {
  it('is deterministic for a seed, and can be changed at runtime', async () => {
    const { service, inventory } = await started();
    const outcomes = async () => {
      const out: string[] = [];
      for (let i = 0; i < 24; i++) out.push(await inventory.listLocations().then(() => 'ok', (e: ApplicationFailure) => e.type ?? 'error'));
      return out.join(',');
    };
    const set = (body: unknown) => fetch(`${service.inventoryUrl}/_admin/faults`, { method: 'PUT', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
    expect((await set({ errorRate: 0.5, seed: 3 })).status).toBe(200);
    const first = await outcomes();
    expect(first).toContain('ok');
    expect(first).toContain(UNAVAILABLE);
    await set({ errorRate: 0.5, seed: 3 });
    expect(await outcomes()).toBe(first);
    await set({});
    expect(await outcomes()).not.toContain(UNAVAILABLE);

    const invalid = await set({ errorRate: 2 });
    expect(invalid.status).toBe(400);
    expect(((await invalid.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toContain('body.errorRate');
    const badRoute = await set({ errorRate: 1, routes: ['/locations'] });
    expect(((await badRoute.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['body.routes.0']);
  });

  it('meets only the routes it names, when it names some', async () => {
    const { service, inventory } = await started();
    service.faults.set({ errorRate: 1, routes: ['GET /reservations'] });
    expect(await inventory.listLocations()).not.toHaveLength(0);
    await expect(inventory.listReservations({ lineId: 'L-none' })).rejects.toMatchObject({ type: UNAVAILABLE });
  });
});
