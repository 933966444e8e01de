// How an incident ends: a cancellation undone in the systems and told to the customers, then the closing
// notice and the report.
import { allHandlersFinished, condition } from '@temporalio/workflow';
import { describeEvent } from '../../src/incident/follow-ups';
import type { ReportSummary } from '../../src/incident/state';
import { messageRevision } from '../../src/notifications/message-revisions';
import { outcomeLine } from '../../src/report/outcome-line';
import { refreshBackorders } from './commit';
import { notify } from './notify';
import { acts, longActs } from './proxies';
import type { IncidentRun } from './run';

export async function compensate(run: IncidentRun): Promise<void> {
  const { s, pending } = run;
  // Follow-ups accepted but not applied before the cancellation are said to be dropped, not silently lost.
  if (pending.length > 0) run.note('follow-ups not applied', pending.map(describeEvent).join('; '));
  const undone = await longActs.compensateCancellation({
    incidentId: s.incidentId,
    transfers: s.pooling?.transfers ?? [],
    ...(s.plan ? { planRef: s.plan.planRef } : {}),
  });
  if (s.pooling) s.pooling.transfers = undone.transfers;
  run.note(
    'cancelled',
    `${s.cancelRequested!.cancelledBy}: ${s.cancelRequested!.reason}; ${undone.transfersCancelled} transfers cancelled, ` +
      `${undone.reservationsReleased} reservations released, ${undone.backordersCancelled} backorders withdrawn, ` +
      `${undone.confirmationsRestored} earlier confirmations restored` +
      (undone.confirmationUnitsShort > 0 ? ` (${undone.confirmationUnitsShort} units could not be, the stock has gone)` : ''),
  );
  await refreshBackorders(run);
  if (s.firstNoticeAt) await notify(run, 'incident-cancelled', messageRevision('closing', 'incident-cancelled'), { customersNotified: true });
}

export async function closeIncident(run: IncidentRun, outcome: ReportSummary['outcome']): Promise<ReportSummary> {
  const { s } = run;
  if (outcome === 'closed') await run.stage('closing', () => notify(run, 'incident-closed', messageRevision('closing', 'incident-closed'), { customersNotified: true }));
  s.report = await run.stage('closing', () => acts.buildReport({ incidentId: s.incidentId, outcome, state: s }));
  run.enterStage(outcome);
  run.note(`incident ${outcome}`, outcomeLine(s.report, s.impact));
  await condition(allHandlersFinished);
  return s.report;
}
