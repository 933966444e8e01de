// End to end on the Temporal dev server, driven the way people and systems use the product: an inventory
// system's webhook opens the incident, a planner approves through the HTTP API, a customer accepts a
// substitute through the signed link in its email, the restock is recorded with the CLI, and the incident
// closes with its report. Bad input to each is refused with the field named and starts nothing.
import { randomUUID } from 'node:crypto';
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { createIncidentOperations, type IncidentOperations } from '../../src/api/operations';
import { startApi, type RunningApi } from '../../src/api/server';
import { run } from '../../src/cli/main';
import { connectDevServer } from '../harness/temporal';
import { createWorld, SHORT_SKU, type World } from '../incident/world';

const TOKEN = 'e2e-token-e2e-token-e2e';

let env: TestWorkflowEnvironment;
let world: World;
let api: RunningApi;
let operations: IncidentOperations;

beforeAll(async () => {
  env = await connectDevServer();
  world = await createWorld(env);
  operations = createIncidentOperations({
    client: new Client({ connection: env.connection, namespace: 'default' }),
    policy: DEFAULT_POLICY,
    taskQueue: world.taskQueue,
    store: world.store,
  });
  api = await startApi({
    operations,
    answerLinks: world.deps.answerLinks,
    config: { API_TOKEN: TOKEN, API_HOST: '127.0.0.1', API_PORT: 0 },
  });
});
afterAll(async () => {
  await api?.close();
  await world?.close();
  await env?.teardown();
});

async function call(method: string, path: string, body?: unknown, token: string | null = TOKEN) {
  const response = await fetch(`${api.url}${path}`, {
    method,
    headers: { ...(token ? { authorization: `Bearer ${token}` } : {}), ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
  });
  const text = await response.text();
  return { status: response.status, body: text ? (JSON.parse(text) as Record<string, unknown>) : {} };
}

async function cli(...argv: string[]) {
  let out = '';
  const code = await run(argv, { operations, stdout: { write: (chunk: string) => ((out += chunk), true) } });
  return { code, out };
}

async function waitFor(id: string, done: (state: Awaited<ReturnType<IncidentOperations['show']>>) => boolean) {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await operations.show(id);
    if (done(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out; stage ${state.stage}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

describe('an operator journey through webhook, API, answer link and CLI', () => {
  it('opens, approves, substitutes, restocks and closes one incident; bad input changes nothing', async () => {
    await world.worker.runUntil(async () => {
      // Bad webhook bodies and a missing token start nothing.
      const bad = await call('POST', '/webhooks/inventory/critical-level', { sku: SHORT_SKU, network: world.network, onHand: 'low', criticalLevel: 10, eventId: 'e0' });
      expect(bad.status).toBe(400);
      expect(JSON.stringify(bad.body)).toMatch(/onHand/);
      expect((await call('POST', '/webhooks/inventory/critical-level', { sku: SHORT_SKU, network: world.network, onHand: 1, criticalLevel: 10, eventId: 'e0' }, null)).status).toBe(401);
      expect(await operations.list({ sku: SHORT_SKU, network: world.network })).toHaveLength(0);

      // The inventory system reports the SKU under its critical level; a retried webhook attaches, no twin.
      const event = { sku: SHORT_SKU, network: world.network, onHand: 40, criticalLevel: 120, eventId: `e-${randomUUID()}` };
      const opened = await call('POST', '/webhooks/inventory/critical-level', event);
      expect(opened.status).toBeLessThan(300);
      const id = String(opened.body.workflowId);
      const again = await call('POST', '/webhooks/inventory/critical-level', event);
      expect(again.body.workflowId).toBe(id);
      expect(again.body.started).toBe(false);

      // A planner approves through the API; a decision for another revision is refused, naming it.
      const pending = await waitFor(id, (s) => s.stage === 'awaiting-approval');
      const stale = await call('POST', `/incidents/${encodeURIComponent(id)}/decision`, { decision: 'approve', planRevision: 7, decidedBy: 'ann' });
      expect(stale.status).toBe(409);
      expect(JSON.stringify(stale.body)).toMatch(/planRevision/);
      const approved = await call('POST', `/incidents/${encodeURIComponent(id)}/decision`, {
        decision: 'approve',
        planRevision: pending.plan!.revision,
        decidedBy: 'ann',
      });
      expect(approved.status).toBe(200);
      const following = await waitFor(id, (s) => s.stage === 'following-up');

      // A customer accepts a substitute through the signed link in its first notice; a forged link is refused.
      const link = world.sink
        .messages()
        .map((m) => (m.text ?? '').replace(/\s+/g, ' '))
        .flatMap((text) => [...text.matchAll(/https?:\/\/\S+\/answers\/([\w-]+\.[\w-]+)/g)].map((match) => match[1]!))
        .find((token) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()).a === 'accept-substitute');
      expect(link).toBeDefined();
      const forged = await fetch(`${api.url}/answers/${link!.slice(0, -2)}xx`, { method: 'POST' });
      expect(forged.status).toBe(403);
      const accepted = await fetch(`${api.url}/answers/${link!}`, { method: 'POST' });
      expect(accepted.status).toBe(200);
      const answered = await waitFor(id, (s) => s.answersApplied.length === 1 && s.pendingEvents === 0);
      expect(answered.timeline.some((t) => t.event === 'customer answer: accept-substitute')).toBe(true);

      // The restock is recorded with the CLI; bad input gets exit code 2 and the field named.
      const badRestock = await cli('restock', id, '--receipt', 'GR-1', '--quantity', 'lots');
      expect(badRestock.code).toBe(2);
      expect(badRestock.out).toMatch(/quantity/);
      const open = (await operations.show(id)).backorders!.openUnits;
      expect(open).toBeLessThanOrEqual(following.backorders!.openUnits);
      const restocked = await cli('restock', id, '--receipt', 'GR-1', '--quantity', String(open));
      expect(restocked.code).toBe(0);

      const closed = await waitFor(id, (s) => s.stage === 'closed');
      expect(closed.report!.fillRate).toBeGreaterThan(0.9);
      const report = await cli('report', id, '--json');
      expect(report.code).toBe(0);
      expect(JSON.parse(report.out).report.byStage.length).toBeGreaterThan(0);
      // Closed incidents take no more commands.
      expect((await cli('restock', id, '--receipt', 'GR-2', '--quantity', '5')).code).toBe(4);
    });
    const books = await world.deps.inventory.checkBooks();
    expect(books.issues).toEqual([]);
  });
});
