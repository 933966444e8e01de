// Two real worker processes (the standalone `npm run worker`) share one Temporal dev server, one incident store
// folder, the reference inventory/CRM service and one SMTP sink, as two hosts of a deployment would. Two
// incidents run from trigger to report. What an on-call engineer relies on is checked at the edges:
// - the Temporal server hands out mail tasks to both workers together at no more than the rate that holds the
//   fleet to SMTP_RATE_PER_SECOND (with its burst), although each process alone may send that fast; and the
//   sink receives no more than those tasks can send;
// - both workers' metrics endpoints, scraped while the incidents follow up, carry the product's metrics with
//   the values the incidents and the sink show, and the SDK's endpoint carries Temporal's own;
// - their JSON log lines name incidents, stages and activities, and no customer's name or email address.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, type WorkflowHandle } from '@temporalio/client';
import { tsToMs } from '@temporalio/common/lib/time';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { generateDataset, PRESETS, type Dataset } from '../../src/dataset/generate';
import { startSmtpSink, type SmtpSink, type StoredMessage } from '../../src/embedded/smtp-sink';
import type { IncidentState } from '../../src/incident/state';
import { INCIDENT_STORE_FILE, type IncidentStore } from '../../src/incident-store/store';
import { openSqliteStore } from '../../src/incident-store/sqlite-store';
import { MAIL_ACTIVITIES, MAIL_TASK_EMAILS, mailTaskQueue, mailTasksPerSecond } from '../../src/notifications/fleet-mail-rate';
import { createIncidentOperations, type IncidentOperations } from '../../src/operations/incident-operations';
import { startReferenceService, type ReferenceService } from '../../src/reference-service/service';
import { STAGE } from '../../src/temporal/search-attributes';
import { stateQuery } from '../../workflows/definitions';
import { freePorts, spawnWatched, type WatchedProcess } from '../harness/process';
import { connectDevServer, uniqueTaskQueue } from '../harness/temporal';
import { policyWith } from '../incident/world';

const root = new URL('../../', import.meta.url).pathname;
const LOG_DIR = join(root, 'test-artifacts', 'logs');
const RATE = 20;
const WINDOW_SECONDS = 10;
// How the server enforces maxTaskQueueActivitiesPerSecond: a token bucket on each partition of the task queue
// (four by default), each refilled at its share of the rate and holding one task at most (its burst). So in any
// interval of T seconds it hands out at most TASK_RATE × T + PARTITIONS tasks, whichever workers poll.
const PARTITIONS = 4;
const TASK_RATE = mailTasksPerSecond(RATE);
// Four incidents at once keep both workers sending, so unchecked they would reach twice the rate.
const SKUS = ['SKU-FLEET-1', 'SKU-FLEET-2', 'SKU-FLEET-3', 'SKU-FLEET-4'];

describe.skipIf(process.env.SKIP_TEMPORAL === '1')('two worker processes on one Temporal server', () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'fleet-'));
  const network = `F-${Date.now().toString(36)}`;
  const taskQueue = uniqueTaskQueue('fleet');
  let env: TestWorkflowEnvironment;
  let service: ReferenceService;
  let sink: SmtpSink;
  let store: IncidentStore;
  let dataset: Dataset;
  let operations: IncidentOperations;
  const workers: { process: WatchedProcess; metricsUrl: string; sdkMetricsUrl: string }[] = [];
  const handles: WorkflowHandle[] = [];

  beforeAll(async () => {
    env = await connectDevServer();
    dataset = generateDataset({ ...PRESETS.demo, network, customers: 400, demandLines: 2400, shortage: { skus: SKUS, coverPercent: 50, lineShare: 0.5 } });
    service = await startReferenceService({ dataset });
    sink = await startSmtpSink();
    const ports = await freePorts(4);
    for (const [index, name] of ['a', 'b'].entries()) {
      const [metricsPort, sdkPort] = [ports[2 * index]!, ports[2 * index + 1]!];
      const child = spawnWatched(process.execPath, ['--import', 'tsx', 'workers/main.ts'], {
        cwd: root,
        env: {
          ...process.env,
          TEMPORAL_ADDRESS: inject('devServerAddress'),
          TEMPORAL_NAMESPACE: 'default',
          STOCKOUT_TASK_QUEUE: taskQueue,
          STOCKOUT_DATA_DIR: dataDir,
          STOCKOUT_SCAN_NETWORKS: '',
          INVENTORY_URL: service.inventoryUrl,
          CRM_URL: service.crmUrl,
          SMTP_HOST: sink.host,
          SMTP_PORT: String(sink.port),
          // What the provider allows the whole deployment; each process alone may send this fast too.
          SMTP_RATE_PER_SECOND: String(RATE),
          ANSWER_LINK_SECRET: `fleet-test-secret-${name}-0123456789abcdef`,
          STOCKOUT_METRICS_PORT: String(metricsPort),
          STOCKOUT_SDK_METRICS_PORT: String(sdkPort),
          // Every line the worker can write, so the customer-data check reads the most.
          STOCKOUT_LOG_LEVEL: 'debug',
        },
      });
      workers.push({ process: child, metricsUrl: `http://127.0.0.1:${metricsPort}/metrics`, sdkMetricsUrl: `http://127.0.0.1:${sdkPort}/metrics` });
    }
    await Promise.all(workers.map((w) => w.process.waitFor(/"msg":"polling"/, 120_000)));
    store = openSqliteStore(join(dataDir, INCIDENT_STORE_FILE));
    operations = createIncidentOperations({
      client: new Client({ connection: env.connection, namespace: 'default' }),
      // No substitutes: four incidents at once would compete for the same substitute stock, which is not the subject here.
      policy: policyWith({ approval: { severityThreshold: 'critical' }, substitutes: { enabled: false } }),
      taskQueue,
      store,
    });
  }, 180_000);

  afterAll(async () => {
    // The workers' logs stay as test artefacts, for a look at what on-call would read.
    mkdirSync(LOG_DIR, { recursive: true });
    for (const [index, w] of workers.entries()) writeFileSync(join(LOG_DIR, `fleet-worker-${index + 1}.log`), w.process.output());
    for (const handle of handles) await handle.terminate('test over').catch(() => {});
    for (const w of workers) {
      w.process.child.kill('SIGTERM');
      await w.process.exited;
    }
    store?.close();
    await sink?.close();
    await service?.close();
    await env?.teardown();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const stageOf = async (handle: WorkflowHandle) => (await handle.describe()).typedSearchAttributes.get(STAGE);

  /** Polls the incident's stage; a plan a person must approve (lines that must be served in full) is approved. */
  async function reach(handle: WorkflowHandle, stage: string, timeoutMs: number): Promise<IncidentState> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const seen = await stageOf(handle);
      if (seen === stage) return handle.query(stateQuery);
      if (seen === 'awaiting-approval') {
        const state = await handle.query(stateQuery);
        if (state.approval.status === 'pending') {
          await operations.decide(handle.workflowId, { decision: 'approve', planRevision: state.plan!.revision, decidedBy: 'on-call', overrides: [] });
        }
      }
      if (seen === 'needs-attention') throw new Error(`${handle.workflowId} parked: ${(await handle.query(stateQuery)).attention?.reason}`);
      if (Date.now() > deadline) throw new Error(`${handle.workflowId} did not reach ${stage} (at ${seen})`);
      await new Promise((r) => setTimeout(r, 250));
    }
  }

  const scrape = async (url: string) => {
    const response = await fetch(url);
    expect(response.status).toBe(200);
    return response.text();
  };
  /** The sum of a metric's samples whose labels include all of `labels`. */
  function sample(text: string, name: string, labels: Record<string, string> = {}): number {
    let total = 0;
    let found = false;
    for (const line of text.split('\n')) {
      const match = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
      if (!match || match[1] !== name) continue;
      const own = Object.fromEntries([...(match[2] ?? '').matchAll(/(\w+)="([^"]*)"/g)].map((m) => [m[1], m[2]]));
      if (Object.entries(labels).every(([k, v]) => own[k] === v)) {
        total += Number(match[3]);
        found = true;
      }
    }
    if (!found) throw new Error(`no ${name} ${JSON.stringify(labels)} in the scrape`);
    return total;
  }

  /** The most of `times` (milliseconds, sorted) that fall within any `seconds`. */
  function busiest(times: number[], seconds: number): number {
    let most = 0;
    for (let start = 0, end = 0; start < times.length; start++) {
      while (end < times.length && times[end]! < times[start]! + seconds * 1000) end++;
      most = Math.max(most, end - start);
    }
    return most;
  }

  /**
   * When the server handed out each mail task, from the incidents' histories (the started event's time), and how
   * many earlier attempts of retried tasks it does not date (a history keeps only an activity's last attempt).
   */
  async function mailDispatches(): Promise<{ times: number[]; undated: number }> {
    const times: number[] = [];
    let undated = 0;
    for (const handle of handles) {
      const events = (await handle.fetchHistory()).events ?? [];
      const queues = new Map(events.flatMap((e) => (e.activityTaskScheduledEventAttributes ? [[Number(e.eventId), e.activityTaskScheduledEventAttributes.taskQueue?.name] as const] : [])));
      for (const event of events) {
        const started = event.activityTaskStartedEventAttributes;
        if (!started || queues.get(Number(started.scheduledEventId)) !== mailTaskQueue(taskQueue)) continue;
        times.push(tsToMs(event.eventTime));
        undated += (started.attempt ?? 1) - 1;
      }
    }
    return { times: times.sort((a, b) => a - b), undated };
  }

  /** The longest attempt of a mail activity either worker logged (the SDK's debug line at its end). */
  function longestMailAttemptMs(): number {
    let longest = 0;
    for (const w of workers) {
      for (const line of w.process.output().split('\n')) {
        if (!line.startsWith('{')) continue;
        const entry = JSON.parse(line) as { msg?: string; activityType?: string; durationMs?: number };
        if (/^Activity (completed|failed)$/.test(entry.msg ?? '') && (MAIL_ACTIVITIES as readonly string[]).includes(entry.activityType ?? '')) {
          longest = Math.max(longest, entry.durationMs ?? 0);
        }
      }
    }
    return longest;
  }

  const firstNotices = (): StoredMessage[] => sink.messages().filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith('first-notice')));

  it('sends at most SMTP_RATE_PER_SECOND from both workers together', async () => {
    for (const sku of SKUS) {
      const { workflowId } = await operations.trigger({ triggerId: `fleet-${sku}`, sku, network, source: 'manual', reason: 'fleet test' });
      handles.push(env.client.workflow.getHandle(workflowId));
    }
    const states = await Promise.all(handles.map((h) => reach(h, 'following-up', 240_000)));
    const notices = firstNotices();
    // A batch retried after a failed attempt skips what that attempt sent: together they are every notice, once;
    // the account managers' digests of the first notice carry its kind too.
    const told = states.reduce((n, s) => n + s.deliveries.filter((d) => d.kind === 'first-notice').reduce((m, d) => m + d.sent + d.skipped + d.digests, 0), 0);
    expect(new Set(notices.map((m) => m.messageId)).size).toBe(told);
    // Enough mail to fill several windows at twice the rate, which two workers unchecked would reach.
    expect(notices.length).toBeGreaterThan(2 * RATE * WINDOW_SECONDS);

    // What the server guarantees, on its own clock: mail tasks handed out in any window, both workers together.
    // A retried task's earlier attempts, which the history does not date, may have been in any window.
    const dispatches = await mailDispatches();
    const mostTasks = (seconds: number) => TASK_RATE * seconds + PARTITIONS + dispatches.undated;
    const tasksInWindow = busiest(dispatches.times, WINDOW_SECONDS);
    expect(tasksInWindow, `most mail tasks handed out in any ${WINDOW_SECONDS} s`).toBeLessThanOrEqual(mostTasks(WINDOW_SECONDS));
    // What that means at the sink: each task sends at most MAIL_TASK_EMAILS, but over the time it runs, so the
    // emails received in a window come from tasks handed out in it or up to one task's run before it (on a
    // loaded machine a batch's 20 emails take a few seconds, and a window holds more than rate × window).
    const longestMs = longestMailAttemptMs();
    expect(longestMs).toBeGreaterThan(0);
    const emailsInWindow = busiest(sink.messages().map((m) => m.receivedAt).sort((a, b) => a - b), WINDOW_SECONDS);
    const mostEmails = MAIL_TASK_EMAILS * mostTasks(WINDOW_SECONDS + longestMs / 1000);
    console.log(
      `[fleet] ${dispatches.times.length} mail tasks (+${dispatches.undated} earlier attempts), at most ${tasksInWindow} in any ${WINDOW_SECONDS} s (bound ${mostTasks(WINDOW_SECONDS)}); ` +
        `${sink.messages().length} emails, at most ${emailsInWindow} in any ${WINDOW_SECONDS} s (bound ${mostEmails.toFixed(0)}, longest mail attempt ${longestMs} ms)`,
    );
    expect(emailsInWindow, `most emails in any ${WINDOW_SECONDS} s`).toBeLessThanOrEqual(mostEmails);
    // Both processes sent mail: the limit held across the fleet, not inside one worker.
    for (const w of workers) expect(w.process.output()).toMatch(/"activityType":"deliverNoticeBatch"/);
  }, 300_000);

  it('serves the product and SDK metrics with the values the incidents show', async () => {
    const states = await Promise.all(handles.map((h) => h.query(stateQuery)));
    const scrapes = await Promise.all(workers.map((w) => scrape(w.metricsUrl)));
    for (const text of scrapes) {
      // Fleet gauges come from Temporal: the same for every process, and at least our two incidents.
      expect(sample(text, 'stockout_incidents', { stage: 'following-up' })).toBeGreaterThanOrEqual(SKUS.length);
      expect(sample(text, 'stockout_incidents_needing_attention')).toBeGreaterThanOrEqual(0);
      expect(sample(text, 'stockout_backorder_units_open')).toBeGreaterThanOrEqual(states.reduce((n, s) => n + s.backorders!.openUnits, 0));
    }
    // Process counters add up over the fleet to what the sink received.
    const sent = scrapes.reduce((n, text) => n + sample(text, 'stockout_emails_total', { kind: 'first-notice', outcome: 'sent' }), 0);
    expect(sent).toBe(firstNotices().length);
    const sdk = await Promise.all(workers.map((w) => scrape(w.sdkMetricsUrl)));
    expect(sdk.join('\n')).toMatch(/^temporal_activity_execution_latency/m);
    const firstNoticeTimes = sdk.reduce((n, text) => n + (/stockout_time_to_first_notice_count/.test(text) ? sample(text, text.match(/^(\w*stockout_time_to_first_notice_count)/m)![1]!) : 0), 0);
    expect(firstNoticeTimes).toBe(SKUS.length);
  });

  it('logs JSON lines with incident, stage and activity, and no customer names or emails', async () => {
    // The rest of the incidents: every backorder restocked, closing notices, reports.
    for (const handle of handles) {
      const state = await handle.query(stateQuery);
      await operations.restock(handle.workflowId, { receiptId: `GR-${state.sku}`, quantity: state.backorders!.openUnits });
    }
    for (const handle of handles) expect((await handle.result()).outcome).toBe('closed');

    const lines = workers.flatMap((w) => w.process.output().split('\n').filter((line) => line.trim().length > 0));
    const records = lines.map((line) => JSON.parse(line) as Record<string, unknown>);
    const incidentIds = new Set((await Promise.all(handles.map((h) => h.query(stateQuery)))).map((s) => s.incidentId));
    expect(records.some((r) => incidentIds.has(r.incidentId as string) && r.stage === 'notifying')).toBe(true);
    expect(records.some((r) => incidentIds.has(r.incidentId as string) && r.activity === 'deliverNoticeBatch')).toBe(true);

    const log = lines.join('\n').toLowerCase();
    const secrets = [
      ...dataset.customers.flatMap((c) => [c.name, ...c.contacts.flatMap((contact) => [contact.name, contact.email])]),
      ...dataset.accountManagers.flatMap((m) => [m.name, m.email]),
    ].filter((value): value is string => typeof value === 'string' && value.length > 3);
    expect(secrets.length).toBeGreaterThan(100);
    expect(secrets.filter((value) => log.includes(value.toLowerCase()))).toEqual([]);
  }, 240_000);
});
