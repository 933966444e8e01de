// A real worker process — the standalone `npm run worker` entry point — is killed (SIGKILL) halfway through
// the first-notice batch; a second worker finishes the incident. Every customer ends up with its notice, no
// one gets two different notices, and the CRM holds one record per message. A copy resent from the crash
// window (mailer.ts: accepted by the server, not yet logged) carries the same Message-ID, which mail
// clients collapse; there is at most one such message, the one in flight when the process died.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, inject, it } from 'vitest';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import type { IncidentState } from '../../src/incident/state';
import { INCIDENT_STORE_FILE } from '../../src/incident-store/store';
import type { StoredMessage } from '../../src/embedded/smtp-sink';
import { STAGE } from '../../src/temporal/search-attributes';
import { stateQuery } from '../../workflows/definitions';
import { until } from '../harness/process';
import { connectDevServer } from '../harness/temporal';
import { createWorld, expectBooksBalanced, policyWith, SHORT_SKU, type World } from './world';

const root = new URL('../../', import.meta.url).pathname;
const dataDirs: string[] = [];
let env: TestWorkflowEnvironment;
let world: World;
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await connectDevServer();
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await world?.close();
  await env?.teardown();
  for (const dir of dataDirs) rmSync(dir, { recursive: true, force: true });
});

/** A world whose incident store a worker process shares (a file in the data directory it is given). */
async function openWorld(): Promise<string> {
  await world?.close();
  const dataDir = mkdtempSync(join(tmpdir(), 'worker-killed-'));
  dataDirs.push(dataDir);
  world = await createWorld(env, { storeFile: join(dataDir, INCIDENT_STORE_FILE) });
  return dataDir;
}

const noticesOf = (kind: string): StoredMessage[] =>
  world.sink.messages().filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith(kind)));
const firstNotices = () => noticesOf('first-notice');

/** The standalone worker, configured only through its environment, as in a deployment. */
async function startWorkerProcess(dataDir: string, mailPerSecond: number): Promise<ChildProcess> {
  const worker = spawn(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
    cwd: root,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: {
      ...process.env,
      TEMPORAL_ADDRESS: inject('devServerAddress'),
      TEMPORAL_NAMESPACE: 'default',
      STOCKOUT_TASK_QUEUE: world.taskQueue,
      STOCKOUT_DATA_DIR: dataDir,
      STOCKOUT_SCAN_NETWORKS: '',
      INVENTORY_URL: world.service.inventoryUrl,
      CRM_URL: world.service.crmUrl,
      SMTP_HOST: world.sink.host,
      SMTP_PORT: String(world.sink.port),
      SMTP_RATE_PER_SECOND: String(mailPerSecond),
      ANSWER_LINK_SECRET: 'worker-killed-test-secret-0123456789',
    },
  });
  let output = '';
  worker.stdout?.on('data', (chunk) => (output += String(chunk)));
  worker.stderr?.on('data', (chunk) => (output += String(chunk)));
  await until('the worker process to poll', () => (output.includes('"msg":"polling"') ? true : worker.exitCode !== null ? Promise.reject(new Error(output)) : undefined), 90_000);
  return worker;
}

async function killWorkerProcess(): Promise<void> {
  child!.kill('SIGKILL');
  await new Promise((resolve) => child!.once('exit', resolve));
}

it('a worker process killed mid-batch: the next worker completes the notices, nobody gets two different ones', async () => {
  // Slow enough to be killed halfway through a batch.
  child = await startWorkerProcess(await openWorld(), 4);
  const operations = createIncidentOperations({
    client: new Client({ connection: env.connection, namespace: 'default' }),
    policy: policyWith({ approval: { severityThreshold: 'critical' } }),
    taskQueue: world.taskQueue,
    store: world.store,
  });
  const { workflowId } = await operations.trigger({ triggerId: 'kill-test', sku: SHORT_SKU, network: world.network, source: 'manual', reason: 'worker kill test' });
  const handle: WorkflowHandle = env.client.workflow.getHandle(workflowId);
  world.handles.push(handle);

  await until('the first notices to start going out', () => (firstNotices().length >= 5 ? true : undefined), 90_000);
  await killWorkerProcess();
  const beforeKill = firstNotices().length;

  // The second worker picks the batch up once the dead one misses its heartbeat (10 s: workflows/incident/proxies.ts).
  const running = world.worker.run();
  try {
    await finishesTheNotices(handle, beforeKill);
    await operations.cancel(workflowId, { reason: 'test over', cancelledBy: 'tester' });
    await handle.result();
  } finally {
    world.worker.shutdown();
    await running;
  }
  await expectBooksBalanced(world);
}, 300_000);

async function finishesTheNotices(handle: WorkflowHandle, beforeKill: number): Promise<void> {
  const state = await until<IncidentState>(
    'the incident to reach follow-up',
    async () => {
      const stage = (await handle.describe()).typedSearchAttributes.get(STAGE);
      if (stage !== 'following-up') return undefined;
      const s = await handle.query(stateQuery);
      return s.deliveries.some((d) => d.kind === 'first-notice') ? s : undefined;
    },
    150_000,
  );
  const delivery = state.deliveries.find((d) => d.kind === 'first-notice')!;
  const notices = firstNotices();
  const ids = notices.map((m) => m.messageId);
  const distinct = new Set(ids);
  expect(beforeKill, 'killed halfway, not before or after the batch').toBeLessThan(distinct.size);
  expect(delivery.skipped, 'the second worker skipped what the first had sent and logged').toBeGreaterThan(0);
  // One notice per recipient; a second copy can only be the one in flight at the kill, with the same Message-ID.
  const byRecipient = new Map<string, Set<string>>();
  for (const m of notices) for (const to of m.envelope.to) byRecipient.set(to, (byRecipient.get(to) ?? new Set()).add(m.messageId));
  expect([...byRecipient.values()].every((set) => set.size === 1)).toBe(true);
  expect(ids.length - distinct.size).toBeLessThanOrEqual(1);
  // Every email so far (notices from parallel mail tasks, digests), per recipient and kind: one message each,
  // and at most one copy beyond one per message in all.
  const all = world.sink.messages();
  const byRecipientAndKind = new Map<string, Set<string>>();
  for (const m of all) {
    const kind = m.headers.find((h) => h.name.toLowerCase() === 'x-stockout-notice')?.value ?? 'none';
    for (const to of m.envelope.to) byRecipientAndKind.set(`${to} ${kind}`, (byRecipientAndKind.get(`${to} ${kind}`) ?? new Set()).add(m.messageId));
  }
  expect([...byRecipientAndKind].filter(([, set]) => set.size !== 1)).toEqual([]);
  expect(all.length - new Set(all.map((m) => m.messageId)).size).toBeLessThanOrEqual(1);
  // The commit reserved each line once per SKU, as many as the plan committed.
  const reservations = (await world.deps.inventory.listReservations({ incidentId: state.incidentId })).filter((r) => r.status === 'active');
  const perLine = new Map<string, number>();
  for (const r of reservations) perLine.set(`${r.lineId} ${r.sku}`, (perLine.get(`${r.lineId} ${r.sku}`) ?? 0) + 1);
  expect([...perLine].filter(([, n]) => n !== 1)).toEqual([]);
  expect(reservations.filter((r) => r.sku === SHORT_SKU)).toHaveLength(state.commit!.reservedLines);
  // The CRM holds each message once, as sent.
  const logged = await world.deps.crm.listCommunications({ incidentId: state.incidentId, limit: 1000 });
  const loggedFirst = logged.communications.filter((c) => distinct.has(c.messageId));
  expect(loggedFirst).toHaveLength(distinct.size);
  expect(loggedFirst.every((c) => c.outcome === 'sent')).toBe(true);
}

/** Lines placed during the round's incident: enough that the round writes its backorders in several requests. */
const NEW_LINES = 2_000;
const NEW_LINE_UNITS = 3;

it('a worker process killed during an order round: the next worker finishes it, no line is reserved or backordered twice, each customer is told once', async () => {
  child = await startWorkerProcess(await openWorld(), 1_000);
  const operations = createIncidentOperations({
    client: new Client({ connection: env.connection, namespace: 'default' }),
    policy: policyWith({ approval: { severityThreshold: 'critical' } }),
    taskQueue: world.taskQueue,
    store: world.store,
  });
  const { workflowId } = await operations.trigger({ triggerId: 'kill-round', sku: SHORT_SKU, network: world.network, source: 'manual', reason: 'order round kill test' });
  const handle: WorkflowHandle = env.client.workflow.getHandle(workflowId);
  world.handles.push(handle);
  const { incidentId } = await until('the incident to reach follow-up', () => followingUp(handle, (s) => s.deliveries.some((d) => d.kind === 'first-notice')), 150_000);
  const lineIds = await placeLines(incidentId);

  // Every request a second slower: the round's writes take several seconds, and the worker dies among them.
  world.service.faults.set({ latencyMs: 1_000 });
  await operations.orderEvent({ eventId: 'kill-round-1', sku: SHORT_SKU, network: world.network, change: 'created' });
  const atKill = await until('the round to be halfway through its writes', () => {
    const done = committedLines(incidentId, lineIds);
    return done > 0 && done < lineIds.length ? done : undefined;
  }, 120_000);
  await killWorkerProcess();
  world.service.faults.set({});

  // The second worker takes the round over once the dead one misses its heartbeat (a minute: workflows/incident/proxies.ts).
  const running = world.worker.run();
  try {
    const state = await until('the order round and its notices', () => followingUp(handle, (s) => s.orderRounds === 1 && s.pendingEvents === 0 && s.deliveries.some((d) => d.kind === 'new-orders')), 180_000);
    expect(atKill, 'killed halfway through the round, not before or after it').toBeLessThan(committedLines(incidentId, lineIds));
    // Each line committed once: one backorder at most, one reservation at most, together what it orders.
    const reservations = world.service.inventory.listReservations({ incidentId, status: 'active', limit: 10_000 }).reservations;
    const backorders = allBackorders(incidentId);
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
    const told = noticesOf('new-orders');
    const recipients = told.flatMap((m) => m.envelope.to);
    expect(new Set(recipients).size).toBe(recipients.length);
    const delivery = state.deliveries.find((d) => d.kind === 'new-orders')!;
    expect(delivery.sent).toBeGreaterThan(0);
    // The customers' notices and the account managers' digests (which carry the same kind).
    expect(told).toHaveLength(delivery.sent + delivery.digests);
    await expectBooksBalanced(world);
    await operations.cancel(workflowId, { reason: 'test over', cancelledBy: 'tester' });
    await handle.result();
  } finally {
    world.worker.shutdown();
    await running;
  }
  await expectBooksBalanced(world);
}, 400_000);

/** The incident's state once it is following up and `done` holds; undefined until then. */
async function followingUp(handle: WorkflowHandle, done: (s: IncidentState) => boolean): Promise<IncidentState | undefined> {
  if ((await handle.describe()).typedSearchAttributes.get(STAGE) !== 'following-up') return undefined;
  const s = await handle.query(stateQuery);
  return done(s) ? s : undefined;
}

/** New lines of the SKU's customers at the hub, placed in the inventory system while the incident follows up. */
async function placeLines(incidentId: string): Promise<string[]> {
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

function allBackorders(incidentId: string) {
  const all = [];
  let cursor: string | undefined;
  do {
    const page = world.service.inventory.listBackorders({ incidentId, limit: 1000, ...(cursor ? { cursor } : {}) });
    all.push(...page.backorders);
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return all;
}

/** How many of the lines the inventory system holds a reservation or backorder of the incident for, read in process. */
function committedLines(incidentId: string, lineIds: string[]): number {
  const ids = new Set(lineIds);
  const reserved = world.service.inventory.listReservations({ incidentId, status: 'active', limit: 10_000 }).reservations.filter((r) => ids.has(r.lineId)).map((r) => r.lineId);
  const backordered = allBackorders(incidentId).filter((b) => ids.has(b.lineId)).map((b) => b.lineId);
  return new Set([...reserved, ...backordered]).size;
}
