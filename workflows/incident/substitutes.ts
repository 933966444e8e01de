// The plan's substitutes at the commit: held for the incident as their stock stands then
// (activities/substitutes.ts), so a substitute another incident took since the plan was made is not asked for
// again.
import { patched } from '@temporalio/workflow';
import { messageRevision } from '../../src/notifications/message-revisions';
import { escalate } from './notify';
import { longActs } from './proxies';
import type { IncidentRun } from './run';

/**
 * Incidents that commit with today's code reserve the plan's substitutes before the commit's batches, fitted to
 * what is left of them: a substitute taken since the plan counted it (another incident sharing it) is cut to what
 * is left, highest priority first, and the rest backordered. Before, the batch's reservation was refused and
 * parked the incident.
 */
const SUBSTITUTES_AT_COMMIT = 'substitutes-at-commit';

/**
 * Incidents that commit with today's code tell the planners by email, once the commit is done, when the
 * substitutes at commit left must-win lines short: a person decides those (the engine's own win exceptions wait
 * for approval before the commit; these can only be found at it). Before, only the timeline said so.
 */
const ESCALATE_WINS_MISSED_AT_COMMIT = 'escalate-wins-missed-at-commit';

/** Holds the plan's substitutes as their stock stands; returns how many must-win lines that left short. */
export async function holdSubstitutesAtCommit(run: IncidentRun): Promise<number> {
  if (!patched(SUBSTITUTES_AT_COMMIT)) return 0;
  const { s, policy } = run;
  const ranking = { policy, asOf: s.impact!.asOf, nextInboundEta: s.impact!.nextInboundEta };
  const held = run.counted(await longActs.holdSubstitutesAtCommit({ incidentId: s.incidentId, planRef: s.plan!.planRef, ranking }));
  if (held.planRef !== s.plan!.planRef) s.plan = { ...s.plan!, planRef: held.planRef, ...held.figures };
  if (held.trimmedLines > 0) {
    const short = held.substitutes.filter((t) => t.taken < t.planned).map((t) => `${t.sku}: ${t.available} of ${t.planned} planned units free`);
    const exceptions = held.exceptions ? `; ${held.exceptions.length} lines that must be served in full no longer are: decide by hand (the plan as committed lists them)` : '';
    run.note('substitutes taken at commit', `${short.join(', ')}; ${held.trimmedLines} lines committed with less substitute, ${held.unitsBackordered} units backordered instead${exceptions}`);
  }
  return held.exceptions?.length ?? 0;
}

/** After the commit: the planners' email about the must-win lines the substitutes at commit left short, if any. */
export async function escalateWinsMissedAtCommit(run: IncidentRun, lines: number): Promise<void> {
  if (lines === 0 || !patched(ESCALATE_WINS_MISSED_AT_COMMIT)) return;
  const reason = `${lines === 1 ? '1 must-win line' : `${lines} must-win lines`} left short at commit by substitutes no longer available: decide by hand (the plan as committed lists them)`;
  await run.stage('committing', () => escalate(run, reason, messageRevision('substitutes-at-commit', 'escalation')));
}
