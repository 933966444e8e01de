// Approval: the plan waits for a person when the policy asks, until the deadline; then it is approved by the
// policy or escalated. A planner may preview overrides (handlers.ts) and approve a preview they saw, approve
// with overrides unseen when they say so (the plan is revised), or reject it (it waits on).
import { ActivityFailure, ApplicationFailure, condition, patched } from '@temporalio/workflow';
import type { PlanOverride } from '../../src/incident/commands';
import { planKey, planLine, planRequest, previewOf, reserveRevision } from '../../src/incident/planning';
import { approvalTimerSummary } from '../../src/incident/ui-metadata';
import { severityAtLeast, type PlanSummary } from '../../src/incident/state';
import { messageRevision } from '../../src/notifications/message-revisions';
import { hours, todayIso } from './clock';
import { escalate } from './notify';
import { longActs } from './proxies';
import type { IncidentRun } from './run';

export async function approvePlan(run: IncidentRun): Promise<void> {
  const { s, policy } = run;
  // A plan that cannot serve a `win` line in full is an exception for a person, whatever the severity.
  const exceptions = s.plan!.exceptions.length > 0 && patched('win-exceptions-need-a-person');
  const required = severityAtLeast(s.severity, policy.approval.severityThreshold) || exceptions;
  if (!required) {
    s.approval = { ...s.approval, required, status: 'not-required' };
    return;
  }
  const deadlineMs = Date.now() + hours(policy.approval.deadlineHours);
  s.approval = { required, status: 'pending', deadline: new Date(deadlineMs).toISOString(), decidedBy: null, comment: null };
  run.enterStage('awaiting-approval');
  run.note(
    'approval requested',
    `deadline ${s.approval.deadline}${exceptions ? `; ${s.plan!.exceptionCount ?? s.plan!.exceptions.length} lines that must be served in full cannot be` : ''}`,
  );
  for (;;) {
    const waitMs = s.approval.status === 'escalated' ? undefined : Math.max(0, deadlineMs - Date.now());
    const decided = await (waitMs === undefined
      ? condition(() => run.decision !== null || s.cancelRequested !== null).then(() => true)
      : condition(() => run.decision !== null || s.cancelRequested !== null, waitMs, { summary: approvalTimerSummary(waitMs) }));
    run.throwIfCancelled();
    if (!decided) {
      // The policy approves a plan nobody looked at; one a person rejected, or one with exceptions, waits for a person.
      if (policy.approval.timeoutAction === 'auto-approve' && s.approval.status === 'pending' && !exceptions) {
        s.approval = { ...s.approval, status: 'auto-approved', decidedBy: 'policy', comment: 'approval deadline passed' };
        run.note('plan auto-approved', 'approval deadline passed');
        return;
      }
      s.approval = { ...s.approval, status: 'escalated' };
      run.note('approval escalated', 'deadline passed; waiting for a decision');
      await run.stage('awaiting-approval', () => escalate(run, 'plan approval deadline passed', messageRevision('approval-deadline', 'escalation')));
      continue;
    }
    const d = run.decision!;
    if (d.decision === 'reject') {
      s.approval = { ...s.approval, status: 'rejected', decidedBy: d.decidedBy, comment: d.comment };
      run.note('plan rejected', `${d.decidedBy}: ${d.comment}`);
      run.decision = null;
      continue;
    }
    if (d.overrides.length > 0) {
      const revised = await planWithOverrides(run, d.overrides);
      if (!revised) {
        run.enterStage('awaiting-approval');
        run.decision = null;
        continue;
      }
      s.plan = revised;
      run.note('plan revised with overrides', planLine(s.plan));
    } else if (d.planRevision !== s.plan!.revision) {
      // A preview the planner saw (the validator let only those through): the revision approved is the one seen.
      const preview = previewOf(s, d.planRevision);
      if (!preview) {
        run.decisionRefused = `decision.planRevision: preview ${d.planRevision} is no longer kept; preview the overrides again`;
        run.decision = null;
        continue;
      }
      s.plan = preview.plan;
      run.note('previewed plan chosen', `${planLine(s.plan)}; previewed by ${preview.previewedBy}`);
    }
    // Previews of a decided plan can no longer be approved.
    if (s.previews) s.previews = [];
    s.approval = { ...s.approval, status: 'approved', decidedBy: d.decidedBy, comment: d.comment ?? null };
    run.note('plan approved', d.decidedBy);
    run.decision = null;
    return;
  }
}

/** The plan again with a planner's overrides; null when the overrides do not fit the incident (the update says why). */
async function planWithOverrides(run: IncidentRun, overrides: PlanOverride[]): Promise<PlanSummary | null> {
  // Without previews this is the plan's revision + 1, as it always was.
  const revision = reserveRevision(run.s);
  return run.stage('planning', async () => {
    try {
      return await longActs.planAllocation({ ...planRequest(run.s, run.policy, overrides, todayIso()), revision, planKey: planKey(revision) });
    } catch (error) {
      const refused = refusalOf(error, ['InvalidOverride']);
      if (refused === null) throw error;
      run.decisionRefused = refused;
      run.note('overrides refused', refused);
      return null;
    }
  });
}

/** The message of a planning activity that refused its overrides with one of these failure types; null for any other failure. */
export function refusalOf(error: unknown, types: string[]): string | null {
  if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure)) return null;
  return types.includes(error.cause.type ?? '') ? error.cause.message : null;
}
