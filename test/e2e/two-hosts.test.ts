// Several hosts, simulated: two worker processes (`npm run worker`) and the API process (`npm run api`), each
// with its own empty data folder, share only the Temporal server and the PostgreSQL store (and reach the same
// inventory/CRM service and SMTP server, as hosts of one deployment do). An incident runs from the inventory
// system's webhook to its report; the worker sending the first notices is SIGKILLed halfway through them and
// the other finishes. Whichever worker wrote the notices document, one of the two read it from the other's
// writes, and the API and the CLI read the report a worker wrote: none of it works without the shared store.
import { execFile, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter, fromPayloadsAtIndex } from '@temporalio/common';
import proto from '@temporalio/proto';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, expect, inject, it, onTestFailed } from 'vitest';
import { deliveredKey } from '../../activities/notifications';
import { DEMO_SKU } from '../../src/embedded/demo';
import { operatorApi } from '../../src/embedded/operator';
import { startSmtpSink, type SmtpSink, type StoredMessage } from '../../src/embedded/smtp-sink';
import { createCrmClient } from '../../src/crm/http-client';
import { generateDataset, PRESETS } from '../../src/dataset/generate';
import { openPostgresStore } from '../../src/incident-store/postgres-store';
import type { IncidentStore } from '../../src/incident-store/store';
import type { IncidentState } from '../../src/incident/state';
import { isOver } from '../../src/incident/vocabulary';
import type { IncidentReport } from '../../src/report/incident-report';
import { startReferenceService, type ReferenceService } from '../../src/reference-service/service';
import { freshDatabase } from '../harness/postgres';
import { freePorts, spawnWatched, until, type WatchedProcess } from '../harness/process';
import { connectDevServer, uniqueTaskQueue } from '../harness/temporal';

const { PendingActivityState } = proto.temporal.api.enums.v1;
const root = new URL('../../', import.meta.url).pathname;
const work = mkdtempSync(join(tmpdir(), 'two-hosts-'));
const TOKEN = 'two-hosts-operator-token';
const network = `H2-${Date.now().toString(36)}`;
const taskQueue = uniqueTaskQueue('two-hosts');
const running = new Set<ChildProcess>();
let env: TestWorkflowEnvironment;
let service: ReferenceService;
let sink: SmtpSink;
let databaseUrl: string;
let store: IncidentStore;
let apiUrl: string;
let handle: WorkflowHandle | undefined;

/** A host of its own: an empty data folder, and only the shared services in its environment. */
function hostEnv(host: string, vars: Record<string, string> = {}): Record<string, string> {
  const dataDir = join(work, host);
  mkdirSync(dataDir, { recursive: true });
  const own = (key: string) => /^(TEMPORAL_|STOCKOUT_|API_|SMTP_|ANSWER_LINK_|INVENTORY_|CRM_)/.test(key) && !['TEMPORAL_CLI_PATH', 'TEMPORAL_TEST_SERVER_PATH'].includes(key);
  const inherited = Object.fromEntries(Object.entries(process.env).filter((entry): entry is [string, string] => entry[1] !== undefined && !own(entry[0])));
  return {
    ...inherited,
    TEMPORAL_ADDRESS: inject('devServerAddress'),
    TEMPORAL_NAMESPACE: 'default',
    STOCKOUT_DATABASE_URL: databaseUrl,
    STOCKOUT_DATA_DIR: dataDir,
    STOCKOUT_TASK_QUEUE: taskQueue,
    STOCKOUT_SCAN_NETWORKS: '',
    INVENTORY_URL: service.inventoryUrl,
    CRM_URL: service.crmUrl,
    SMTP_HOST: sink.host,
    SMTP_PORT: String(sink.port),
    ANSWER_LINK_SECRET: 'two-hosts-answer-link-secret-0123456789',
    API_TOKEN: TOKEN,
    ...vars,
  };
}

function start(args: string[], hostVars: Record<string, string>): WatchedProcess {
  const started = spawnWatched(process.execPath, ['--import', 'tsx', ...args], { cwd: root, env: hostVars });
  running.add(started.child);
  void started.exited.then(() => running.delete(started.child));
  return started;
}

/** The API as an operator calls it, the way the demo does. */
async function api<T>(method: string, path: string, body?: unknown): Promise<T> {
  return (await operatorApi(apiUrl, TOKEN)(method, path, body)) as T;
}

/** The `stockout` CLI on a host of its own, as an operator runs it; its --json output. */
async function cli<T>(...args: string[]): Promise<T> {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args, '--json'], { cwd: root, env: hostEnv('cli') });
  return JSON.parse(stdout) as T;
}

const noticeKind = (m: StoredMessage) => m.headers.find((h) => h.name.toLowerCase() === 'x-stockout-notice')?.value.split(';')[0]!.trim();
const firstNotices = () => sink.messages().filter((m) => noticeKind(m) === 'first-notice');

beforeAll(async () => {
  env = await connectDevServer();
  databaseUrl = await freshDatabase();
  service = await startReferenceService({ dataset: generateDataset({ ...PRESETS.demo, network }) });
  sink = await startSmtpSink();
});
afterAll(async () => {
  await handle?.terminate('test over').catch(() => {});
  for (const child of running) child.kill('SIGKILL');
  await store?.close();
  await sink?.close();
  await service?.close();
  await env?.teardown();
  rmSync(work, { recursive: true, force: true });
});

it('two workers and the API on hosts of their own share the store: a worker killed mid-notices, the other finishes, the API and CLI read the report', async () => {
  // Slow mail, so the notices take long enough to be killed halfway through.
  const workers = ['worker-a', 'worker-b'].map((host) => start(['workers/main.ts'], hostEnv(host, { SMTP_RATE_PER_SECOND: '4' })));
  const [apiPort] = await freePorts(1);
  apiUrl = `http://127.0.0.1:${apiPort}`;
  const apiProcess = start(['src/api/main.ts'], hostEnv('api', { API_PORT: String(apiPort), PUBLIC_BASE_URL: apiUrl }));
  onTestFailed(() => {
    for (const [name, p] of [['worker a', workers[0]!], ['worker b', workers[1]!], ['api', apiProcess]] as const) console.log(`--- ${name}:\n${p.output()}`);
  });
  await Promise.all([...workers.map((w) => w.waitFor(/"msg":"polling"/, 120_000)), apiProcess.waitFor(/\[api\] listening/, 120_000)]);

  const { workflowId } = await api<{ workflowId: string }>('POST', '/webhooks/inventory/critical-level', {
    sku: DEMO_SKU,
    network,
    onHand: 40,
    criticalLevel: 120,
    eventId: 'two-hosts-1',
  });
  handle = env.client.workflow.getHandle(workflowId);
  const show = async () => {
    const s = await api<IncidentState>('GET', `/incidents/${encodeURIComponent(workflowId)}`);
    if (s.stage === 'needs-attention') throw new Error(`the incident needs attention: ${s.attention?.reason}`);
    return s;
  };
  const planned = await until('a plan', async () => {
    const s = await show();
    return ['awaiting-approval', 'committing', 'notifying', 'following-up'].includes(s.stage) ? s : undefined;
  }, 120_000);
  if (planned.stage === 'awaiting-approval') {
    await api('POST', `/incidents/${encodeURIComponent(workflowId)}/decision`, { decision: 'approve', planRevision: planned.plan!.revision, decidedBy: 'planner' });
  }

  // Kill a worker (its identity is pid@host) while it runs a notice batch of which the CRM has already logged a
  // sent notice, so the survivor's rerun of that batch has something to skip. A batch's heartbeats name the
  // messages it finished.
  const crm = createCrmClient({ baseUrl: service.crmUrl, timeoutMs: 5_000 });
  const holder = await until('a worker midway through a notice batch', async () => {
    const pending = (await handle!.describe()).raw.pendingActivities ?? [];
    for (const activity of pending) {
      const worker = workers.find((w) => activity.lastWorkerIdentity?.startsWith(`${w.child.pid}@`));
      if (activity.activityType?.name !== 'deliverNoticeBatch' || activity.state !== PendingActivityState.PENDING_ACTIVITY_STATE_STARTED || !worker) continue;
      const finished = fromPayloadsAtIndex<Record<string, unknown> | undefined>(defaultPayloadConverter, 0, activity.heartbeatDetails?.payloads) ?? {};
      if (Object.keys(finished).length === 0) continue;
      const { communications } = await crm.listCommunications({ incidentId: planned.incidentId, limit: 1000 });
      if (communications.some((c) => c.outcome === 'sent' && finished[deliveredKey(c.messageId)] === 'sent')) return worker;
    }
    return undefined;
  }, 120_000);
  holder.child.kill('SIGKILL');
  await holder.exited;
  const beforeKill = new Set(firstNotices().map((m) => m.messageId)).size;
  const survivor = workers.find((w) => w !== holder)!;

  // The survivor retries the batch once the dead worker misses its heartbeat (10 s on a batch: workflows/incident/proxies.ts).
  const notified = await until('the first notices to be finished', async () => {
    const s = await show();
    return s.deliveries.some((d) => d.kind === 'first-notice') ? s : undefined;
  }, 180_000);
  expect(survivor.child.exitCode, survivor.output()).toBeNull();
  const delivery = notified.deliveries.find((d) => d.kind === 'first-notice')!;
  const distinct = new Set(firstNotices().map((m) => m.messageId));
  expect(beforeKill, 'killed halfway, not before or after the batch').toBeLessThan(distinct.size);
  expect(delivery.skipped, 'the survivor skipped what the killed worker had sent and logged').toBeGreaterThan(0);
  // Every customer's first notice went out once, from one worker or the other, and the CRM logged each message once.
  const logged = (await crm.listCommunications({ incidentId: notified.incidentId, limit: 1000 })).communications.filter((c) => distinct.has(c.messageId));
  expect(logged).toHaveLength(distinct.size);
  expect(logged.filter((c) => c.customerId !== null)).toHaveLength(delivery.sent + delivery.skipped);

  // The restock arrives; the incident closes with its report.
  const open = (await show()).backorders?.openUnits ?? 0;
  if (open > 0) await api('POST', `/incidents/${encodeURIComponent(workflowId)}/restocks`, { receiptId: 'two-hosts-receipt', quantity: open });
  const closed = await until('the incident to close', async () => {
    const s = await show();
    return isOver(s.stage) ? s : undefined;
  }, 120_000);
  expect(closed.stage).toBe('closed');

  // Nobody got two different notices of a kind. A copy sent twice — accepted by the SMTP server, not yet logged
  // when the worker died — carries the same Message-ID, which mail clients collapse; only the killed batch has one.
  const messages = sink.messages();
  const byRecipientAndKind = new Map<string, Set<string>>();
  for (const m of messages) for (const to of m.envelope.to) byRecipientAndKind.set(`${to} ${noticeKind(m)}`, (byRecipientAndKind.get(`${to} ${noticeKind(m)}`) ?? new Set()).add(m.messageId));
  expect([...byRecipientAndKind].filter(([, ids]) => ids.size > 1)).toEqual([]);
  const copies = messages.filter((m, i) => messages.findIndex((other) => other.messageId === m.messageId) !== i);
  expect(copies.filter((m) => noticeKind(m) !== 'first-notice')).toEqual([]);

  // The API and the CLI, on hosts without the workers' files, read the plan and the report the workers stored.
  store = await openPostgresStore(databaseUrl);
  const plan = await store.get<{ lines: unknown[] }>(closed.incidentId, closed.plan!.planRef);
  expect(plan?.lines.length).toBeGreaterThan(0);
  const viaApi = await api<{ summary: { reportRef: string }; report: IncidentReport | null }>('GET', `/incidents/${encodeURIComponent(workflowId)}/report`);
  const stored = await store.get<IncidentReport>(closed.incidentId, viaApi.summary.reportRef);
  expect(stored).not.toBeNull();
  expect(viaApi.report).toEqual(stored);
  const viaCli = await cli<{ report: IncidentReport | null }>('report', workflowId);
  expect(viaCli.report).toEqual(stored);
  const shownByCli = await cli<IncidentState>('show', workflowId);
  expect(shownByCli.plan).toEqual(closed.plan);
  expect(shownByCli.stage).toBe('closed');
  // No host kept a store of its own.
  for (const host of readdirSync(work)) expect(existsSync(join(work, host, 'incidents.sqlite')), host).toBe(false);
}, 600_000);
