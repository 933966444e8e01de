// The follow-up: until every backorder is shipped, substituted or cancelled, apply the restocks, ETA changes
// and customer answers as they come, look for receipts and ETA moves in the inventory system, send status
// emails, and escalate once past the SLA.
import { condition, patched, workflowInfo } from '@temporalio/workflow';
import { describeEvent, etaChangesSeen, queueOrderRound, type PendingEvent } from '../../src/incident/follow-ups';
import { followUpTimerSummary } from '../../src/incident/ui-metadata';
import { messageRevision } from '../../src/notifications/message-revisions';
import { days, hours, nowIso, todayIso } from './clock';
import { refreshBackorders } from './commit';
import { escalate, notify } from './notify';
import { FREED_UNITS_SHARED, orderRound } from './orders';
import { nextRationAt, releaseRationPeriod, replanRationing } from './rationing';
import { acts, batchActs } from './proxies';
import { CommandWithdrawn, type IncidentRun, type RoundCounts } from './run';

/** Incidents that reach a periodic check with today's code also look for orders placed, changed or cancelled since their snapshot. */
const ORDER_CHANGES = 'order-changes';

/**
 * Incidents that finish their follow-up with today's code close in a run of their own when the history is past
 * its limit: the closing notice of a large incident is thousands of events (one mail task per 20 customers), and
 * with the first notice and a restock round's in the same run it took 100,000 lines past 10,000 events.
 */
const CLOSE_IN_NEW_RUN = 'close-in-new-run';

/** When the next status email and the next periodic check are due; carried over a continue-as-new. */
export interface FollowUpTimers {
  nextStatusAt: number;
  nextCheckAt: number;
}

/** Null when nothing is left open; the timers to carry over when the history asks for continue-as-new. */
export async function followUp(run: IncidentRun, carried: FollowUpTimers | undefined, historyEventsLimit: number): Promise<FollowUpTimers | null> {
  const { s, policy, pending } = run;
  let nextStatusAt = carried?.nextStatusAt ?? Date.now() + days(policy.followUp.statusEveryDays);
  let nextCheckAt = carried?.nextCheckAt ?? Date.now() + hours(policy.followUp.restockCheckEveryHours);
  const slaAt = Date.parse(s.openedAt) + days(policy.slaDays);
  run.enterStage('following-up');
  for (;;) {
    run.throwIfCancelled();
    const rationAt = nextRationAt(run);
    const historyFull = workflowInfo().historyLength > historyEventsLimit || workflowInfo().continueAsNewSuggested;
    if (pending.length === 0 && (s.backorders?.openUnits ?? 0) === 0 && rationAt === Infinity) {
      if (historyFull && patched(CLOSE_IN_NEW_RUN)) return { nextStatusAt, nextCheckAt };
      run.followUpsClosed = true;
      return null;
    }
    if (historyFull) return { nextStatusAt, nextCheckAt };
    const wakeAt = Math.min(nextStatusAt, nextCheckAt, s.escalatedAt ? Infinity : slaAt, rationAt);
    const summary = followUpTimerSummary(Date.now(), {
      nextStatusAt,
      nextCheckAt,
      slaAt: s.escalatedAt ? null : slaAt,
      ...(s.rationing?.nextAt ? { ration: { at: rationAt, period: s.rationing.released + 1, periods: s.rationing.periods } } : {}),
    });
    await condition(() => pending.length > 0 || s.cancelRequested !== null, Math.max(0, wakeAt - Date.now()), { summary });
    run.throwIfCancelled();

    const event = pending.shift();
    if (event) {
      await applyFollowUp(run, event);
      continue;
    }
    // A ration period starts before the check of the same moment looks at orders: they may draw on it.
    if (Date.now() >= rationAt) await run.stage('following-up', () => releaseRationPeriod(run));
    if (Date.now() >= nextCheckAt) {
      nextCheckAt = Date.now() + hours(policy.followUp.restockCheckEveryHours);
      const receipts = await run.stage('following-up', () => acts.findNewReceipts({ sku: s.sku, network: s.network, since: s.impact!.snapshotAt ?? s.openedAt }));
      for (const restock of receipts) {
        if (!s.receiptsApplied.includes(restock.receiptId)) pending.push({ kind: 'restock', restock });
      }
      // ETA changes made in the inventory system itself reach the customers too, not only those made here.
      if (patched('periodic-eta-check')) {
        const etas = await run.stage('following-up', () => acts.listInboundEtas({ sku: s.sku, network: s.network }));
        for (const seen of etaChangesSeen(s, etas)) pending.push({ kind: 'eta', ...seen });
      }
      // Orders placed, changed or cancelled since the last look are planned after the receipts just queued.
      if (patched(ORDER_CHANGES)) queueOrderRound(pending, 'periodic check');
    }
    if (Date.now() >= nextStatusAt) {
      nextStatusAt = Date.now() + days(policy.followUp.statusEveryDays);
      s.statusRevision += 1;
      await run.stage('following-up', () => notify(run, 'status-update', messageRevision('status-updates', 'status-update', s.statusRevision), { openBackorders: true }));
    }
    if (!s.escalatedAt && Date.now() >= slaAt) {
      const breachedAt = nowIso();
      run.note('SLA breached', `backorders still open after ${policy.slaDays} days`);
      await run.stage('following-up', () => escalate(run, `backorders open past the ${policy.slaDays}-day SLA`, messageRevision('sla', 'escalation')));
      // Set once the planners are told: whoever sees it (the state query) finds the escalation sent.
      s.escalatedAt = breachedAt;
    }
  }
}

/**
 * One follow-up applied, then the backorders it leaves read back. Until they are, the state query counts it among
 * the pending ones and the rounds it counts are held back, then written in one step with those figures: the console,
 * the CLI and whoever waits on a round never see it counted beside the figures from before it. A cancellation
 * midway counts them still, since the report lists the restock rounds counted.
 */
async function applyFollowUp(run: IncidentRun, event: PendingEvent): Promise<void> {
  const counts: RoundCounts = {};
  run.applying = event;
  try {
    try {
      await applyEvent(run, event, counts);
    } catch (error) {
      // A person withdrew it while its write was parked: nothing of it is applied, the follow-up goes on.
      if (!(error instanceof CommandWithdrawn)) throw error;
    }
    await run.stage('following-up', () => refreshBackorders(run));
  } finally {
    Object.assign(run.s, counts);
    run.applying = null;
  }
}

/**
 * Each write and each notice is a stage of its own: a notice that parks the incident and is resumed is sent
 * again under the same revision, never after a second allocation or a new revision.
 */
async function applyEvent(run: IncidentRun, event: PendingEvent, counts: RoundCounts): Promise<void> {
  const { s, policy } = run;
  const command = describeEvent(event);
  switch (event.kind) {
    case 'restock': {
      const round = s.restockRounds + 1;
      const freeAtHub = patched(FREED_UNITS_SHARED) ? { since: s.impact!.snapshotAt ?? s.openedAt, receiptsApplied: s.receiptsApplied } : undefined;
      const result = await run.stage('following-up', async () =>
        run.counted(
          await batchActs.allocateRestock({
            incidentId: s.incidentId,
            sku: s.sku,
            restock: event.restock,
            round,
            policy,
            asOf: todayIso(),
            planRef: s.plan!.planRef,
            ...(freeAtHub ? { freeAtHub } : {}),
          }),
        ),
        command,
      );
      // Both ids: the operator's and the inventory system's, so the periodic check does not apply it again.
      s.receiptsApplied.push(event.restock.receiptId);
      if (result.inventoryReceiptId !== event.restock.receiptId) s.receiptsApplied.push(result.inventoryReceiptId);
      counts.restockRounds = round;
      run.note('restock allocated', `${recorder(event.restock)}receipt ${event.restock.receiptId}: ${result.fulfilledUnits} units to ${result.customers} customers`);
      if (result.customers > 0) await run.stage('following-up', () => notify(run, 'backorder-shipped', messageRevision('restock-rounds', 'backorder-shipped', round), { roundRef: result.roundRef }));
      return;
    }
    case 'eta': {
      const revision = s.etaRevision + 1;
      const applied = await run.stage('following-up', () =>
        acts.applyEtaChange({ incidentId: s.incidentId, sku: s.sku, change: event.change, revision, ...(event.observed ? { observed: event.observed } : {}) }),
        command,
      );
      s.etaRevision = revision;
      s.inboundEtas = { ...s.inboundEtas, [event.change.poId]: event.change.eta };
      run.note('ETA changed', `${recorder(event.change)}${event.change.poId} → ${event.change.eta}`);
      // Rationing re-planned first, so a customer with backorders whose allotments moved hears both in one email.
      const replanned = await replanRationing(run, revision);
      if (applied.affectedCustomers > 0) {
        const eta = { ...event.change, previousEta: applied.previousEta };
        await run.stage('following-up', () => notify(run, 'eta-change', messageRevision('eta-changes', 'eta-change', revision), { eta, ...(replanned ? { rationReplan: revision } : {}) }));
      }
      if (replanned) await run.stage('following-up', () => notify(run, 'ration-change', messageRevision('eta-changes', 'ration-change', revision), { ration: { revision } }));
      return;
    }
    case 'orders':
      return orderRound(run, command, counts);
    case 'answer': {
      const outcome = await run.stage('following-up', () => acts.applyCustomerAnswer({ incidentId: s.incidentId, sku: s.sku, answer: event.answer }), command);
      s.answersApplied.push(event.answer.answerId);
      run.note(`customer answer: ${event.answer.answer}`, outcome);
      return;
    }
  }
}

/** Who recorded a restock or ETA change, as the timeline's other entries name their person first. */
const recorder = ({ recordedBy }: { recordedBy?: string | undefined }) => (recordedBy ? `${recordedBy}: ` : '');
