// The HTTP clients resend what may pass later, against a real local HTTP server that answers 503 or 429 with
// Retry-After, or hangs: retried, Retry-After honoured, bounded by attempts and budget; a refusal is not resent;
// a reply that came while this process was blocked is read, not timed out.
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { REJECTED, UNAVAILABLE } from '../../src/http/errors';
import type { RetryPolicy } from '../../src/http/client';
import { createInventoryClient } from '../../src/inventory/http-client';
import { failureOf } from '../reference-service/fixture';

/** `blockMs`: after writing the reply, this process is kept busy that long, as a CPU-bound step of another activity would. */
type Answer = 'hang' | { status: number; headers?: Record<string, string>; body?: unknown; blockMs?: number };

interface Seen {
  at: number;
  body: string;
}

const ITEM = { sku: 'A', description: 'gloves', packSize: 1, unitPrice: 10, unitCost: 7 };
const TRANSFER = { transferId: 'T-1', incidentId: 'I', sku: 'A', fromLocationId: 'S1', toLocationId: 'HUB', quantity: 5, status: 'shipped' };
const POLICY: RetryPolicy = { attempts: 4, baseDelayMs: 10, budgetMs: 20_000 };

const closers: (() => Promise<void>)[] = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

/** A server answering the n-th request with answers[n] (the last one from then on); it records every request. */
async function scripted(answers: Answer[]): Promise<{ baseUrl: string; seen: Seen[] }> {
  const seen: Seen[] = [];
  const hung = new Set<IncomingMessage>();
  const server: Server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => (body += chunk.toString()));
    req.on('end', () => {
      const answer = answers[Math.min(seen.length, answers.length - 1)]!;
      seen.push({ at: Date.now(), body });
      if (answer === 'hang') return void hung.add(req);
      res.writeHead(answer.status, { 'content-type': 'application/json', ...answer.headers }).end(JSON.stringify(answer.body ?? { error: `HTTP ${answer.status}` }));
      const until = Date.now() + (answer.blockMs ?? 0);
      while (Date.now() < until);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  closers.push(() => new Promise((resolve) => server.close(() => resolve())));
  closers.push(async () => server.closeAllConnections());
  return { baseUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

function client(baseUrl: string, counters = { heartbeats: 0, retries: 0 }, retry: RetryPolicy = POLICY, timeoutMs = 1_000) {
  return createInventoryClient({ baseUrl, timeoutMs, retry, heartbeat: () => (counters.heartbeats += 1), onRetry: () => (counters.retries += 1) });
}

describe('a call the server may answer later', () => {
  it('is resent after a 503 and a 429, waiting the Retry-After each asks for, heartbeating meanwhile', async () => {
    const { baseUrl, seen } = await scripted([
      { status: 503, headers: { 'retry-after': '1' } },
      { status: 429, headers: { 'retry-after': '1' } },
      { status: 200, body: ITEM },
    ]);
    const counters = { heartbeats: 0, retries: 0 };
    expect(await client(baseUrl, counters).getItem('A')).toEqual(ITEM);
    expect(seen).toHaveLength(3);
    // Honoured: no resend came sooner than the server asked (a lower bound, which no load can break).
    expect(seen[1]!.at - seen[0]!.at).toBeGreaterThanOrEqual(1_000);
    expect(seen[2]!.at - seen[1]!.at).toBeGreaterThanOrEqual(1_000);
    expect(counters.retries).toBe(2);
    expect(counters.heartbeats).toBeGreaterThanOrEqual(2);
  });

  it('resends a write with the same body, so its idempotency key makes it one write', async () => {
    const { baseUrl, seen } = await scripted([{ status: 502 }, { status: 200, body: TRANSFER }]);
    const body = { idempotencyKey: 'I|ship|T-1', transferId: 'T-1' };
    expect(await client(baseUrl).shipTransfer(body)).toMatchObject({ transferId: 'T-1', status: 'shipped' });
    expect(seen.map((s) => JSON.parse(s.body))).toEqual([body, body]);
  });

  it('abandons a hung request after the per-request timeout and sends it again', async () => {
    const { baseUrl, seen } = await scripted(['hang', { status: 200, body: ITEM }]);
    expect(await client(baseUrl, undefined, POLICY, 300).getItem('A')).toEqual(ITEM);
    expect(seen).toHaveLength(2);
  });

  it('reads a reply that came while this process was blocked past the timeout, not abandoning it as a hang', async () => {
    const { baseUrl, seen } = await scripted([{ status: 200, body: ITEM, blockMs: 1_500 }]);
    expect(await client(baseUrl, undefined, { ...POLICY, attempts: 1 }, 500).getItem('A')).toEqual(ITEM);
    expect(seen).toHaveLength(1);
  });
});

describe('bounds', () => {
  it('stops after the configured attempts with the retryable failure, for Temporal to retry the activity', async () => {
    const { baseUrl, seen } = await scripted([{ status: 503 }]);
    const error = await failureOf(client(baseUrl).getItem('A'));
    expect(error).toMatchObject({ type: UNAVAILABLE, nonRetryable: false });
    expect(seen).toHaveLength(POLICY.attempts);
  });

  it('stops after the attempts when every request hangs', async () => {
    const { baseUrl, seen } = await scripted(['hang']);
    const error = await failureOf(client(baseUrl, undefined, { ...POLICY, attempts: 2 }, 200).getItem('A'));
    expect(error).toMatchObject({ type: UNAVAILABLE });
    expect(error.message).toContain('no reply within 200 ms');
    expect(seen).toHaveLength(2);
  });

  it('times each of several hung requests in flight from its own start', async () => {
    const { baseUrl, seen } = await scripted(['hang']);
    const once = { ...POLICY, attempts: 1 };
    const timedOut = async (timeoutMs: number) => {
      const began = performance.now();
      const error = await failureOf(client(baseUrl, undefined, once, timeoutMs).getItem('A'));
      return { message: error.message, tookMs: performance.now() - began };
    };
    const first = timedOut(600);
    await new Promise((resolve) => setTimeout(resolve, 300));
    const [early, late] = await Promise.all([first, timedOut(500)]);
    expect(early.message).toContain('no reply within 600 ms');
    expect(late.message).toContain('no reply within 500 ms');
    // Lower bounds only: the later request is not credited the time the earlier one had already waited.
    expect(early.tookMs).toBeGreaterThanOrEqual(600);
    expect(late.tookMs).toBeGreaterThanOrEqual(500);
    expect(seen).toHaveLength(2);
  });

  it('gives up at once when the Retry-After asked for would end past the budget', async () => {
    const { baseUrl, seen } = await scripted([{ status: 503, headers: { 'retry-after': '3600' } }, { status: 200, body: ITEM }]);
    const error = await failureOf(client(baseUrl).getItem('A'));
    expect(error).toMatchObject({ type: UNAVAILABLE });
    expect(seen).toHaveLength(1);
  });

  it('reads a Retry-After given as an HTTP date', async () => {
    const later = new Date(Date.now() + 3_600_000).toUTCString();
    const { baseUrl, seen } = await scripted([{ status: 503, headers: { 'retry-after': later } }, { status: 200, body: ITEM }]);
    await failureOf(client(baseUrl).getItem('A'));
    expect(seen).toHaveLength(1);
  });

  it('sends once without a retry policy: the caller retries', async () => {
    const { baseUrl, seen } = await scripted([{ status: 503 }, { status: 200, body: ITEM }]);
    await failureOf(createInventoryClient({ baseUrl, timeoutMs: 1_000 }).getItem('A'));
    expect(seen).toHaveLength(1);
  });
});

describe('answers no resend can change', () => {
  it('does not resend a 422: the refusal stops at once, non-retryable, with the server message', async () => {
    const { baseUrl, seen } = await scripted([{ status: 422, body: { error: 'transfer T-1 is cancelled' } }, { status: 200, body: TRANSFER }]);
    const counters = { heartbeats: 0, retries: 0 };
    const error = await failureOf(client(baseUrl, counters).receiveTransfer({ idempotencyKey: 'I|receive|T-1', transferId: 'T-1' }));
    expect(error).toMatchObject({ type: REJECTED, nonRetryable: true });
    expect(error.message).toContain('transfer T-1 is cancelled');
    expect(seen).toHaveLength(1);
    expect(counters.retries).toBe(0);
  });

  it('does not resend a reply that breaks the contract', async () => {
    const { baseUrl, seen } = await scripted([{ status: 200, body: { ...ITEM, packSize: 'ten' } }, { status: 200, body: ITEM }]);
    const error = await failureOf(client(baseUrl).getItem('A'));
    expect(error).toMatchObject({ nonRetryable: true });
    expect(seen).toHaveLength(1);
  });
});
