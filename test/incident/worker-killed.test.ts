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
const dataDir = mkdtempSync(join(tmpdir(), 'worker-killed-'));
let env: TestWorkflowEnvironment;
let world: World;
let child: ChildProcess | undefined;

beforeAll(async () => {
  env = await connectDevServer();
  world = await createWorld(env, { storeFile: join(dataDir, INCIDENT_STORE_FILE) });
});
afterAll(async () => {
  child?.kill('SIGKILL');
  await world?.close();
  await env?.teardown();
  rmSync(dataDir, { recursive: true, force: true });
});

const firstNotices = (): StoredMessage[] =>
  world.sink.messages().filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith('first-notice')));

/** The standalone worker, configured only through its environment, as in a deployment. */
async function startWorkerProcess(): Promise<ChildProcess> {
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
      // Slow enough to be killed halfway through a batch.
      SMTP_RATE_PER_SECOND: '4',
      ANSWER_LINK_SECRET: 'worker-killed-test-secret-0123456789',
    },
  });
  let output = '';
  worker.stdout?.on('data', (chunk) => (output += String(chunk)));
  worker.stderr?.on('data', (chunk) => (output += String(chunk)));
  await until('the worker process to poll', () => (output.includes('"msg":"polling"') ? true : worker.exitCode !== null ? Promise.reject(new Error(output)) : undefined), 90_000);
  return worker;
}

it('a worker process killed mid-batch: the next worker completes the notices, nobody gets two different ones', async () => {
  child = await startWorkerProcess();
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
  child.kill('SIGKILL');
  await new Promise((resolve) => child!.once('exit', resolve));
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
