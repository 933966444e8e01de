// The process's HTTP callers share their keep-alive connections: the callers to one system (the main job's,
// the worker's and the API's inventory clients) reuse one pool, and the shutdown closes it; a call after that
// opens a new one.
import { createServer } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { closeHttpConnections } from '../../src/http/client';
import { createInventoryClient } from '../../src/inventory/http-client';

const ITEM = { sku: 'A', description: 'gloves', packSize: 1, unitPrice: 10, unitCost: 7 };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A server answering every request with ITEM, counting the connections opened to it and keeping those still open. */
async function counting(): Promise<{ baseUrl: string; opened: () => number; open: Set<Socket> }> {
  const open = new Set<Socket>();
  let opened = 0;
  const server = createServer((_, res) => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(ITEM)));
  server.on('connection', (socket: Socket) => {
    opened += 1;
    open.add(socket);
    socket.on('close', () => open.delete(socket));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  closers.push(async () => server.closeAllConnections());
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, opened: () => opened, open };
}

describe('connections to a system', () => {
  it('are one pool for every caller to its origin, closed by the shutdown and opened again by a later call', async () => {
    const { baseUrl, opened, open } = await counting();
    const callers = [1, 2, 3].map(() => createInventoryClient({ baseUrl, timeoutMs: 5_000 }));
    for (const caller of callers) {
      expect(await caller.getItem('A')).toEqual(ITEM);
      // The pool takes the connection back just after the reply is read; a call sooner would open a second one.
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    // A pool per caller would have opened one each.
    expect(opened()).toBe(1);

    await closeHttpConnections();
    await vi.waitFor(() => expect(open.size).toBe(0), { timeout: 5_000 });

    expect(await callers[0]!.getItem('A')).toEqual(ITEM);
    expect(opened()).toBe(2);
    await closeHttpConnections();
  });
});
