// The scale scenario: one incident with ~20,000 affected demand lines from ~3,000 customers, end to end on
// the Temporal dev server against the reference service and the SMTP sink. Reports wall time per stage,
// history events and the largest payload, the figures Temporal's limits are about. Each stage's share of the
// whole shows the slowest at a glance; the first notices are set against the same number of messages sent
// straight through the same transport to the same sink (the mail server's pace), and the commit against 3 s.
import { Worker } from '@temporalio/worker';
import { createActivities } from '../../activities';
import { parsePolicy } from '../../src/allocation/policy';
import { incidentWorkflowId } from '../../src/incident/state';
import { recordRestockUpdate, stateQuery } from '../../workflows/definitions';
import { stockoutIncident } from '../../workflows/incident';
import { HEARTBEAT_THROTTLE, mailActivities, mailWorkerOptions, WORKFLOWS_PATH, WorkerPair } from '../../workers/incident-worker';
import { forEachAtOnce } from '../../src/concurrency/at-once';
import { buildCustomerMessage, type MailSender, type OutboundEmail } from '../../src/notifications/mailer';
import { customerNotice, FROM } from '../notifications/fixtures';
import { largeShortage, startBenchDevServer, startBenchSystems, waitForStage } from '../harness/bench-systems';

export async function benchIncident(options: { demandLines?: number; customers?: number } = {}): Promise<Record<string, number | string>> {
  const demandLines = options.demandLines ?? 42_000;
  const customers = options.customers ?? 3_500;
  const sku = 'SKU-LARGE-1';
  const dataset = largeShortage(sku, { demandLines, customers });
  const env = await startBenchDevServer();
  const poolSize = 4;
  const systems = await startBenchSystems(dataset, { clients: { timeoutMs: 60_000 }, mail: { rateLimitPerSecond: 5000, poolSize } });
  const taskQueue = 'bench-incident';
  const activities = createActivities(systems.deps);
  // The mail queue's worker at the transport's own rate: the bench measures the incident, not a provider's limit.
  const worker = new WorkerPair(
    await Worker.create({ connection: env.nativeConnection, ...HEARTBEAT_THROTTLE, taskQueue, workflowsPath: WORKFLOWS_PATH, activities }),
    await Worker.create({ connection: env.nativeConnection, ...HEARTBEAT_THROTTLE, ...mailWorkerOptions(taskQueue, 5000), activities: mailActivities(activities) }),
  );
  try {
    return await worker.runUntil(async () => {
      const started = Date.now();
      const trigger = { triggerId: 'bench', sku, network: 'BENCH', source: 'manual' as const, reason: 'scale bench' };
      const handle = await env.client.workflow.start(stockoutIncident, {
        taskQueue,
        workflowId: incidentWorkflowId('BENCH', sku),
        args: [{ trigger, policy: parsePolicy({ approval: { severityThreshold: 'critical' } }) }],
      });
      const state = await waitForStage(handle, 'following-up');
      const toFollowUp = Date.now() - started;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-BENCH', quantity: state.backorders!.openUnits }] });
      await handle.result();
      const total = Date.now() - started;
      const history = await handle.fetchHistory();
      const events = history.events ?? [];
      let largestPayload = 0;
      for (const event of events) largestPayload = Math.max(largestPayload, payloadBytes(event));
      const closed = await handle.query(stateQuery);
      const stages = stageSeconds(closed.timeline);
      const first = closed.deliveries.find((d) => d.kind === 'first-notice')!;
      const firstNoticeEmails = first.sent + first.skipped + first.digests;
      // Read before the direct send adds its own messages to the sink.
      const emailsSent = systems.emailsSent();
      const direct = await directSendSeconds(systems.deps.mail.transport, firstNoticeEmails, poolSize);
      const noticeStage = stages.get('first-notice sent') ?? NaN;
      // The bar: a bench that breaks it says so and fails the run.
      const limits = [
        ['at least 20,000 affected demand lines', closed.impact!.affectedLines >= 20_000],
        ['at least 3,000 affected customers', closed.impact!.affectedCustomers >= 3_000],
        ['history below 10,000 events', events.length < 10_000],
        ['no payload above 512 KB', largestPayload < 512 * 1024],
      ] as const;
      const broken = limits.filter(([, ok]) => !ok).map(([what]) => what);
      if (broken.length > 0) process.exitCode = 1;
      return {
        'affected demand lines': closed.impact!.affectedLines,
        'affected customers': closed.impact!.affectedCustomers,
        'emails sent': emailsSent,
        'assessment → notified (s)': round(toFollowUp / 1000),
        'whole incident incl. restock and closing (s)': round(total / 1000),
        ...stageFigures(stages, total / 1000),
        'first-notice emails (notices and digests)': firstNoticeEmails,
        'direct send of as many, same transport and sink (s)': round(direct),
        'notice stage ÷ direct send (goal ≤ 1.3)': round(noticeStage / direct),
        'commit stage (s, goal < 3)': stages.get('plan committed') ?? NaN,
        'history events': events.length,
        'largest payload (KB)': round(largestPayload / 1024),
        'limits (20k lines, 3k customers, <10k events, <512 KB)': broken.length === 0 ? 'all met' : `BROKEN: ${broken.join('; ')}`,
      };
    });
  } finally {
    await systems.close();
    await env.teardown();
  }
}

/** Bytes of every payload an event carries (inputs, results, update arguments, query-free). */
export function payloadBytes(event: object): number {
  let largest = 0;
  const visit = (value: unknown) => {
    if (!value || typeof value !== 'object') return;
    if ('data' in value && (value as { data: unknown }).data instanceof Uint8Array) {
      largest = Math.max(largest, (value as { data: Uint8Array }).data.byteLength);
      return;
    }
    for (const child of Object.values(value)) visit(child);
  };
  visit(event);
  return largest;
}

/** Seconds from each timeline entry to the one before it, by the later entry's event. */
function stageSeconds(timeline: { at: string; event: string }[]): Map<string, number> {
  const out = new Map<string, number>();
  for (let i = 1; i < timeline.length; i++) {
    const entry = timeline[i]!;
    out.set(entry.event, round((Date.parse(entry.at) - Date.parse(timeline[i - 1]!.at)) / 1000));
  }
  return out;
}

/** Each stage's seconds and share of the whole incident, so the slowest stands out. */
function stageFigures(stages: Map<string, number>, totalSeconds: number): Record<string, string> {
  return Object.fromEntries([...stages].map(([event, seconds]) => [`  → ${event} (s, share)`, `${seconds}  ${Math.round((seconds / totalSeconds) * 100)} %`]));
}

/** The mail server's pace: `count` messages straight through the transport, as many at once as it has connections. */
async function directSendSeconds(transport: MailSender, count: number, poolSize: number): Promise<number> {
  const messages = Array.from({ length: count }, (_, i) => buildCustomerMessage(customerNotice({ customerId: `C-DIRECT-${i}` }), FROM) as OutboundEmail);
  const started = performance.now();
  await forEachAtOnce(messages, poolSize, async ({ meta: _meta, ...mail }) => {
    await transport.sendMail(mail);
  });
  return (performance.now() - started) / 1000;
}

const round = (n: number) => Math.round(n * 100) / 100;
