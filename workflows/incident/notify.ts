// Telling people: notices to every affected customer (with one digest per account manager), and escalations
// to the planners.
import { patched, workflowInfo } from '@temporalio/workflow';
import { forEachAtOnce } from '../../src/concurrency/at-once';
import { MAIL_TASK_EMAILS, mailTaskQueue } from '../../src/notifications/fleet-mail-rate';
import type { NoticeKind, NoticeSource } from '../../src/notifications/model';
import { nowIso } from './clock';
import { acts, batchActs, longActs } from './proxies';
import type { IncidentRun } from './run';

/** Customers per notice batch activity in incidents started before the mail task queue (see below). */
export const NOTICE_BATCH_CUSTOMERS = 100;

/**
 * Incidents that reach this point with today's code send every email from the mail task queue, whose
 * server-side rate limit holds the whole fleet to SMTP_RATE_PER_SECOND (src/notifications/fleet-mail-rate.ts),
 * in tasks of at most MAIL_TASK_EMAILS. Recorded histories before the patch keep their batches and queue.
 */
const FLEET_MAIL_RATE = 'fleet-mail-rate';

/**
 * Incidents that notify with today's code have several mail tasks out at once, so the mail server's pace sets
 * the stage's, not one batch's round trips: the server still hands the tasks out at the fleet's rate, and each
 * worker's transport still keeps to its pool and per-process rate (src/notifications/mailer.ts), so neither
 * limit is ever passed. The number of activities (and so of history events) is the same as one after another.
 */
const PARALLEL_NOTICES = 'parallel-notices';
/** Mail tasks an incident has out at once: enough to keep a pool of connections busy while batches read the CRM. */
export const MAIL_TASKS_IN_FLIGHT = 8;

/** Runs the batches one after another, or MAIL_TASKS_IN_FLIGHT at once in incidents past the patch. */
async function eachBatch(batches: number, send: (batch: number) => Promise<void>): Promise<void> {
  const all = Array.from({ length: batches }, (_, i) => i);
  await forEachAtOnce(all, patched(PARALLEL_NOTICES) ? MAIL_TASKS_IN_FLIGHT : 1, send);
}

function mailOptions(summary: string) {
  return { taskQueue: mailTaskQueue(workflowInfo().taskQueue), summary };
}

export async function notify(run: IncidentRun, kind: NoticeKind, revision: number, source: NoticeSource): Promise<void> {
  const { s } = run;
  const what = `${kind} emails`;
  const prepared = await longActs.prepareNotices.executeWithOptions({ summary: `${what}: who is told what` }, [
    {
      incidentId: s.incidentId,
      workflowId: workflowInfo().workflowId,
      sku: s.sku,
      kind,
      revision,
      source,
      substitutes: s.substitutes,
      expectedDate: s.impact?.nextInboundEta ?? null,
      policy: run.policy,
    },
  ]);
  const fleetRate = patched(FLEET_MAIL_RATE);
  const batchSize = fleetRate ? MAIL_TASK_EMAILS : NOTICE_BATCH_CUSTOMERS;
  const batches = Math.ceil(prepared.customers / batchSize);
  const delivery = { kind, revision, sent: 0, skipped: 0, rejected: 0, digests: 0 };
  const send = async (batch: number) => {
    const input = { incidentId: s.incidentId, noticesRef: prepared.noticesRef, batch, batchSize };
    const sent = run.counted(
      fleetRate
        ? await batchActs.deliverNoticeBatch.executeWithOptions(mailOptions(`${what}, batch ${batch + 1} of ${batches}`), [input])
        : await batchActs.deliverNoticeBatch(input),
    );
    delivery.sent += sent.sent;
    delivery.skipped += sent.skipped;
    delivery.rejected += sent.rejected;
  };
  if (fleetRate) await eachBatch(batches, send);
  else for (let batch = 0; batch < batches; batch++) await send(batch);
  if (prepared.customers > 0) delivery.digests = await deliverDigests(prepared.noticesRef, prepared.accountManagers, fleetRate, what, run);
  s.deliveries.push(delivery);
  if (delivery.sent > 0 && !s.firstNoticeAt) {
    s.firstNoticeAt = nowIso();
    run.firstNoticeSent();
  }
  run.note(`${kind} sent`, `${delivery.sent} customers, ${delivery.digests} account-manager digests, ${delivery.rejected} rejected`);
}

async function deliverDigests(noticesRef: string, managers: number, fleetRate: boolean, what: string, run: IncidentRun): Promise<number> {
  const incidentId = run.s.incidentId;
  if (!fleetRate) return batchActs.deliverDigests({ incidentId, noticesRef });
  const batches = Math.ceil(managers / MAIL_TASK_EMAILS);
  let delivered = 0;
  await eachBatch(batches, async (batch) => {
    delivered += await batchActs.deliverDigests.executeWithOptions(mailOptions(`${what}: account-manager digests, batch ${batch + 1} of ${batches}`), [
      { incidentId, noticesRef, batch, batchSize: MAIL_TASK_EMAILS },
    ]);
  });
  return delivered;
}

export async function escalate(run: IncidentRun, reason: string, revision: number): Promise<void> {
  const { s } = run;
  const input = {
    incidentId: s.incidentId,
    workflowId: workflowInfo().workflowId,
    sku: s.sku,
    network: s.network,
    stage: s.stage,
    severity: s.severity,
    reason,
    revision,
    ...(s.backorders ? { openBackorderUnits: s.backorders.openUnits } : {}),
    ...(s.impact ? { affectedCustomers: s.impact.affectedCustomers } : {}),
  };
  if (patched(FLEET_MAIL_RATE)) await acts.escalate.executeWithOptions(mailOptions(`escalation to the planners: ${reason}`), [input]);
  else await acts.escalate(input);
}
