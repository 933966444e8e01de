// The incident state's own bookkeeping: opening it, the triggers attached to it, its timeline, whether it is
// over, and whether a cancel or resume can still act on it. Pure: the workflow passes in its ids and the
// (deterministic) workflow time.
import type { Trigger } from './commands';
import type { IncidentState } from './state';
import type { Issue } from '../validation/issues';

const TIMELINE_KEEP = 100;
const TRIGGERS_KEEP = 50;

export function openIncident(trigger: Trigger, ids: { workflowId: string; firstExecutionRunId: string }, openedAt: string): IncidentState {
  return {
    // The workflow id names the SKU and network; the first run id tells apart incidents that reuse it later.
    incidentId: `${ids.workflowId}:${ids.firstExecutionRunId.slice(0, 8)}`,
    sku: trigger.sku,
    network: trigger.network,
    stage: 'assessing',
    severity: 'none',
    openedAt,
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

/** Attaches a trigger the incident has not seen; false for one it has (a repeated scan or webhook). */
export function addTrigger(s: IncidentState, trigger: Trigger): boolean {
  if (s.triggers.some((t) => t.triggerId === trigger.triggerId)) return false;
  s.triggers.push(trigger);
  // The first trigger says why the incident opened; of the rest, the latest are enough and keep the state small.
  if (s.triggers.length > TRIGGERS_KEEP) s.triggers.splice(1, 1);
  return true;
}

/** Adds a timeline entry; the oldest ones drop out (counted) so the state stays small. */
export function appendNote(s: IncidentState, at: string, event: string, detail?: string): void {
  s.timeline.push({ at, event, ...(detail ? { detail } : {}) });
  if (s.timeline.length > TIMELINE_KEEP) {
    s.timeline.shift();
    s.timelineDropped += 1;
  }
}

export function isOver(s: Pick<IncidentState, 'stage'>): boolean {
  return s.stage === 'closed' || s.stage === 'false-alarm' || s.stage === 'cancelled';
}

/** A cancel acts once, on an incident still open; the signal handler ignores any other and the operations refuse it. */
export function cancelIssue(s: Pick<IncidentState, 'stage' | 'cancelRequested'>): Issue | null {
  if (isOver(s)) return { path: 'cancel', message: `the incident is already ${s.stage}` };
  if (s.cancelRequested) return { path: 'cancel', message: `a cancel is already under way (${s.cancelRequested.cancelledBy}: ${s.cancelRequested.reason})` };
  return null;
}

/** A resume acts only on a parked stage. */
export function resumeIssue(s: Pick<IncidentState, 'stage' | 'attention'>): Issue | null {
  return s.attention ? null : { path: 'resume', message: `no stage is parked waiting for a person (stage ${s.stage})` };
}
