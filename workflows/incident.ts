// The stockout incident, stage by stage as in the playbook (shared/DOMAIN.md): assess → pool → substitutes →
// plan → approve → commit → notify → follow up until every backorder is closed → report; a cancellation
// compensates instead. Deterministic: all I/O is in activities; big data stays in the incident store and only
// summaries and references travel through history. The stages' longer bodies live in ./incident/.
import { ApplicationFailure, allHandlersFinished, condition, continueAsNew, upsertSearchAttributes, workflowInfo } from '@temporalio/workflow';
import type { Policy } from '../src/allocation/policy';
import { TriggerSchema, type Trigger } from '../src/incident/commands';
import { describeIssues, issuesOf } from '../src/validation/issues';
import type { PendingEvent } from '../src/incident/follow-ups';
import { openIncident } from '../src/incident/lifecycle';
import { planKey, planLine, planRequest } from '../src/incident/planning';
import type { IncidentState, ReportSummary, TransferRecord } from '../src/incident/state';
import { messageRevision } from '../src/notifications/message-revisions';
import { coverLine } from '../src/report/outcome-line';
import { STAGE } from '../src/temporal/search-attributes';
import { approvePlan } from './incident/approval';
import { nowIso, todayIso } from './incident/clock';
import { closeIncident, compensate } from './incident/closing';
import { commitPlan, refreshBackorders } from './incident/commit';
import { followUp, type FollowUpTimers } from './incident/follow-up';
import { installHandlers } from './incident/handlers';
import { notify } from './incident/notify';
import { takeOrdersAtCommit } from './incident/orders';
import { acts, longActs } from './incident/proxies';
import { releaseRationPeriod, scheduleRationing } from './incident/rationing';
import { escalateWinsMissedAtCommit, holdSubstitutesAtCommit } from './incident/substitutes';
import { IncidentCancelled, IncidentRun } from './incident/run';

export { COMMIT_BATCH_CUSTOMERS } from './incident/commit';
export { NOTICE_BATCH_CUSTOMERS } from './incident/notify';

/** Continue-as-new well before Temporal's own limits, carrying the state over. */
const HISTORY_EVENTS_LIMIT = 5_000;

export interface IncidentInput {
  trigger: Trigger;
  policy: Policy;
  /** Continue-as-new once the history has this many events (default 5,000; tests use less). */
  historyEventsLimit?: number;
  /** Present after continue-as-new: the follow-up goes on where it was. */
  carried?: CarriedState;
}

interface CarriedState extends FollowUpTimers {
  state: IncidentState;
  policy: Policy;
  pending: PendingEvent[];
}

export async function stockoutIncident(input: IncidentInput): Promise<ReportSummary> {
  // Clients validate before starting; a bad start input that slips through fails the workflow, not its task.
  const started = TriggerSchema.safeParse(input.trigger);
  if (!started.success) throw ApplicationFailure.nonRetryable(describeIssues(issuesOf(started.error, 'trigger')), 'InvalidTrigger');
  const trigger = started.data;
  const run = new IncidentRun(
    input.carried?.state ?? openIncident(trigger, workflowInfo(), nowIso()),
    input.carried?.policy ?? input.policy,
    input.carried?.pending ?? [],
  );
  const { s, policy } = run;
  installHandlers(run);

  try {
    if (!input.carried) {
      upsertSearchAttributes([{ key: STAGE, value: s.stage }]);
      run.note('opened', `${trigger.source}: ${trigger.reason}`);

      // 1. Impact assessment: is there a shortage at all, and how bad?
      s.impact = await run.stage('assessing', () =>
        longActs.assessImpact({ incidentId: s.incidentId, sku: s.sku, network: s.network, asOf: todayIso(), policy }),
      );
      run.setSeverity(s.impact.severity);
      if (s.impact.shortage <= 0) {
        run.note('false alarm', coverLine(s.impact));
        return await closeIncident(run, 'false-alarm');
      }
      run.note('shortage confirmed', `${s.impact.shortage} units short for ${s.impact.affectedCustomers} customers, severity ${s.impact.severity}`);

      // 2. Pool what the spokes can spare into the hub.
      s.pooling = await run.stage('pooling', async () =>
        run.counted(await longActs.poolSpokeStock({ incidentId: s.incidentId, sku: s.sku, network: s.network, needed: s.impact!.shortage })),
      );
      run.note('spoke stock pooled', `${s.pooling.pooled} units in ${s.pooling.transfers.length} transfers; pool ${s.pooling.pool}`);

      // 3. Substitutes for what stays uncovered.
      s.substitutes = await run.stage('finding-substitutes', () =>
        acts.findSubstitutes({ incidentId: s.incidentId, sku: s.sku, network: s.network }),
      );

      // 4. The allocation plan, approved by a person when the policy asks.
      s.plan = await run.stage('planning', () => longActs.planAllocation({ ...planRequest(s, policy, [], todayIso()), revision: 0, planKey: planKey(0) }));
      run.note('plan proposed', planLine(s.plan));
      await approvePlan(run);

      // 5. Commit: transfers arrive at the hub, then reservations, backorders and credits, customer by customer.
      let winsMissedAtCommit = 0;
      await run.stage('committing', async () => {
        const arrived = await longActs.completeTransfers({ incidentId: s.incidentId, transfers: s.pooling!.transfers });
        // Histories recorded before retries were counted carry the bare list.
        s.pooling!.transfers = Array.isArray(arrived) ? (arrived as TransferRecord[]) : run.counted(arrived).transfers;
        await takeOrdersAtCommit(run);
        // Added up: a commit resumed after needs-attention finds the substitutes held and none newly short.
        winsMissedAtCommit += await holdSubstitutesAtCommit(run);
        await scheduleRationing(run);
        s.commit = await commitPlan(run, s.plan!);
        // A rationed plan's first period starts with the commit.
        if (s.rationing) await releaseRationPeriod(run);
      });
      run.note('plan committed', `${s.commit!.reservedUnits} units reserved, ${s.commit!.backorderedUnits} backordered`);
      await escalateWinsMissedAtCommit(run, winsMissedAtCommit);
      await run.stage('committing', () => refreshBackorders(run));

      // 6. Tell every affected customer, and each account manager once.
      await run.stage('notifying', () => notify(run, 'first-notice', messageRevision('plan', 'first-notice'), { planRef: s.plan!.planRef }));
    }

    // 7. Follow up until every backorder is shipped, substituted or cancelled; a long one continues as new.
    const timers = await followUp(run, input.carried, input.historyEventsLimit ?? HISTORY_EVENTS_LIMIT);
    if (timers) return await continueWithState(run, input, trigger, timers);
    return await closeIncident(run, 'closed');
  } catch (error) {
    // Cancelled: undo what was done and tell whoever was told.
    if (!(error instanceof IncidentCancelled)) throw error;
    await run.stage('closing', () => compensate(run));
    return await closeIncident(run, 'cancelled');
  }
}

async function continueWithState(run: IncidentRun, input: IncidentInput, trigger: Trigger, timers: FollowUpTimers): Promise<never> {
  await condition(allHandlersFinished);
  run.note('continued as new', `history of ${workflowInfo().historyLength} events carried over as state`);
  return continueAsNew<typeof stockoutIncident>({
    trigger,
    policy: run.policy,
    ...(input.historyEventsLimit ? { historyEventsLimit: input.historyEventsLimit } : {}),
    carried: { state: run.s, policy: run.policy, pending: run.pending, nextStatusAt: timers.nextStatusAt, nextCheckAt: timers.nextCheckAt },
  });
}
