// One incident run: the state, the follow-ups waiting to be applied, the flags the handlers raise for the
// playbook, and the helpers every part of the workflow uses (stage, note). The handlers, the approval loop
// and the follow-up loop all take this one object.
import { ActivityFailure, ApplicationFailure, condition, log, metricMeter, setCurrentDetails, upsertSearchAttributes } from '@temporalio/workflow';
import type { Retried } from '../../activities/progress';
import type { Policy } from '../../src/allocation/policy';
import type { PlanDecision, Withdraw } from '../../src/incident/commands';
import { currentDetails } from '../../src/incident/ui-metadata';
import type { PendingEvent } from '../../src/incident/follow-ups';
import { appendNote } from '../../src/incident/lifecycle';
import type { IncidentStage, IncidentState } from '../../src/incident/state';
import { SEVERITY, STAGE } from '../../src/temporal/search-attributes';
import { nowIso } from './clock';

/** Thrown by a stage once a cancellation is requested: the playbook turns to compensation. */
export class IncidentCancelled extends Error {}

/** Thrown by a command's parked stage once a person withdrew the command: the follow-up goes on without it. */
export class CommandWithdrawn extends Error {}

/** The rounds a follow-up counts (its restock or order round), held back until the backorders it leaves are read back. */
export type RoundCounts = Partial<Pick<IncidentState, 'restockRounds' | 'orderRounds'>>;

export class IncidentRun {
  readonly s: IncidentState;
  readonly policy: Policy;
  /** Restocks, ETA changes and answers accepted by an update, applied one by one by the follow-up loop. */
  readonly pending: PendingEvent[];
  /** A person resumed the stage parked in "needs attention". */
  resumeRequested = false;
  /** A person withdrew the command whose stage is parked. */
  withdrawal: Withdraw | null = null;
  /**
   * The event the follow-up loop is applying, until the backorders it leaves are read back: the state query counts
   * it as pending, and a retry of it is already recorded.
   */
  applying: PendingEvent | null = null;
  /** Set once the follow-up is done: a restock, ETA change or answer after that would be accepted and never applied. */
  followUpsClosed = false;
  /** The decision the decidePlan update hands to the approval loop; null again once applied. */
  decision: PlanDecision | null = null;
  /** Why the last decision's overrides were refused: the decidePlan update answers with it. */
  decisionRefused: string | null = null;
  /** Retries the activities of the running stage reported: activity attempts after the first, requests resent. */
  private stageRetries = 0;

  constructor(s: IncidentState, policy: Policy, pending: PendingEvent[]) {
    this.s = s;
    this.policy = policy;
    this.pending = pending;
  }

  /**
   * Runs one stage; a failure retries cannot fix parks the incident until a person resumes it, or, for the
   * write of a `command` (a restock, ETA change or answer, described), withdraws the command.
   * Closing stages run to the end even when a cancellation is pending: they are what a cancellation does.
   */
  async stage<T>(name: IncidentStage, work: () => Promise<T>, command?: string): Promise<T> {
    const s = this.s;
    const closing = name === 'closing';
    this.stageRetries = 0;
    for (;;) {
      if (!closing) this.throwIfCancelled();
      this.enterStage(name);
      try {
        const result = await work();
        // Flaky systems are ridden out by retries; the timeline says what that took.
        if (this.stageRetries > 0) this.note('retried', `${name} needed ${this.stageRetries} ${this.stageRetries === 1 ? 'retry' : 'retries'}`);
        return result;
      } catch (error) {
        if (!(error instanceof ActivityFailure)) throw error;
        s.attention = { stage: name, reason: failureReason(error), since: nowIso(), ...(command ? { command } : {}) };
        this.enterStage('needs-attention');
        this.note('needs attention', `${name}: ${s.attention.reason}`);
        log.warn('incident needs attention', { incidentId: s.incidentId, stage: name });
        this.resumeRequested = false;
        await condition(() => this.resumeRequested || this.withdrawal !== null || (!closing && s.cancelRequested !== null));
        s.attention = null;
        const withdrawal = this.withdrawal;
        if (withdrawal) {
          this.withdrawal = null;
          this.note('command withdrawn', `${command}: ${withdrawal.withdrawnBy}: ${withdrawal.reason}`);
          throw new CommandWithdrawn();
        }
      }
    }
  }

  /** A stage activity's result without its retry count, which goes to the stage's. */
  counted<T extends Retried>({ retries, ...result }: T): Omit<T, 'retries'> {
    this.stageRetries += retries ?? 0;
    return result;
  }

  throwIfCancelled(): void {
    if (this.s.cancelRequested) throw new IncidentCancelled();
  }

  /** Every noted event may change what the UI's current details show: they are rewritten with it (not a command). */
  note(event: string, detail?: string): void {
    appendNote(this.s, nowIso(), event, detail);
    setCurrentDetails(currentDetails(this.s));
  }

  enterStage(stage: IncidentStage): void {
    if (this.s.stage === stage) return;
    this.s.stage = stage;
    upsertSearchAttributes([{ key: STAGE, value: stage }]);
    setCurrentDetails(currentDetails(this.s));
    log.info('stage entered', { incidentId: this.s.incidentId, stage });
  }

  setSeverity(severity: IncidentState['severity']): void {
    this.s.severity = severity;
    upsertSearchAttributes([{ key: SEVERITY, value: severity }]);
    setCurrentDetails(currentDetails(this.s));
  }

  /** Recorded once per incident, never on replay; the SDK's own metrics endpoint exports it (README, Metrics). */
  firstNoticeSent(): void {
    const histogram = metricMeter.createHistogram('stockout_time_to_first_notice', 'int', 'ms', 'From the incident opening to its first customer notice');
    histogram.record(Date.parse(this.s.firstNoticeAt!) - Date.parse(this.s.openedAt));
  }
}

/** What a parked stage shows: the application error's type and message. Tells Temporal's failure kinds apart, so not pure core. */
function failureReason(error: ActivityFailure): string {
  const cause = error.cause;
  if (cause instanceof ApplicationFailure) return `${cause.type ?? 'Error'}: ${cause.message}`;
  return cause?.message ?? error.message;
}
