// Telling people: notices to every affected customer (with one digest per account manager), and escalations
// to the planners.
import { workflowInfo } from '@temporalio/workflow';
import type { NoticeKind, NoticeSource } from '../../src/notifications/model';
import { nowIso } from './clock';
import { acts, longActs } from './proxies';
import type { IncidentRun } from './run';

/** Customers per notice batch activity: keeps each payload and each activity's work bounded. */
export const NOTICE_BATCH_CUSTOMERS = 100;

export async function notify(run: IncidentRun, kind: NoticeKind, revision: number, source: NoticeSource): Promise<void> {
  const { s } = run;
  const prepared = await longActs.prepareNotices({
    incidentId: s.incidentId,
    workflowId: workflowInfo().workflowId,
    sku: s.sku,
    kind,
    revision,
    source,
    substitutes: s.substitutes,
    expectedDate: s.impact?.nextInboundEta ?? null,
    policy: run.policy,
  });
  const delivery = { kind, revision, sent: 0, skipped: 0, rejected: 0, digests: 0 };
  for (let batch = 0; batch * NOTICE_BATCH_CUSTOMERS < prepared.customers; batch++) {
    const sent = run.counted(
      await longActs.deliverNoticeBatch({
        incidentId: s.incidentId,
        noticesRef: prepared.noticesRef,
        batch,
        batchSize: NOTICE_BATCH_CUSTOMERS,
      }),
    );
    delivery.sent += sent.sent;
    delivery.skipped += sent.skipped;
    delivery.rejected += sent.rejected;
  }
  if (prepared.customers > 0) delivery.digests = await longActs.deliverDigests({ incidentId: s.incidentId, noticesRef: prepared.noticesRef });
  s.deliveries.push(delivery);
  if (delivery.sent > 0 && !s.firstNoticeAt) s.firstNoticeAt = nowIso();
  run.note(`${kind} sent`, `${delivery.sent} customers, ${delivery.digests} account-manager digests, ${delivery.rejected} rejected`);
}

export async function escalate(run: IncidentRun, reason: string, revision: number): Promise<void> {
  const { s } = run;
  await acts.escalate({
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
  });
}
