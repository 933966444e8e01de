// Rationing over the period (policy.rationing.periodDays): at the commit the plan's shares are scheduled into
// allotments per period until the next inbound ETA; the follow-up releases each period at its start and ends
// the last; an ETA change re-plans the periods not yet released (its notices tell the customers whose allotments moved).
import { patched } from '@temporalio/workflow';
import { etasTold } from '../../src/incident/follow-ups';
import { nowIso } from './clock';
import { acts, batchActs } from './proxies';
import type { IncidentRun } from './run';

/** Incidents committed with today's code and a rationing policy ration their plan; none did before. */
const RATIONING = 'rationing';

/** Schedules the committed plan's shares when the policy rations; the commit then reserves none of them. */
export async function scheduleRationing(run: IncidentRun): Promise<void> {
  const { s, policy } = run;
  const periodDays = policy.rationing.periodDays;
  if (!periodDays || !patched(RATIONING)) return;
  s.rationing = await acts.scheduleRations({
    incidentId: s.incidentId,
    planRef: s.plan!.planRef,
    periodDays,
    startAt: nowIso(),
    until: s.impact!.nextInboundEta,
  });
  if (s.rationing) run.note('rationing scheduled', `${s.rationing.units} units for ${s.rationing.customers} customers in ${s.rationing.periods} periods of ${periodDays} days`);
}

/** When the next ration period starts (or the last ends); Infinity when nothing is rationed or it is over. */
export function nextRationAt(run: IncidentRun): number {
  const next = run.s.rationing?.nextAt;
  return next ? Date.parse(next) : Infinity;
}

/** The period due now starts (the one before ends, returning what it left unused); the last ending closes rationing. */
export async function releaseRationPeriod(run: IncidentRun): Promise<void> {
  const { s } = run;
  const period = s.rationing!.released + 1;
  const closing = period > s.rationing!.periods;
  const what = closing ? `end of ration period ${period - 1} of ${s.rationing!.periods}` : `ration period ${period} of ${s.rationing!.periods}`;
  const result = run.counted(await batchActs.releaseRationPeriod.executeWithOptions({ summary: what }, [{ incidentId: s.incidentId, period }]));
  const { figures, returned, ...summary } = result;
  s.rationing = summary;
  const back = returned > 0 ? `; ${returned} units unused by period ${period - 1} back in the pool` : '';
  if (figures) run.note('ration released', `period ${period} of ${summary.periods}: ${figures.used} of ${figures.released} units reserved${back}`);
  else run.note('rationing ended', `period ${period - 1} of ${summary.periods} ended${back}`);
}

/**
 * An ETA change while rationing: the periods not yet released are planned again until the next inbound delivery
 * as the customers are now told it (the earliest of the POs'). True when some customer's allotments moved: the
 * ETA change's notice tells those it emails, the re-plan's notice the others (workflows/incident/follow-up.ts).
 */
export async function replanRationing(run: IncidentRun, revision: number): Promise<boolean> {
  const { s } = run;
  if (!s.rationing?.nextAt) return false;
  const eta = Object.values(etasTold(s)).sort()[0];
  if (!eta) return false;
  const replanned = await run.stage('following-up', () => acts.replanRations({ incidentId: s.incidentId, until: eta, revision }));
  const { changedCustomers, ...summary } = replanned;
  s.rationing = summary;
  run.note('rationing re-planned', `${summary.periods} periods until ${eta}: ${changedCustomers.length} customers' allotments to come changed`);
  return changedCustomers.length > 0;
}
