// How people and systems steer a running incident: its signals, updates and query. Each handler records what
// it was told on the run; the playbook acts on it.
import { ApplicationFailure, condition, currentUpdateInfo, log, patched, setHandler } from '@temporalio/workflow';
import type { z } from 'zod';
import { parsePolicy } from '../../src/allocation/policy';
import {
  CancelSchema,
  CustomerAnswerSchema,
  EtaChangeSchema,
  OrderEventSchema,
  PlanDecisionSchema,
  PlanPreviewSchema,
  RestockSchema,
  ResumeSchema,
  TriggerSchema,
  WithdrawSchema,
  parseOrThrow,
  type Trigger,
} from '../../src/incident/commands';
import { comparePlans } from '../../src/incident/compare';
import { describeIssues, issuesOf } from '../../src/validation/issues';
import { etaChangeIssue, restockIssue } from '../../src/incident/follow-up-checks';
import { acceptingFollowUps, etaAsTold, queueOrderRound, type PendingEvent } from '../../src/incident/follow-ups';
import { addTrigger, cancelIssue, isOver, resumeIssue } from '../../src/incident/lifecycle';
import { awaitsDecision, keepPreview, planKey, planLine, planRequest, reserveRevision, reviewablePlan, reviewableRevisions, whatIfKey } from '../../src/incident/planning';
import * as incident from '../definitions';
import { refusalOf } from './approval';
import { nowIso, todayIso } from './clock';
import { longActs } from './proxies';
import type { IncidentRun } from './run';

export function installHandlers(run: IncidentRun): void {
  const { s, pending } = run;
  // The event being applied is pending too until its figures are in: pendingEvents 0 means all is applied.
  setHandler(incident.stateQuery, () => ({ ...s, pendingEvents: pending.length + (run.applying ? 1 : 0) }));
  setHandler(incident.triggerSignal, (next) => attachTrigger(run, next));
  setHandler(incident.cancelSignal, (raw) => {
    const cancel = signalInput(CancelSchema, raw, 'cancel');
    if (!cancel || cancelIssue(s)) return;
    s.cancelRequested = cancel;
    run.note('cancel requested', `${cancel.cancelledBy}: ${cancel.reason}`);
  });
  setHandler(incident.orderEventSignal, (raw) => {
    const event = signalInput(OrderEventSchema, raw, 'orderEvent');
    // Another SKU's event is not this incident's; one that closes takes no more follow-ups (the SKU's next incident reads the orders then).
    if (!event || event.sku !== s.sku || event.network !== s.network || run.followUpsClosed || isOver(s) || s.cancelRequested) return;
    if (queueOrderRound(pending, `order event ${event.eventId}`)) run.note('order event', `${event.change ?? 'change'}${event.lineId ? ` of line ${event.lineId}` : ''}`);
  });
  setHandler(incident.resumeSignal, (raw) => {
    const resume = signalInput(ResumeSchema, raw, 'resume');
    if (!resume || resumeIssue(s)) return;
    run.resumeRequested = true;
    run.note('resumed', `${resume.resumedBy}${resume.note ? `: ${resume.note}` : ''}`);
  });
  setHandler(
    incident.decidePlanUpdate,
    async (raw) => {
      run.decision = parseOrThrow(PlanDecisionSchema, raw, 'decision');
      // The approval loop applies the decision and sets it back to null.
      await condition(() => run.decision === null || s.cancelRequested !== null);
      if (run.decision !== null) throw ApplicationFailure.nonRetryable('decision: the incident was cancelled before the decision was applied', 'Cancelled');
      if (run.decisionRefused !== null) {
        const reason = run.decisionRefused;
        run.decisionRefused = null;
        throw ApplicationFailure.nonRetryable(reason, 'InvalidOverride');
      }
      return s.approval;
    },
    {
      validator: (raw) => {
        const d = parseOrThrow(PlanDecisionSchema, raw, 'decision');
        refuseUnlessAwaiting(run, 'decision', d.planRevision);
        if (d.decision !== 'approve' || d.overrides.length === 0) return;
        if (!d.approveRevisedPlan) {
          throw new Error(
            'decision.overrides: a plan revised by overrides needs its own approval: preview them (previewOverrides) and approve the revision the preview makes, or set approveRevisedPlan to approve it unseen',
          );
        }
        if (d.planRevision !== s.plan!.revision) {
          throw new Error(`decision.overrides: overrides revise the plan awaiting approval (revision ${s.plan!.revision}); to change preview ${d.planRevision}, preview again from it`);
        }
      },
    },
  );
  setHandler(
    incident.previewOverridesUpdate,
    async (raw) => {
      const request = parseOrThrow(PlanPreviewSchema, raw, 'preview');
      const base = reviewablePlan(s, request.planRevision)!;
      // Taken now: previews computed at the same time each get their own revision.
      const revision = reserveRevision(s);
      let plan;
      try {
        plan = await longActs.planAllocation({
          ...planRequest(s, run.policy, request.overrides, todayIso()),
          revision,
          planKey: planKey(revision),
          basedOn: { revision: base.revision, planRef: base.planRef },
        });
      } catch (error) {
        // A refused preview takes no revision number, unless another preview took the next one meanwhile.
        if (s.latestRevision === revision) s.latestRevision = revision - 1;
        const refused = refusalOf(error, ['InvalidOverride', 'InvalidAllocationInput']);
        throw ApplicationFailure.nonRetryable(refused ?? `preview: the plan could not be computed: ${(error as Error).message}`, refused ? 'InvalidOverride' : 'PreviewFailed');
      }
      if (!awaitsDecision(s)) throw ApplicationFailure.nonRetryable('preview: the plan was decided while the preview was computed', 'Decided');
      const preview = { plan, basedOn: base.revision, previewedBy: request.previewedBy, previewedAt: nowIso() };
      keepPreview(s, preview);
      run.note('plan previewed', `${request.previewedBy}: ${planLine(plan)} (overrides on revision ${base.revision})`);
      return preview;
    },
    {
      validator: (raw) => {
        const request = parseOrThrow(PlanPreviewSchema, raw, 'preview');
        refuseUnlessAwaiting(run, 'preview', request.planRevision);
      },
    },
  );
  setHandler(
    incident.simulatePlanUpdate,
    async (raw) => {
      const current = s.plan!;
      const simulated = await longActs.planAllocation({
        ...planRequest(s, parsePolicy(raw), [], todayIso()),
        revision: current.revision,
        planKey: whatIfKey(currentUpdateInfo()?.id ?? 'unknown'),
      });
      return comparePlans(current, simulated);
    },
    {
      validator: (raw) => {
        if (!s.plan || !s.impact || !s.pooling) throw new Error(`policy: no plan to compare with yet (stage ${s.stage})`);
        parsePolicy(raw);
      },
    },
  );
  setHandler(
    incident.recordRestockUpdate,
    (raw) => {
      const restock = parseOrThrow(RestockSchema, raw, 'restock');
      const sameReceipt = (events: PendingEvent[]) => events.some((e) => e.kind === 'restock' && e.restock.receiptId === restock.receiptId);
      if (alreadyAccepted(run, 'restock', s.receiptsApplied.includes(restock.receiptId), sameReceipt)) return `receipt ${restock.receiptId} already recorded`;
      pending.push({ kind: 'restock', restock });
      return `receipt ${restock.receiptId} accepted: ${restock.quantity} units will be allocated to open backorders`;
    },
    { validator: (raw) => acceptingFollowUps(s, run.followUpsClosed, () => refuseIssue(restockIssue(s, parseOrThrow(RestockSchema, raw, 'restock')))) },
  );
  setHandler(
    incident.changeEtaUpdate,
    (raw) => {
      const change = parseOrThrow(EtaChangeSchema, raw, 'eta');
      // The same date again (a retried request) tells nobody twice; a move back to an earlier date is news.
      if (alreadyAccepted(run, 'eta', false, (events) => etaAsTold(s, events, change.poId) === change.eta)) return `ETA of ${change.poId} is already ${change.eta}: nothing to tell`;
      pending.push({ kind: 'eta', change });
      return `ETA of ${change.poId} now ${change.eta}: customers with open backorders will be told`;
    },
    {
      // Workflow time: the network's today as the incident sees it.
      validator: (raw) => acceptingFollowUps(s, run.followUpsClosed, () => refuseIssue(etaChangeIssue(s, parseOrThrow(EtaChangeSchema, raw, 'eta'), Date.now()))),
    },
  );
  setHandler(
    incident.customerAnswerUpdate,
    (raw) => {
      const answer = parseOrThrow(CustomerAnswerSchema, raw, 'answer');
      // The same id is the same answer (a link gives one per line, the same on a second click); another answer for the line is news.
      const sameAnswer = (events: PendingEvent[]) => events.some((e) => e.kind === 'answer' && e.answer.answerId === answer.answerId);
      if (alreadyAccepted(run, 'answer', s.answersApplied.includes(answer.answerId), sameAnswer)) return `answer ${answer.answerId} already recorded`;
      pending.push({ kind: 'answer', answer });
      return `answer ${answer.answer} for line ${answer.lineId} accepted`;
    },
    {
      validator: (raw) =>
        acceptingFollowUps(s, run.followUpsClosed, () => {
          const answer = parseOrThrow(CustomerAnswerSchema, raw, 'answer');
          // The SKU's next incident reuses the workflow id: a link from an earlier one must not act here.
          if (answer.incidentId !== undefined && answer.incidentId !== s.incidentId) {
            throw new Error('answer.incidentId: this link belongs to an earlier incident');
          }
        }),
    },
  );
  setHandler(
    incident.withdrawCommandUpdate,
    (raw) => {
      run.withdrawal = parseOrThrow(WithdrawSchema, raw, 'withdraw');
      return `${s.attention!.command} withdrawn: the follow-up goes on without it`;
    },
    {
      validator: (raw) => {
        parseOrThrow(WithdrawSchema, raw, 'withdraw');
        if (!s.attention) throw new Error(`withdraw: the incident is not parked (stage ${s.stage}): there is nothing to withdraw`);
        if (!s.attention.command) throw new Error(`withdraw: the ${s.attention.stage} stage is parked, not a command: fix the data and resume it`);
        if (run.withdrawal) throw new Error('withdraw: the command is already being withdrawn');
      },
    },
  );
}

/**
 * Incidents that take a restock or ETA change with today's code also weigh the event being applied: before, a
 * retry landing while the first's write ran (or was parked) was queued again — the receipt allocated and its
 * customers emailed in a second round, the same ETA told under a second revision — and an ETA moved back to the
 * date told before was taken for a retry and dropped, while the other date was being told.
 */
const WEIGH_EVENT_BEING_APPLIED = 'weigh-event-being-applied';
/**
 * Incidents that take a customer answer with today's code take its retry for one: before, every answer was
 * queued, and a retried one applied again (noted in the timeline and counted among the answers applied twice).
 */
const ANSWER_RETRIES = 'answer-retries-recorded';

/**
 * Whether a restock, ETA change or customer answer was accepted already (the one rule for a retry: "already
 * recorded", a no-op): `applied` says whether it was applied, `same` looks for it among the events accepted and
 * not applied yet, the one being applied first. Each kind came under the rule with a patch; where the rule before
 * it says otherwise, the patch decides, and is asked only then: only the histories it changes carry the marker.
 */
function alreadyAccepted(run: IncidentRun, kind: 'restock' | 'eta' | 'answer', applied: boolean, same: (events: PendingEvent[]) => boolean): boolean {
  const accepted = applied || same(run.applying ? [run.applying, ...run.pending] : run.pending);
  // Before, restocks and ETA changes weighed the queue only (and a restock the receipts applied); answers nothing.
  const before = kind !== 'answer' && (applied || same(run.pending));
  if (accepted === before) return accepted;
  return patched(kind === 'answer' ? ANSWER_RETRIES : WEIGH_EVENT_BEING_APPLIED) ? accepted : before;
}

/** A follow-up that does not fit the incident is refused naming the field; the message is what clients show. */
function refuseIssue(issue: { path: string; message: string } | null): void {
  if (issue) throw new Error(`${issue.path}: ${issue.message}`);
}

/** A decision or a preview is taken only while a plan awaits approval, and only for a revision the planner may review. */
function refuseUnlessAwaiting(run: IncidentRun, root: 'decision' | 'preview', planRevision: number): void {
  const { s } = run;
  if (run.decision !== null) throw new Error(`${root}: a decision is being applied; ask again in a moment`);
  if (!awaitsDecision(s)) throw new Error(`${root}: no plan is awaiting approval (stage ${s.stage})`);
  if (!reviewablePlan(s, planRevision)) throw new Error(`${root}.planRevision: ${reviewableRevisions(s)} is awaiting approval, not ${planRevision}`);
}

function attachTrigger(run: IncidentRun, raw: Trigger): void {
  const trigger = signalInput(TriggerSchema, raw, 'trigger');
  if (trigger && addTrigger(run.s, trigger)) run.note('trigger attached', `${trigger.source}: ${trigger.reason}`);
}

/** A signal cannot answer its sender: a malformed one is logged and dropped (clients validate before sending). */
function signalInput<T>(schema: z.ZodType<T>, raw: unknown, name: string): T | null {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  log.warn(`ignored malformed ${name} signal`, { issues: describeIssues(issuesOf(parsed.error, name)) });
  return null;
}
