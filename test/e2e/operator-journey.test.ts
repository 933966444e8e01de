// End to end on the Temporal dev server, driven the way people and systems use the product: an inventory
// system's webhook opens the incident, a planner approves through the HTTP API, a customer accepts a
// substitute through the signed link in its email, the restock is recorded with the CLI, and the incident
// closes with its report. Bad input to each is refused with the field named and changes nothing; expired,
// tampered and earlier incidents' links are refused; a webhook retried after the close opens nothing.
import { randomUUID } from 'node:crypto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { listIncidentBackorders } from '../../activities/paging';
import type { AnswerClaims } from '../../src/answer-links';
import { escapeHtml } from '../../src/notifications/document';
import { readerOf } from '../../src/notifications/reader';
import type { IncidentOperations } from '../../src/operations/incident-operations';
import type { RunningApi } from '../../src/api/server';
import { run } from '../../src/cli/main';
import { startApiWorld, type ApiWorld } from '../harness/api-world';
import { SHORT_SKU, type World } from '../incident/world';

const TOKEN = 'e2e-token-e2e-token-e2e';

let stack: ApiWorld;
let env: TestWorkflowEnvironment;
let world: World;
let api: RunningApi;
let operations: IncidentOperations;

beforeAll(async () => {
  ({ env, world, api, operations } = stack = await startApiWorld({ token: TOKEN }));
});
afterAll(() => stack?.close());

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

async function answer(token: string) {
  const response = await fetch(`${api.url}/answers/${token}`, { method: 'POST' });
  return { status: response.status, html: await response.text() };
}

const claimsOf = (token: string) => JSON.parse(Buffer.from(token.split('.')[0]!, 'base64url').toString()) as AnswerClaims;

/** Open backordered units of the incident as the inventory system books them. */
async function openInInventory(incidentId: string) {
  return (await listIncidentBackorders(world.deps.inventory, incidentId)).reduce((sum, b) => sum + b.open, 0);
}

/** Open lines of the short SKU whose order allows a substitute. */
async function linesAllowingSubstitutes() {
  const allowed = new Set<string>();
  let cursor: string | null = null;
  do {
    const page: { lines: { lineId: string; substitutesAllowed: boolean }[]; nextCursor: string | null } = await world.deps.inventory.listDemandLines({
      sku: SHORT_SKU,
      limit: 1000,
      ...(cursor ? { cursor } : {}),
    });
    for (const line of page.lines) if (line.substitutesAllowed) allowed.add(line.lineId);
    cursor = page.nextCursor;
  } while (cursor);
  return allowed;
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
      const notBelow = await call('POST', '/webhooks/inventory/critical-level', { sku: SHORT_SKU, network: world.network, onHand: 10, criticalLevel: 10, eventId: 'e0' });
      expect(notBelow.status).toBe(400);
      expect(JSON.stringify(notBelow.body)).toMatch(/body\.onHand/);
      const colon = await call('POST', '/webhooks/inventory/critical-level', { sku: `X:${SHORT_SKU}`, network: world.network, onHand: 1, criticalLevel: 10, eventId: 'e0' });
      expect(colon.status).toBe(400);
      expect(JSON.stringify(colon.body)).toMatch(/body\.sku/);
      // The inventory system does not know the SKU: nothing starts for it.
      const unknown = await call('POST', '/webhooks/inventory/critical-level', { sku: 'NO-SUCH-SKU', network: world.network, onHand: 1, criticalLevel: 10, eventId: 'e0' });
      expect(unknown.status).toBe(422);
      expect(JSON.stringify(unknown.body)).toMatch(/trigger\.sku/);
      expect(await operations.latest(world.network, 'NO-SUCH-SKU')).toBeNull();
      expect(await operations.latest(world.network, SHORT_SKU)).toBeNull();
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
      const malformed = await call('POST', `/incidents/${encodeURIComponent(id)}/decision`, { decision: 'approve', planRevision: 'latest', decidedBy: 'ann' });
      expect(malformed.status).toBe(400);
      expect(JSON.stringify(malformed.body)).toMatch(/body\.planRevision/);
      const untouched = await operations.show(id);
      expect(untouched.stage).toBe('awaiting-approval');
      expect(untouched.approval).toEqual(pending.approval);
      expect(untouched.plan!.revision).toBe(pending.plan!.revision);
      // A delivery of the substitute reaches the hub meanwhile: the plan used what was free, this is what an
      // answer can still get.
      await world.deps.inventory.recordReceipt({
        idempotencyKey: `e2e-substitute-${id}`,
        sku: pending.substitutes[0]!.sku,
        locationId: pending.pooling!.hubId,
        quantity: 5_000,
      });
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

      // A customer accepts a substitute through the signed link in its first notice. Forged, tampered and expired
      // links are refused with a page saying so, and a link signed for an earlier incident of the SKU (the
      // workflow id is reused) is refused by the incident: none of them changes anything.
      const allowed = await linesAllowingSubstitutes();
      const link = world.sink
        .messages()
        .map((m) => (m.text ?? '').replace(/\s+/g, ' '))
        .flatMap((text) => [...text.matchAll(/https?:\/\/\S+\/answers\/([\w-]+\.[\w-]+)/g)].map((match) => match[1]!))
        // A line's own link (one answering for all lines of an email carries the others in `m`).
        .find((token) => claimsOf(token).a === 'accept-substitute' && claimsOf(token).m === undefined && allowed.has(claimsOf(token).l));
      expect(link).toBeDefined();
      const { e: _expiry, ...claims } = claimsOf(link!);
      expect(claims).toMatchObject({ w: id, i: following.incidentId });
      const forged = await answer(`${link!.slice(0, -2)}xx`);
      expect(forged.status).toBe(403);
      expect(forged.html).toContain('not valid');
      const otherLine = Buffer.from(JSON.stringify({ ...claimsOf(link!), l: 'SOMEONE-ELSES-LINE' })).toString('base64url');
      const tampered = await answer(`${otherLine}.${link!.split('.')[1]}`);
      expect(tampered.status).toBe(403);
      expect(tampered.html).toContain('not valid');
      const expired = await answer(world.deps.answerLinks.sign(claims, new Date(Date.now() - 30 * 86_400_000)));
      expect(expired.status).toBe(403);
      expect(expired.html).toContain('expired');
      const earlier = await answer(world.deps.answerLinks.sign({ ...claims, i: `${id}:00000000` }, new Date()));
      expect(earlier.status).toBe(409);
      // Said in the customer's words and the email's language, not the incident's.
      expect(earlier.html).toContain(escapeHtml(readerOf({ locale: claims.d?.loc ?? 'en' }).t('pages.noLongerOpen')));
      expect(earlier.html).not.toContain('answer.incidentId');
      const beforeAnswer = await operations.show(id);
      expect(beforeAnswer.answersApplied).toEqual([]);
      expect(beforeAnswer.pendingEvents).toBe(0);

      const accepted = await answer(link!);
      expect(accepted.status).toBe(200);
      const answered = await waitFor(id, (s) => s.answersApplied.length === 1 && s.pendingEvents === 0);
      expect(answered.timeline.some((t) => t.event === 'customer answer: accept-substitute')).toBe(true);
      // The inventory system holds the substitute for the line, and the line's backorder is closed.
      const substitutes = new Set(answered.substitutes.map((sub) => sub.sku));
      const held = await world.deps.inventory.listReservations({ incidentId: answered.incidentId, lineId: claims.l });
      expect(held.filter((r) => r.status === 'active' && substitutes.has(r.sku)).length).toBeGreaterThan(0);
      const lineBackorders = (await listIncidentBackorders(world.deps.inventory, answered.incidentId)).filter((b) => b.lineId === claims.l);
      expect(lineBackorders.length).toBeGreaterThan(0);
      expect(lineBackorders.every((b) => b.status === 'closed' && b.open === 0)).toBe(true);

      // The restock is recorded with the CLI; bad input gets exit code 2, the field named, and changes nothing.
      const open = await openInInventory(answered.incidentId);
      const settled = await waitFor(id, (s) => s.backorders!.openUnits === open);
      expect(open).toBeLessThan(following.backorders!.openUnits);
      for (const quantity of ['lots', '0', '-5']) {
        const badRestock = await cli('restock', id, '--receipt', 'GR-1', '--quantity', quantity);
        expect(badRestock.code).toBe(2);
        expect(badRestock.out).toMatch(/--quantity/);
      }
      const unchanged = await operations.show(id);
      expect(await openInInventory(answered.incidentId)).toBe(open);
      expect(unchanged.backorders!.openUnits).toBe(open);
      expect(unchanged.restockRounds).toBe(settled.restockRounds);
      expect(unchanged.receiptsApplied).toEqual(settled.receiptsApplied);
      expect(unchanged.pendingEvents).toBe(0);
      const restocked = await cli('restock', id, '--receipt', 'GR-1', '--quantity', String(open));
      expect(restocked.code).toBe(0);

      const closed = await waitFor(id, (s) => s.stage === 'closed');
      expect(closed.report!.fillRate).toBeGreaterThan(0.9);
      const report = await cli('report', id, '--json');
      expect(report.code).toBe(0);
      expect(JSON.parse(report.out).report.byStage.length).toBeGreaterThan(0);
      // Closed incidents take no more commands, and the webhook retried now opens no second incident.
      expect((await cli('restock', id, '--receipt', 'GR-2', '--quantity', '5')).code).toBe(4);
      const closedRun = await env.client.workflow.getHandle(id).describe();
      const retried = await call('POST', '/webhooks/inventory/critical-level', event);
      expect(retried.status).toBe(202);
      expect(retried.body).toEqual({ workflowId: id, started: false, alreadyRecorded: true });
      const latest = await env.client.workflow.getHandle(id).describe();
      expect(latest.runId).toBe(closedRun.runId);
      expect(latest.status.name).toBe('COMPLETED');
    });
    const books = await world.deps.inventory.checkBooks();
    expect(books.issues).toEqual([]);
  });
});
