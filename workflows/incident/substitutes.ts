// The plan's substitutes at the commit: held for the incident as their stock stands then
// (activities/substitutes.ts), so a substitute another incident took since the plan was made is not asked for
// again.
import { patched } from '@temporalio/workflow';
import { longActs } from './proxies';
import type { IncidentRun } from './run';

/**
 * Incidents that commit with today's code reserve the plan's substitutes before the commit's batches, fitted to
 * what is left of them: a substitute taken since the plan counted it (another incident sharing it) is cut to what
 * is left, highest priority first, and the rest backordered. Before, the batch's reservation was refused and
 * parked the incident.
 */
const SUBSTITUTES_AT_COMMIT = 'substitutes-at-commit';

export async function holdSubstitutesAtCommit(run: IncidentRun): Promise<void> {
  if (!patched(SUBSTITUTES_AT_COMMIT)) return;
  const { s, policy } = run;
  const ranking = { policy, asOf: s.impact!.asOf, nextInboundEta: s.impact!.nextInboundEta };
  const held = run.counted(await longActs.holdSubstitutesAtCommit({ incidentId: s.incidentId, planRef: s.plan!.planRef, ranking }));
  if (held.planRef !== s.plan!.planRef) s.plan = { ...s.plan!, planRef: held.planRef, ...held.figures };
  if (held.trimmedLines > 0) {
    const short = held.substitutes.filter((t) => t.taken < t.planned).map((t) => `${t.sku}: ${t.available} of ${t.planned} planned units free`);
    const exceptions = held.exceptions ? `; ${held.exceptions.length} lines that must be served in full no longer are: decide by hand (the plan as committed lists them)` : '';
    run.note('substitutes taken at commit', `${short.join(', ')}; ${held.trimmedLines} lines committed with less substitute, ${held.unitsBackordered} units backordered instead${exceptions}`);
  }
}
