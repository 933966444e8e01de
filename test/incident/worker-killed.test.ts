// A real worker process — the standalone `npm run worker` entry point — dies or is stopped in the middle of an
// incident's batches, and another worker finishes the incident.
// - Killed (SIGKILL) halfway through the first-notice batches: every customer ends up with its notice, no one
//   gets two different notices, and the CRM holds one record per message. A copy resent from the crash window
//   (mailer.ts: accepted by the server, not yet logged) carries the same Message-ID, which mail clients
//   collapse; there is at most one such message per SMTP connection, the one each carried when the process died.
// - Killed while the commit gives back taken-back confirmations, and again while parallel commit batches are
//   writing: every line is given back, reserved and backordered once, every customer credited once, and the
//   notices that follow go out once per recipient and kind.
// - Killed during an order round's writes: the next worker finishes the round, no line is reserved or
//   backordered twice, each customer is told once.
// - Stopped (SIGTERM) during the notices: it drains — the mail tasks it runs finish — so the incident loses no
//   attempt: no activity is retried, nothing is sent twice.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import type { GenerateOptions } from '../../src/dataset/generate';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import type { IncidentState } from '../../src/incident/state';
import type { Backorder } from '../../src/inventory/contract';
import { INCIDENT_STORE_FILE } from '../../src/incident-store/store';
import type { StoredMessage } from '../../src/embedded/smtp-sink';
import { DEFAULT_SMTP_CONNECTIONS } from '../../src/notifications/mailer';
import { STAGE } from '../../src/temporal/search-attributes';
import { stateQuery } from '../../workflows/definitions';
import { until, type WatchedProcess } from '../harness/process';
import { recordHistory } from '../harness/replay';
import { connectDevServer } from '../harness/temporal';
import { startWorkerProcess } from '../harness/worker-process';
import { createWorld, expectBooksBalanced, policyWith, SHORT_SKU, type World } from './world';

const { EventType } = proto.temporal.api.enums.v1;
let env: TestWorkflowEnvironment;
const worlds: { world: World; dataDir: string }[] = [];
const children: WatchedProcess[] = [];

beforeAll(async () => {
  env = await connectDevServer();
});
afterAll(async () => {
  for (const child of children) child.child.kill('SIGKILL');
  for (const { world, dataDir } of worlds) {
    await world.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
  await env?.teardown();
});

/** A world whose incident store a worker process shares, through a file in a folder of its own. */
async function killWorld(dataset?: Partial<GenerateOptions>): Promise<{ world: World; dataDir: string }> {
  const dataDir = mkdtempSync(join(tmpdir(), 'worker-killed-'));
  const world = await createWorld(env, { storeFile: join(dataDir, INCIDENT_STORE_FILE), ...(dataset ? { dataset } : {}) });
  worlds.push({ world, dataDir });
  return { world, dataDir };
}

/** The standalone worker process on the world's systems and task queue, sharing its incident store. */
async function startWorker(world: World, dataDir: string, mailRatePerSecond: number): Promise<WatchedProcess> {
  const worker = await startWorkerProcess({
    temporalAddress: inject('devServerAddress'),
    taskQueue: world.taskQueue,
    dataDir,
    inventoryUrl: world.service.inventoryUrl,
    crmUrl: world.service.crmUrl,
    smtp: world.sink,
    mailRatePerSecond,
    // Some tests slow requests to 1–2 s so the worker is caught writing: a timeout above that keeps them slow, not hung.
    env: { SYSTEMS_TIMEOUT_MS: '5000' },
  });
  children.push(worker);
  return worker;
}

type Operations = ReturnType<typeof createIncidentOperations>;

async function trigger(world: World, triggerId: string): Promise<{ handle: WorkflowHandle; operations: Operations }> {
  const operations = createIncidentOperations({
    client: new Client({ connection: env.connection, namespace: 'default' }),
    policy: policyWith({ approval: { severityThreshold: 'critical' } }),
    taskQueue: world.taskQueue,
    store: world.store,
  });
  const { workflowId } = await operations.trigger({ triggerId, sku: SHORT_SKU, network: world.network, source: 'manual', reason: 'worker kill test' });
  const handle: WorkflowHandle = env.client.workflow.getHandle(workflowId);
  world.handles.push(handle);
  return { handle, operations };
}

/** Waits until at least five first notices reached the sink; a timeout says where the incident and the worker were. */
async function noticesGoingOut(world: World, handle: WorkflowHandle, worker: WatchedProcess): Promise<void> {
  try {
    await until('the first notices to start going out', () => (firstNotices(world).length >= 5 ? true : undefined), 120_000);
  } catch (error) {
    const stage = (await handle.describe()).typedSearchAttributes.get(STAGE);
    throw new Error(`${String(error)}; stage ${stage}, ${firstNotices(world).length} notices; worker output:\n${worker.output().slice(-3000)}`, { cause: error });
  }
}

const noticeKind = (m: StoredMessage) => m.headers.find((h) => h.name.toLowerCase() === 'x-stockout-notice')?.value ?? 'none';
const firstNotices = (world: World): StoredMessage[] => world.sink.messages().filter((m) => noticeKind(m).startsWith('first-notice'));

/** The incident in follow-up with its first notices delivered. */
function followingUp(handle: WorkflowHandle, patienceMs: number): Promise<IncidentState> {
  return until<IncidentState>(
    'the incident to reach follow-up',
    async () => {
      const stage = (await handle.describe()).typedSearchAttributes.get(STAGE);
      if (stage !== 'following-up') return undefined;
      const s = await handle.query(stateQuery);
      return s.deliveries.some((d) => d.kind === 'first-notice') ? s : undefined;
    },
    patienceMs,
  );
}

/**
 * Every email at the sink (notices from parallel mail tasks, digests), per recipient and kind: one message each,
 * and at most `copies` messages beyond one per Message-ID in all (those in flight at a kill).
 */
function expectOneEmailPerRecipientAndKind(world: World, copies: number): void {
  const all = world.sink.messages();
  const byRecipientAndKind = new Map<string, Set<string>>();
  for (const m of all) {
    for (const to of m.envelope.to) byRecipientAndKind.set(`${to} ${noticeKind(m)}`, (byRecipientAndKind.get(`${to} ${noticeKind(m)}`) ?? new Set()).add(m.messageId));
  }
  expect([...byRecipientAndKind].filter(([, set]) => set.size !== 1)).toEqual([]);
  expect(all.length - new Set(all.map((m) => m.messageId)).size).toBeLessThanOrEqual(copies);
}

/** The commit as the inventory system and CRM hold it: each line reserved (per SKU) and backordered once, each customer credited once, as many as the plan committed. */
async function expectCommittedOnce(world: World, state: IncidentState): Promise<{ reservations: number; backorders: number }> {
  const reservations = (await world.deps.inventory.listReservations({ incidentId: state.incidentId })).filter((r) => r.status === 'active');
  const perLine = new Map<string, number>();
  for (const r of reservations) perLine.set(`${r.lineId} ${r.sku}`, (perLine.get(`${r.lineId} ${r.sku}`) ?? 0) + 1);
  expect([...perLine].filter(([, n]) => n !== 1)).toEqual([]);
  expect(reservations.filter((r) => r.sku === SHORT_SKU)).toHaveLength(state.commit!.reservedLines);
  const backorders = await backordersOf(world, state.incidentId);
  const perBackorderedLine = new Map<string, number>();
  for (const b of backorders) perBackorderedLine.set(b.lineId, (perBackorderedLine.get(b.lineId) ?? 0) + 1);
  expect([...perBackorderedLine].filter(([, n]) => n !== 1)).toEqual([]);
  expect(backorders).toHaveLength(state.commit!.backorderedLines);
  const credits = await world.deps.crm.listCredits({ incidentId: state.incidentId });
  expect(credits.length - new Set(credits.map((c) => c.customerId)).size).toBe(0);
  expect(credits).toHaveLength(state.commit!.credits);
  return { reservations: reservations.length, backorders: backorders.length };
}

/** The lines the inventory system gave back confirmations of to an incident (one per key applied). */
function givenBack(world: World): string[] {
  const rows = world.service.db.prepare("SELECT response FROM idempotency WHERE operation = 'releaseConfirmations'").all() as { response: string }[];
  return rows.map((r) => (JSON.parse(r.response) as { lineId: string }).lineId);
}

/**
 * Taken-back confirmations as the inventory system holds them: each line given back under one key, none of its
 * confirmations made before the incident still active, and the units of those released at a spoke received at
 * the hub once — no more, no fewer.
 */
function expectGivenBackOnce(world: World): void {
  const lines = givenBack(world);
  expect(lines.length).toBe(new Set(lines).size);
  const db = world.service.db;
  db.exec('CREATE TEMP TABLE IF NOT EXISTS given_back (line_id TEXT PRIMARY KEY)');
  db.exec('DELETE FROM given_back');
  const add = db.prepare('INSERT INTO given_back (line_id) VALUES (?)');
  for (const line of lines) add.run(line);
  const confirmations = (status: string, where = '') =>
    db.prepare(`SELECT COUNT(*) AS n, COALESCE(SUM(r.quantity), 0) AS units FROM reservations r JOIN given_back USING (line_id) JOIN locations l USING (location_id)
      WHERE r.incident_id IS NULL AND r.status = ? ${where}`).get(status) as { n: number; units: number };
  expect(confirmations('active').n).toBe(0);
  expect(confirmations('released').n).toBeGreaterThan(0);
  const received = db.prepare(`SELECT COALESCE(SUM(delta), 0) AS units FROM movements WHERE kind = 'transfer-receive' AND bucket = 'on_hand'
    AND idempotency_key IN (SELECT idempotency_key FROM idempotency WHERE operation = 'releaseConfirmations')`).get() as { units: number };
  expect(received.units).toBe(confirmations('released', "AND l.kind = 'spoke'").units);
}

async function backordersOf(world: World, incidentId: string): Promise<Backorder[]> {
  const all: Backorder[] = [];
  let cursor: string | undefined;
  do {
    const page = await world.deps.inventory.listBackorders({ incidentId, limit: 1000, ...(cursor ? { cursor } : {}) });
    all.push(...page.backorders);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** An incident triggered on a worker process that sends slowly enough (4 a second) to be stopped halfway through its first notices, caught sending them. */
async function noticesUnderWay(triggerId: string) {
  const { world, dataDir } = await killWorld();
  const child = await startWorker(world, dataDir, 4);
  const { handle, operations } = await trigger(world, triggerId);
  await noticesGoingOut(world, handle, child);
  return { world, child, handle, operations };
}

/** Activities the incident has running now, by type. */
async function pendingActivities(handle: WorkflowHandle): Promise<string[]> {
  return ((await handle.describe()).raw.pendingActivities ?? []).map((a) => a.activityType?.name ?? '');
}

/**
 * The world's own worker takes the incident over from the dead or stopped process and `check` looks at what it
 * did; then the incident is cancelled and ends, the worker is shut down (also when a check failed) and the books
 * balance.
 */
async function takeOverAndClose(world: World, incident: { handle: WorkflowHandle; operations: Operations }, check: () => Promise<void>): Promise<void> {
  const { handle, operations } = incident;
  const running = world.worker.run();
  try {
    await check();
    await operations.cancel(handle.workflowId, { reason: 'test over', cancelledBy: 'tester' });
    await handle.result();
  } finally {
    world.worker.shutdown();
    await running;
  }
  await expectBooksBalanced(world);
}

it('a worker process killed mid-batch: the next worker completes the notices, nobody gets two different ones', async () => {
  const { world, child, handle, operations } = await noticesUnderWay('kill-test');
  child.child.kill('SIGKILL');
  await child.exited;
  const beforeKill = firstNotices(world).length;

  // The second worker picks the batch up once the dead one misses its heartbeat (10 s: workflows/incident/proxies.ts).
  await takeOverAndClose(world, { handle, operations }, async () => {
    const state = await followingUp(handle, 150_000);
    const delivery = state.deliveries.find((d) => d.kind === 'first-notice')!;
    const notices = firstNotices(world);
    const ids = notices.map((m) => m.messageId);
    const distinct = new Set(ids);
    expect(beforeKill, 'killed halfway, not before or after the batch').toBeLessThan(distinct.size);
    expect(delivery.skipped, 'the second worker skipped what the first had sent and logged').toBeGreaterThan(0);
    // One notice per recipient; a second copy can only be the one in flight at the kill, with the same Message-ID.
    const byRecipient = new Map<string, Set<string>>();
    for (const m of notices) for (const to of m.envelope.to) byRecipient.set(to, (byRecipient.get(to) ?? new Set()).add(m.messageId));
    expect([...byRecipient.values()].every((set) => set.size === 1)).toBe(true);
    // Parallel mail tasks share the worker's connections, and each connection can be mid-message at the kill.
    expect(ids.length - distinct.size).toBeLessThanOrEqual(DEFAULT_SMTP_CONNECTIONS);
    expectOneEmailPerRecipientAndKind(world, DEFAULT_SMTP_CONNECTIONS);
    await expectCommittedOnce(world, state);
    // The CRM holds each message once, as sent.
    const logged = await world.deps.crm.listCommunications({ incidentId: state.incidentId, limit: 1000 });
    const loggedFirst = logged.communications.filter((c) => distinct.has(c.messageId));
    expect(loggedFirst).toHaveLength(distinct.size);
    expect(loggedFirst.every((c) => c.outcome === 'sent')).toBe(true);
  });
}, 300_000);

it('a worker process killed while the commit gives back confirmations, and again while parallel commit batches write: every line given back, reserved and backordered once, every email once', async () => {
  // About 1,000 customers of the short SKU: three commit batches of 500 (workflows/incident/commit.ts), all at once.
  const { world, dataDir } = await killWorld({ customers: 2_000, demandLines: 6_000 });
  // Every give-back request is applied but its reply lost, so the first worker is caught with lines given back
  // and the requests of its attempt still being resent; the next worker's attempt sends them again, under the same keys.
  world.service.faults.set({ lostReplyRate: 1, routes: ['POST /reservations/confirmations/release'] });
  const first = await startWorker(world, dataDir, 1_000);
  const { handle, operations } = await trigger(world, 'kill-in-commit');
  await until('taken-back confirmations to be given back', () => (givenBack(world).length > 0 ? true : undefined), 180_000);
  first.child.kill('SIGKILL');
  await first.exited;

  // Each reservation and backorder request takes 2 s, so the batches are caught writing.
  world.service.faults.set({ latencyMs: 2_000, routes: ['POST /reservations/batch', 'POST /backorders/batch'] });
  const child = await startWorker(world, dataDir, 1_000);
  // Reservations and backorders written, read from the service's own books: paging through them over HTTP on a
  // busy machine took longer than a batch's writes, and the kill came after the last.
  const writes = () =>
    (world.service.db.prepare("SELECT COUNT(*) AS n FROM idempotency WHERE operation IN ('createReservation', 'createBackorder')").get() as { n: number }).n;
  await until(
    'parallel commit batches to be writing',
    async () => (writes() > 0 && (await pendingActivities(handle)).filter((name) => name === 'commitPlanBatch').length >= 2 ? true : undefined),
    180_000,
  );
  child.child.kill('SIGKILL');
  await child.exited;
  // Requests in flight at the kill are still applied (2 s later): the retried batches send them again, under the same keys.
  const atKill = writes();
  world.service.faults.set({});

  await takeOverAndClose(world, { handle, operations }, async () => {
    const state = await followingUp(handle, 240_000);
    const committed = await expectCommittedOnce(world, state);
    expectGivenBackOnce(world);
    expect(atKill, 'killed halfway through the commit, not before or after it').toBeLessThan(committed.reservations + committed.backorders);
    expect(state.timeline.some((e) => e.event === 'retried' && /^committing/.test(e.detail ?? '')), 'the killed batches were retried').toBe(true);
    expectOneEmailPerRecipientAndKind(world, 0);
  });
  // The history of parallel commit batches, a dead worker's retried ones among them, and parallel notices.
  if (process.env.RECORD_HISTORIES === '1') await recordHistory(handle, 'incident-commit-worker-killed');
}, 420_000);

it('a worker process stopped (SIGTERM) during the notices drains: no attempt is lost, nothing is sent twice', async () => {
  const { world, child, handle, operations } = await noticesUnderWay('sigterm-test');
  child.child.kill('SIGTERM');
  const exit = await child.exited;
  const beforeStop = firstNotices(world).length;
  expect(exit, 'the worker drained and exited by itself').toEqual({ code: 0, signal: null });

  await takeOverAndClose(world, { handle, operations }, async () => {
    const state = await followingUp(handle, 150_000);
    expect(beforeStop, 'stopped halfway, not before or after the notices').toBeLessThan(firstNotices(world).length);
    const events = (await handle.fetchHistory()).events ?? [];
    const attempts = events.filter((e) => e.eventType === EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED).map((e) => e.activityTaskStartedEventAttributes?.attempt);
    expect(attempts.filter((a) => a !== 1), 'no activity needed a second attempt').toEqual([]);
    const lost = [EventType.EVENT_TYPE_ACTIVITY_TASK_TIMED_OUT, EventType.EVENT_TYPE_ACTIVITY_TASK_FAILED, EventType.EVENT_TYPE_ACTIVITY_TASK_CANCELED];
    expect(events.filter((e) => lost.includes(e.eventType!)).map((e) => e.eventType)).toEqual([]);
    expect(state.timeline.filter((e) => e.event === 'retried')).toEqual([]);
    expect(state.deliveries.find((d) => d.kind === 'first-notice')!.skipped, 'no batch ran twice').toBe(0);
    expectOneEmailPerRecipientAndKind(world, 0);
  });
}, 300_000);

/** Lines placed during the round's incident: enough that the round writes its backorders in several requests. */
const NEW_LINES = 2_000;
const NEW_LINE_UNITS = 3;

it('a worker process killed during an order round: the next worker finishes it, no line is reserved or backordered twice, each customer is told once', async () => {
  const { world, dataDir } = await killWorld();
  const child = await startWorker(world, dataDir, 1_000);
  const { handle, operations } = await trigger(world, 'kill-round');
  const { incidentId } = await followingUp(handle, 150_000);
  const lineIds = await placeLines(world, incidentId);

  // Every request a second slower: the round's writes take several seconds, and the worker dies among them.
  world.service.faults.set({ latencyMs: 1_000 });
  await operations.orderEvent({ eventId: 'kill-round-1', sku: SHORT_SKU, network: world.network, change: 'created' });
  const atKill = await until('the round to be halfway through its writes', () => {
    const done = committedLines(world, incidentId, lineIds);
    return done > 0 && done < lineIds.length ? done : undefined;
  }, 120_000);
  child.child.kill('SIGKILL');
  await child.exited;
  world.service.faults.set({});

  // The second worker takes the round over once the dead one misses its heartbeat (a minute: workflows/incident/proxies.ts).
  await takeOverAndClose(world, { handle, operations }, async () => {
    const state = await until('the order round and its notices', () => roundTold(handle), 180_000);
    expect(atKill, 'killed halfway through the round, not before or after it').toBeLessThan(committedLines(world, incidentId, lineIds));
    // Each line committed once: one backorder at most, one reservation at most, together what it orders.
    const reservations = world.service.inventory.listReservations({ incidentId, status: 'active', limit: 10_000 }).reservations;
    const backorders = await backordersOf(world, incidentId);
    for (const lineId of lineIds) {
      const reserved = reservations.filter((r) => r.lineId === lineId);
      const backordered = backorders.filter((b) => b.lineId === lineId);
      expect(reserved.length + backordered.length, lineId).toBeGreaterThan(0);
      expect(reserved.length, lineId).toBeLessThanOrEqual(1);
      expect(backordered.length, lineId).toBeLessThanOrEqual(1);
      expect(reserved.reduce((sum, r) => sum + r.quantity, 0) + backordered.reduce((sum, b) => sum + b.open, 0), lineId).toBe(NEW_LINE_UNITS);
    }
    expect(state.timeline.filter((t) => t.event === 'order changes planned')).toHaveLength(1);
    // One new-orders email per customer, no copy: the worker died in the round, before any of them went out.
    const told = world.sink.messages().filter((m) => noticeKind(m).startsWith('new-orders'));
    const recipients = told.flatMap((m) => m.envelope.to);
    expect(new Set(recipients).size).toBe(recipients.length);
    const delivery = state.deliveries.find((d) => d.kind === 'new-orders')!;
    expect(delivery.sent).toBeGreaterThan(0);
    // The customers' notices and the account managers' digests (which carry the same kind).
    expect(told).toHaveLength(delivery.sent + delivery.digests);
    await expectBooksBalanced(world);
  });
}, 400_000);

/** The incident's state once its order round is planned and told; undefined until then. */
async function roundTold(handle: WorkflowHandle): Promise<IncidentState | undefined> {
  if ((await handle.describe()).typedSearchAttributes.get(STAGE) !== 'following-up') return undefined;
  const s = await handle.query(stateQuery);
  return s.orderRounds === 1 && s.pendingEvents === 0 && s.deliveries.some((d) => d.kind === 'new-orders') ? s : undefined;
}

/** New lines of the SKU's customers at the hub, placed in the inventory system while the incident follows up. */
async function placeLines(world: World, incidentId: string): Promise<string[]> {
  const hubId = world.service.inventory.listReservations({ incidentId, limit: 1 }).reservations[0]!.locationId;
  const customers = [...new Set(world.service.inventory.listDemandLines({ sku: SHORT_SKU, limit: 1000 }).lines.map((l) => l.customerId))].sort();
  return Array.from({ length: NEW_LINES }, (_, i) => {
    const lineId = `KILL-${String(i).padStart(4, '0')}`;
    world.service.inventory.createDemandLine({
      idempotencyKey: `place-${lineId}`,
      lineId,
      orderId: `SO-${lineId}`,
      customerId: customers[i % customers.length]!,
      sku: SHORT_SKU,
      locationId: hubId,
      quantity: NEW_LINE_UNITS,
      requestedDate: '2030-01-15',
      unitPrice: 10,
      unitMargin: 0,
      packSize: 1,
    });
    return lineId;
  });
}

/** How many of the lines the inventory system holds a reservation or backorder of the incident for, read in process. */
function committedLines(world: World, incidentId: string, lineIds: string[]): number {
  const ids = new Set(lineIds);
  const reserved = world.service.inventory.listReservations({ incidentId, status: 'active', limit: 10_000 }).reservations.filter((r) => ids.has(r.lineId)).map((r) => r.lineId);
  const backordered = world.service.inventory.listBackorders({ incidentId, limit: 10_000 }).backorders.filter((b) => ids.has(b.lineId)).map((b) => b.lineId);
  return new Set([...reserved, ...backordered]).size;
}
