// The stockout incident, stage by stage as in the playbook (shared/DOMAIN.md): assess → pool → substitutes →
// plan → approve → commit → notify → follow up until every backorder is closed → report.
// Deterministic: all I/O is in activities; big data stays in the incident store and only summaries and
// references travel through history.
import {
  ActivityFailure,
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  currentUpdateInfo,
  log,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { z } from 'zod';
import type { createActivities } from '../activities';
import {
  CancelSchema,
  CustomerAnswerSchema,
  EtaChangeSchema,
  PlanDecisionSchema,
  RestockSchema,
  ResumeSchema,
  TriggerSchema,
  describeIssues,
  parseOrThrow,
  type CustomerAnswer,
  type EtaChange,
  type PlanDecision,
  type PlanOverride,
  type Restock,
  type Trigger,
} from '../src/incident/commands';
import {
  severityAtLeast,
  type IncidentStage,
  type IncidentState,
  type PlanSummary,
  type ReportSummary,
} from '../src/incident/state';
import { parsePolicy, type Policy } from '../src/allocation/policy';
import { comparePlans } from '../src/incident/compare';
import type { NoticeKind, NoticeSource } from '../src/notifications/model';
import { SEVERITY, STAGE } from '../src/temporal/search-attributes';
import {
  cancelSignal,
  changeEtaUpdate,
  customerAnswerUpdate,
  decidePlanUpdate,
  recordRestockUpdate,
  resumeSignal,
  simulatePlanUpdate,
  stateQuery,
  triggerSignal,
} from './definitions';

type Activities = ReturnType<typeof createActivities>;

// Reads and single writes: quick, retried with backoff for about ten minutes, then the stage parks in
// "needs attention" for a person instead of retrying forever. Bad data is non-retryable and parks at once.
const retry = { initialInterval: '2s', backoffCoefficient: 2, maximumInterval: '1m', maximumAttempts: 12 };
const acts = proxyActivities<Activities>({ startToCloseTimeout: '2m', retry });
// Paging through a large demand book or a whole batch of emails: longer, with heartbeats to notice a stuck worker.
const longActs = proxyActivities<Activities>({ startToCloseTimeout: '15m', heartbeatTimeout: '1m', retry });

/** Lines and customers per batch activity: keeps each payload and each activity's work bounded. */
export const COMMIT_BATCH_CUSTOMERS = 200;
export const NOTICE_BATCH_CUSTOMERS = 100;
const TIMELINE_KEEP = 100;
const TRIGGERS_KEEP = 50;
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

interface CarriedState {
  state: IncidentState;
  policy: Policy;
  pending: PendingEvent[];
  nextStatusAt: number;
  nextCheckAt: number;
}

type PendingEvent =
  | { kind: 'restock'; restock: Restock & { recorded?: boolean } }
  | { kind: 'eta'; change: EtaChange; observed?: { previousEta: string | null } }
  | { kind: 'answer'; answer: CustomerAnswer };

class IncidentCancelled extends Error {}

export async function stockoutIncident(input: IncidentInput): Promise<ReportSummary> {
  // Clients validate before starting; a bad start input that slips through fails the workflow, not its task.
  const started = TriggerSchema.safeParse(input.trigger);
  if (!started.success) throw ApplicationFailure.nonRetryable(describeIssues(started.error, 'trigger'), 'InvalidTrigger');
  const trigger = started.data;
  const policy = input.carried?.policy ?? input.policy;
  const s: IncidentState = input.carried?.state ?? openIncident(trigger);
  const pending: PendingEvent[] = input.carried?.pending ?? [];
  let resumeRequested = false;
  /** Set once the follow-up is done: a restock, ETA change or answer after that would be accepted and never applied. */
  let followUpsClosed = false;
  let decision: PlanDecision | null = null;
  /** Why the last decision's overrides were refused: the decidePlan update answers with it. */
  let decisionRefused: string | null = null;
  let carry: { nextStatusAt: number; nextCheckAt: number } | null = null;

  // ---- handlers: how people and systems steer the incident ----
  setHandler(stateQuery, () => ({ ...s, pendingEvents: pending.length }));
  setHandler(triggerSignal, (next) => attachTrigger(s, next));
  setHandler(cancelSignal, (raw) => {
    const cancel = signalInput(CancelSchema, raw, 'cancel');
    if (!cancel || isOver(s) || s.cancelRequested) return;
    s.cancelRequested = cancel;
    note(s, 'cancel requested', `${cancel.cancelledBy}: ${cancel.reason}`);
  });
  setHandler(resumeSignal, (raw) => {
    const resume = signalInput(ResumeSchema, raw, 'resume');
    if (!resume || !s.attention) return;
    resumeRequested = true;
    note(s, 'resumed', `${resume.resumedBy}${resume.note ? `: ${resume.note}` : ''}`);
  });
  setHandler(
    decidePlanUpdate,
    async (raw) => {
      decision = parseOrThrow(PlanDecisionSchema, raw, 'decision');
      await condition(() => decision === null || s.cancelRequested !== null);
      if (decision !== null) throw ApplicationFailure.nonRetryable('decision: the incident was cancelled before the decision was applied', 'Cancelled');
      if (decisionRefused !== null) {
        const reason = decisionRefused;
        decisionRefused = null;
        throw ApplicationFailure.nonRetryable(reason, 'InvalidOverride');
      }
      return s.approval;
    },
    {
      validator: (raw) => {
        const d = parseOrThrow(PlanDecisionSchema, raw, 'decision');
        if (decision !== null) throw new Error('decision: another decision is being applied; ask again in a moment');
        if (s.approval.status !== 'pending' && s.approval.status !== 'escalated' && s.approval.status !== 'rejected') {
          throw new Error(`decision: no plan is awaiting approval (stage ${s.stage})`);
        }
        if (d.planRevision !== s.plan?.revision) {
          throw new Error(`decision.planRevision: plan revision ${s.plan?.revision} is awaiting approval, not ${d.planRevision}`);
        }
      },
    },
  );
  setHandler(
    simulatePlanUpdate,
    async (raw) => {
      const current = s.plan!;
      const simulated = await longActs.planAllocation({
        ...planRequest(s, parsePolicy(raw), []),
        revision: current.revision,
        planKey: `what-if/${currentUpdateInfo()?.id ?? 'unknown'}`,
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
    recordRestockUpdate,
    (raw) => {
      const restock = parseOrThrow(RestockSchema, raw, 'restock');
      if (s.receiptsApplied.includes(restock.receiptId) || pending.some((e) => e.kind === 'restock' && e.restock.receiptId === restock.receiptId)) {
        return `receipt ${restock.receiptId} already recorded`;
      }
      pending.push({ kind: 'restock', restock });
      return `receipt ${restock.receiptId} accepted: ${restock.quantity} units will be allocated to open backorders`;
    },
    { validator: (raw) => acceptingFollowUps(s, followUpsClosed, () => parseOrThrow(RestockSchema, raw, 'restock')) },
  );
  setHandler(
    changeEtaUpdate,
    (raw) => {
      const change = parseOrThrow(EtaChangeSchema, raw, 'eta');
      // The same date again (a retried request) tells nobody twice; a move back to an earlier date is news.
      if (etaAsTold(s, pending, change.poId) === change.eta) return `ETA of ${change.poId} is already ${change.eta}: nothing to tell`;
      pending.push({ kind: 'eta', change });
      return `ETA of ${change.poId} now ${change.eta}: customers with open backorders will be told`;
    },
    { validator: (raw) => acceptingFollowUps(s, followUpsClosed, () => parseOrThrow(EtaChangeSchema, raw, 'eta')) },
  );
  setHandler(
    customerAnswerUpdate,
    (raw) => {
      const answer = parseOrThrow(CustomerAnswerSchema, raw, 'answer');
      pending.push({ kind: 'answer', answer });
      return `answer ${answer.answer} for line ${answer.lineId} accepted`;
    },
    {
      validator: (raw) =>
        acceptingFollowUps(s, followUpsClosed, () => {
          const answer = parseOrThrow(CustomerAnswerSchema, raw, 'answer');
          // The SKU's next incident reuses the workflow id: a link from an earlier one must not act here.
          if (answer.incidentId !== undefined && answer.incidentId !== s.incidentId) {
            throw new Error('answer.incidentId: this link belongs to an earlier incident');
          }
        }),
    },
  );

  // ---- helpers the playbook uses ----

  /**
   * Runs one stage; a failure retries cannot fix parks the incident until a person resumes it.
   * Closing stages run to the end even when a cancellation is pending: they are what a cancellation does.
   */
  async function stage<T>(name: IncidentStage, work: () => Promise<T>): Promise<T> {
    const closing = name === 'closing';
    for (;;) {
      if (!closing) throwIfCancelled();
      enterStage(s, name);
      try {
        return await work();
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        s.attention = { stage: name, reason: failureReason(error), since: nowIso() };
        enterStage(s, 'needs-attention');
        note(s, 'needs attention', `${name}: ${s.attention.reason}`);
        log.warn('incident needs attention', { stage: name });
        resumeRequested = false;
        await condition(() => resumeRequested || (!closing && s.cancelRequested !== null));
        s.attention = null;
      }
    }
  }

  function throwIfCancelled(): void {
    if (s.cancelRequested) throw new IncidentCancelled();
  }

  async function notify(kind: NoticeKind, revision: number, source: NoticeSource): Promise<void> {
    const prepared = await longActs.prepareNotices({
      incidentId: s.incidentId,
      workflowId: workflowInfo().workflowId,
      sku: s.sku,
      kind,
      revision,
      source,
      substitutes: s.substitutes,
      expectedDate: s.impact?.nextInboundEta ?? null,
      policy,
    });
    const delivery = { kind, revision, sent: 0, skipped: 0, rejected: 0, digests: 0 };
    for (let batch = 0; batch * NOTICE_BATCH_CUSTOMERS < prepared.customers; batch++) {
      const sent = await longActs.deliverNoticeBatch({
        incidentId: s.incidentId,
        noticesRef: prepared.noticesRef,
        batch,
        batchSize: NOTICE_BATCH_CUSTOMERS,
      });
      delivery.sent += sent.sent;
      delivery.skipped += sent.skipped;
      delivery.rejected += sent.rejected;
    }
    if (prepared.customers > 0) delivery.digests = await longActs.deliverDigests({ incidentId: s.incidentId, noticesRef: prepared.noticesRef });
    s.deliveries.push(delivery);
    if (delivery.sent > 0 && !s.firstNoticeAt) s.firstNoticeAt = nowIso();
    note(s, `${kind} sent`, `${delivery.sent} customers, ${delivery.digests} account-manager digests, ${delivery.rejected} rejected`);
  }

  async function escalate(reason: string, revision: number): Promise<void> {
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

  async function refreshBackorders(): Promise<void> {
    s.backorders = await longActs.checkBackorders({ incidentId: s.incidentId });
  }

  // ---- the playbook ----
  try {
    if (!input.carried) {
      upsertSearchAttributes([{ key: STAGE, value: s.stage }]);
      note(s, 'opened', `${trigger.source}: ${trigger.reason}`);

      // 1. Impact assessment: is there a shortage at all, and how bad?
      s.impact = await stage('assessing', () =>
        longActs.assessImpact({ incidentId: s.incidentId, sku: s.sku, network: s.network, asOf: todayIso(), policy }),
      );
      setSeverity(s, s.impact.severity);
      if (s.impact.shortage <= 0) {
        note(s, 'false alarm', `demand ${s.impact.demand} is covered by ${s.impact.available} available`);
        return await closeIncident('false-alarm');
      }
      note(s, 'shortage confirmed', `${s.impact.shortage} units short for ${s.impact.affectedCustomers} customers, severity ${s.impact.severity}`);

      // 2. Pool what the spokes can spare into the hub.
      s.pooling = await stage('pooling', () =>
        acts.poolSpokeStock({ incidentId: s.incidentId, sku: s.sku, network: s.network, needed: s.impact!.shortage }),
      );
      note(s, 'spoke stock pooled', `${s.pooling.pooled} units in ${s.pooling.transfers.length} transfers; pool ${s.pooling.pool}`);

      // 3. Substitutes for what stays uncovered.
      s.substitutes = await stage('finding-substitutes', () =>
        acts.findSubstitutes({ incidentId: s.incidentId, sku: s.sku, network: s.network }),
      );

      // 4. The allocation plan, approved by a person when the policy asks.
      s.plan = await stage('planning', () => longActs.planAllocation({ ...planRequest(s, policy, []), revision: 0, planKey: 'plan/0' }));
      note(s, 'plan proposed', planLine(s.plan));
      await approvePlan();

      // 5. Commit: transfers arrive at the hub, then reservations, backorders and credits, customer by customer.
      await stage('committing', async () => {
        s.pooling!.transfers = await acts.completeTransfers({ incidentId: s.incidentId, transfers: s.pooling!.transfers });
        s.commit = await commitPlan(s.plan!);
      });
      note(s, 'plan committed', `${s.commit!.reservedUnits} units reserved, ${s.commit!.backorderedUnits} backordered`);
      await stage('committing', refreshBackorders);

      // 6. Tell every affected customer, and each account manager once.
      await stage('notifying', () => notify('first-notice', 0, { planRef: s.plan!.planRef }));
    }

    // 7. Follow up until every backorder is shipped, substituted or cancelled.
    const closed = await followUp();
    if (!closed) return await continueWithState();
    return await closeIncident('closed');
  } catch (error) {
    if (!(error instanceof IncidentCancelled)) throw error;
    await stage('closing', () => compensate());
    return await closeIncident('cancelled');
  }

  // ---- stage bodies ----

  async function approvePlan(): Promise<void> {
    // A plan that cannot serve a `win` line in full is an exception for a person, whatever the severity.
    const exceptions = s.plan!.exceptions.length > 0 && patched('win-exceptions-need-a-person');
    const required = severityAtLeast(s.severity, policy.approval.severityThreshold) || exceptions;
    if (!required) {
      s.approval = { ...s.approval, required, status: 'not-required' };
      return;
    }
    const deadlineMs = Date.now() + hours(policy.approval.deadlineHours);
    s.approval = { required, status: 'pending', deadline: new Date(deadlineMs).toISOString(), decidedBy: null, comment: null };
    enterStage(s, 'awaiting-approval');
    note(
      s,
      'approval requested',
      `deadline ${s.approval.deadline}${exceptions ? `; ${s.plan!.exceptionCount ?? s.plan!.exceptions.length} lines that must be served in full cannot be` : ''}`,
    );
    for (;;) {
      const waitMs = s.approval.status === 'escalated' ? undefined : Math.max(0, deadlineMs - Date.now());
      const decided = await (waitMs === undefined
        ? condition(() => decision !== null || s.cancelRequested !== null).then(() => true)
        : condition(() => decision !== null || s.cancelRequested !== null, waitMs));
      throwIfCancelled();
      if (!decided) {
        // The policy approves a plan nobody looked at; one a person rejected, or one with exceptions, waits for a person.
        if (policy.approval.timeoutAction === 'auto-approve' && s.approval.status === 'pending' && !exceptions) {
          s.approval = { ...s.approval, status: 'auto-approved', decidedBy: 'policy', comment: 'approval deadline passed' };
          note(s, 'plan auto-approved', 'approval deadline passed');
          return;
        }
        s.approval = { ...s.approval, status: 'escalated' };
        note(s, 'approval escalated', 'deadline passed; waiting for a decision');
        await stage('awaiting-approval', () => escalate('plan approval deadline passed', 0));
        continue;
      }
      const d = decision!;
      if (d.decision === 'reject') {
        s.approval = { ...s.approval, status: 'rejected', decidedBy: d.decidedBy, comment: d.comment };
        note(s, 'plan rejected', `${d.decidedBy}: ${d.comment}`);
        decision = null;
        continue;
      }
      if (d.overrides.length > 0) {
        const revised = await planWithOverrides(d.overrides);
        if (!revised) {
          enterStage(s, 'awaiting-approval');
          decision = null;
          continue;
        }
        s.plan = revised;
        note(s, 'plan revised with overrides', planLine(s.plan));
      }
      s.approval = { ...s.approval, status: 'approved', decidedBy: d.decidedBy, comment: d.comment ?? null };
      note(s, 'plan approved', d.decidedBy);
      decision = null;
      return;
    }
  }

  /** The plan again with a planner's overrides; null when the overrides do not fit the incident (the update says why). */
  async function planWithOverrides(overrides: PlanOverride[]): Promise<PlanSummary | null> {
    const revision = s.plan!.revision + 1;
    return stage('planning', async () => {
      try {
        return await longActs.planAllocation({ ...planRequest(s, policy, overrides), revision, planKey: `plan/${revision}` });
      } catch (error) {
        if (!(error instanceof ActivityFailure && error.cause instanceof ApplicationFailure && error.cause.type === 'InvalidOverride')) throw error;
        decisionRefused = error.cause.message;
        note(s, 'overrides refused', error.cause.message);
        return null;
      }
    });
  }

  async function commitPlan(plan: PlanSummary) {
    const total = { reservedLines: 0, reservedUnits: 0, backorderedLines: 0, backorderedUnits: 0, substituteUnits: 0, credits: 0 };
    for (let batch = 0; batch * COMMIT_BATCH_CUSTOMERS < plan.totals.customers; batch++) {
      const part = await longActs.commitPlanBatch({
        incidentId: s.incidentId,
        planRef: plan.planRef,
        policy,
        batch,
        batchSize: COMMIT_BATCH_CUSTOMERS,
        expectedDate: s.impact!.nextInboundEta,
      });
      for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += part[key];
    }
    return total;
  }

  /** Returns true when nothing is left open, false when the history asks for continue-as-new. */
  async function followUp(): Promise<boolean> {
    let nextStatusAt = input.carried?.nextStatusAt ?? Date.now() + days(policy.followUp.statusEveryDays);
    let nextCheckAt = input.carried?.nextCheckAt ?? Date.now() + hours(policy.followUp.restockCheckEveryHours);
    const slaAt = Date.parse(s.openedAt) + days(policy.slaDays);
    enterStage(s, 'following-up');
    for (;;) {
      throwIfCancelled();
      if (pending.length === 0 && (s.backorders?.openUnits ?? 0) === 0) {
        followUpsClosed = true;
        return true;
      }
      if (workflowInfo().historyLength > (input.historyEventsLimit ?? HISTORY_EVENTS_LIMIT) || workflowInfo().continueAsNewSuggested) {
        carry = { nextStatusAt, nextCheckAt };
        return false;
      }
      const wakeAt = Math.min(nextStatusAt, nextCheckAt, s.escalatedAt ? Infinity : slaAt);
      await condition(() => pending.length > 0 || s.cancelRequested !== null, Math.max(0, wakeAt - Date.now()));
      throwIfCancelled();

      const event = pending.shift();
      if (event) {
        await applyEvent(event);
        await stage('following-up', refreshBackorders);
        continue;
      }
      if (Date.now() >= nextCheckAt) {
        nextCheckAt = Date.now() + hours(policy.followUp.restockCheckEveryHours);
        const receipts = await stage('following-up', () => acts.findNewReceipts({ sku: s.sku, network: s.network, since: s.impact!.snapshotAt ?? s.openedAt }));
        for (const restock of receipts) {
          if (!s.receiptsApplied.includes(restock.receiptId)) pending.push({ kind: 'restock', restock });
        }
        // ETA changes made in the inventory system itself reach the customers too, not only those made here.
        if (patched('periodic-eta-check')) {
          const etas = await stage('following-up', () => acts.listInboundEtas({ sku: s.sku, network: s.network }));
          for (const seen of etaChangesSeen(s, etas)) pending.push({ kind: 'eta', ...seen });
        }
      }
      if (Date.now() >= nextStatusAt) {
        nextStatusAt = Date.now() + days(policy.followUp.statusEveryDays);
        s.statusRevision += 1;
        await stage('following-up', () => notify('status-update', s.statusRevision, { openBackorders: true }));
      }
      if (!s.escalatedAt && Date.now() >= slaAt) {
        s.escalatedAt = nowIso();
        note(s, 'SLA breached', `backorders still open after ${policy.slaDays} days`);
        await stage('following-up', () => escalate(`backorders open past the ${policy.slaDays}-day SLA`, 1));
      }
    }
  }

  /**
   * Each write and each notice is a stage of its own: a notice that parks the incident and is resumed is sent
   * again under the same revision, never after a second allocation or a new revision.
   */
  async function applyEvent(event: PendingEvent): Promise<void> {
    switch (event.kind) {
      case 'restock': {
        const round = s.restockRounds + 1;
        const result = await stage('following-up', () =>
          longActs.allocateRestock({
            incidentId: s.incidentId,
            sku: s.sku,
            restock: event.restock,
            round,
            policy,
            asOf: todayIso(),
            planRef: s.plan!.planRef,
          }),
        );
        // Both ids: the operator's and the inventory system's, so the periodic check does not apply it again.
        s.receiptsApplied.push(event.restock.receiptId);
        if (result.inventoryReceiptId !== event.restock.receiptId) s.receiptsApplied.push(result.inventoryReceiptId);
        s.restockRounds = round;
        note(s, 'restock allocated', `receipt ${event.restock.receiptId}: ${result.fulfilledUnits} units to ${result.customers} customers`);
        if (result.customers > 0) await stage('following-up', () => notify('backorder-shipped', round, { roundRef: result.roundRef }));
        return;
      }
      case 'eta': {
        const revision = s.etaRevision + 1;
        const applied = await stage('following-up', () =>
          acts.applyEtaChange({ incidentId: s.incidentId, sku: s.sku, change: event.change, revision, ...(event.observed ? { observed: event.observed } : {}) }),
        );
        s.etaRevision = revision;
        s.inboundEtas = { ...s.inboundEtas, [event.change.poId]: event.change.eta };
        note(s, 'ETA changed', `${event.change.poId} → ${event.change.eta}`);
        if (applied.affectedCustomers > 0) {
          await stage('following-up', () => notify('eta-change', revision, { eta: { ...event.change, previousEta: applied.previousEta } }));
        }
        return;
      }
      case 'answer': {
        const outcome = await stage('following-up', () => acts.applyCustomerAnswer({ incidentId: s.incidentId, sku: s.sku, answer: event.answer }));
        s.answersApplied.push(event.answer.answerId);
        note(s, `customer answer: ${event.answer.answer}`, outcome);
        return;
      }
    }
  }

  async function compensate(): Promise<void> {
    // Follow-ups accepted but not applied before the cancellation are said to be dropped, not silently lost.
    if (pending.length > 0) note(s, 'follow-ups not applied', pending.map(describeEvent).join('; '));
    const undone = await longActs.compensateCancellation({
      incidentId: s.incidentId,
      transfers: s.pooling?.transfers ?? [],
      ...(s.plan ? { planRef: s.plan.planRef } : {}),
    });
    if (s.pooling) s.pooling.transfers = undone.transfers;
    note(
      s,
      'cancelled',
      `${s.cancelRequested!.cancelledBy}: ${s.cancelRequested!.reason}; ${undone.transfersCancelled} transfers cancelled, ` +
        `${undone.reservationsReleased} reservations released, ${undone.backordersCancelled} backorders withdrawn, ` +
        `${undone.confirmationsRestored} earlier confirmations restored` +
        (undone.confirmationUnitsShort > 0 ? ` (${undone.confirmationUnitsShort} units could not be, the stock has gone)` : ''),
    );
    await refreshBackorders();
    if (s.firstNoticeAt) await notify('incident-cancelled', 0, { customersNotified: true });
  }

  async function closeIncident(outcome: ReportSummary['outcome']): Promise<ReportSummary> {
    if (outcome === 'closed') await stage('closing', () => notify('incident-closed', 0, { customersNotified: true }));
    s.report = await stage('closing', () => acts.buildReport({ incidentId: s.incidentId, outcome, state: s }));
    enterStage(s, outcome);
    note(s, `incident ${outcome}`, `fill rate ${(s.report.fillRate * 100).toFixed(1)}%`);
    await condition(allHandlersFinished);
    return s.report;
  }

  async function continueWithState(): Promise<never> {
    await condition(allHandlersFinished);
    note(s, 'continued as new', `history of ${workflowInfo().historyLength} events carried over as state`);
    return continueAsNew<typeof stockoutIncident>({
      trigger,
      policy,
      ...(input.historyEventsLimit ? { historyEventsLimit: input.historyEventsLimit } : {}),
      carried: { state: s, policy, pending, nextStatusAt: carry!.nextStatusAt, nextCheckAt: carry!.nextCheckAt },
    });
  }
}

// ---- small pure helpers ----

function openIncident(trigger: Trigger): IncidentState {
  const info = workflowInfo();
  return {
    // The workflow id names the SKU and network; the first run id tells apart incidents that reuse it later.
    incidentId: `${info.workflowId}:${info.firstExecutionRunId.slice(0, 8)}`,
    sku: trigger.sku,
    network: trigger.network,
    stage: 'assessing',
    severity: 'none',
    openedAt: nowIso(),
    triggers: [trigger],
    impact: null,
    pooling: null,
    substitutes: [],
    plan: null,
    approval: { required: false, status: 'not-required', deadline: null, decidedBy: null, comment: null },
    commit: null,
    deliveries: [],
    backorders: null,
    timeline: [],
    timelineDropped: 0,
    attention: null,
    report: null,
    firstNoticeAt: null,
    receiptsApplied: [],
    restockRounds: 0,
    answersApplied: [],
    pendingEvents: 0,
    etaRevision: 0,
    statusRevision: 0,
    escalatedAt: null,
    cancelRequested: null,
  };
}

function attachTrigger(s: IncidentState, raw: Trigger): void {
  const trigger = signalInput(TriggerSchema, raw, 'trigger');
  if (!trigger || s.triggers.some((t) => t.triggerId === trigger.triggerId)) return;
  s.triggers.push(trigger);
  // The first trigger says why the incident opened; of the rest, the latest are enough and keep the state small.
  if (s.triggers.length > TRIGGERS_KEEP) s.triggers.splice(1, 1);
  note(s, 'trigger attached', `${trigger.source}: ${trigger.reason}`);
}

/** A signal cannot answer its sender: a malformed one is logged and dropped (clients validate before sending). */
function signalInput<T>(schema: z.ZodType<T>, raw: unknown, name: string): T | null {
  const parsed = schema.safeParse(raw);
  if (parsed.success) return parsed.data;
  log.warn(`ignored malformed ${name} signal`, { issues: describeIssues(parsed.error, name) });
  return null;
}

/**
 * The inventory system's ETAs against those the incident last told (the assessment's to begin with): a PO
 * seen for the first time is only noted, a moved one is a change to tell the customers about.
 */
function etaChangesSeen(s: IncidentState, current: Record<string, string>): { change: EtaChange; observed: { previousEta: string } }[] {
  const known = etasTold(s);
  const changes = Object.entries(current)
    .filter(([poId, eta]) => known[poId] !== undefined && known[poId] !== eta)
    .map(([poId, eta]) => ({ change: { poId, eta, reason: 'changed in the inventory system' }, observed: { previousEta: known[poId]! } }));
  s.inboundEtas = { ...current, ...Object.fromEntries(changes.map(({ change, observed }) => [change.poId, observed.previousEta])) };
  return changes;
}

/** The ETA of a PO as the customers will have been told once the pending changes are applied. */
function etaAsTold(s: IncidentState, pending: PendingEvent[], poId: string): string | undefined {
  const queued = pending.filter((e) => e.kind === 'eta' && e.change.poId === poId).at(-1);
  return queued?.kind === 'eta' ? queued.change.eta : etasTold(s)[poId];
}

/** ETA per PO as the customers were last told: the assessment's, overridden by every change since. */
function etasTold(s: IncidentState): Record<string, string> {
  return { ...s.impact?.inboundEtas, ...s.inboundEtas };
}

function describeEvent(event: PendingEvent): string {
  if (event.kind === 'restock') return `restock ${event.restock.receiptId} (${event.restock.quantity} units)`;
  if (event.kind === 'eta') return `ETA of ${event.change.poId} → ${event.change.eta}`;
  return `answer ${event.answer.answerId} (${event.answer.answer})`;
}

function acceptingFollowUps(s: IncidentState, closed: boolean, validate: () => unknown): void {
  validate();
  if (closed || isOver(s) || s.cancelRequested) throw new Error(`incident is ${s.stage}: it takes no more follow-ups`);
  if (!s.commit) throw new Error(`incident is ${s.stage}: follow-ups are taken once the plan is committed`);
}

function isOver(s: IncidentState): boolean {
  return s.stage === 'closed' || s.stage === 'false-alarm' || s.stage === 'cancelled';
}

function planRequest(s: IncidentState, policy: Policy, overrides: PlanOverride[]) {
  return {
    incidentId: s.incidentId,
    sku: s.sku,
    snapshotRef: s.impact!.snapshotRef,
    pool: s.pooling!.pool,
    substitutes: s.substitutes,
    policy,
    overrides,
    asOf: todayIso(),
  };
}

function enterStage(s: IncidentState, stage: IncidentStage): void {
  if (s.stage === stage) return;
  s.stage = stage;
  upsertSearchAttributes([{ key: STAGE, value: stage }]);
}

function setSeverity(s: IncidentState, severity: IncidentState['severity']): void {
  s.severity = severity;
  upsertSearchAttributes([{ key: SEVERITY, value: severity }]);
}

function note(s: IncidentState, event: string, detail?: string): void {
  s.timeline.push({ at: nowIso(), event, ...(detail ? { detail } : {}) });
  if (s.timeline.length > TIMELINE_KEEP) {
    s.timeline.shift();
    s.timelineDropped += 1;
  }
}

function planLine(plan: PlanSummary): string {
  return `revision ${plan.revision}: fill rate ${(plan.totals.fillRate * 100).toFixed(1)}%, ${plan.totals.backordered} units backordered, ${plan.totals.customersWithNothing} customers with nothing`;
}

function failureReason(error: ActivityFailure): string {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause?.message ?? error.message;
}

const hours = (n: number) => n * 3_600_000;
const days = (n: number) => n * 86_400_000;
// Workflow time is deterministic: Date is replay-safe inside the workflow sandbox.
const nowIso = () => new Date().toISOString();
const todayIso = () => nowIso().slice(0, 10);
