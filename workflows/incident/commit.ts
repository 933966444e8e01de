// Writing the approved plan to the systems, customer batch by customer batch, and reading back the
// backorders it leaves open.
import { patched } from '@temporalio/workflow';
import { forEachAtOnce } from '../../src/concurrency/at-once';
import type { CommitSummary, PlanSummary } from '../../src/incident/state';
import { batchActs, longActs } from './proxies';
import type { IncidentRun } from './run';

/** Customers per commit batch activity in incidents committed one batch after another (before the patch below). */
export const COMMIT_BATCH_CUSTOMERS = 200;

/**
 * Incidents that commit with today's code give back taken-back confirmations and grant credits first, in one
 * activity, then commit the batches' reservations and backorders several at once: with the releases done, no
 * batch's writes wait on another's, and each batch's requests are full ones of the contract's 500 items.
 */
const PARALLEL_COMMIT = 'parallel-commit';
/**
 * Incidents that commit with today's code give back the taken-back confirmations through the inventory system's
 * batch endpoint: a request per 500 lines instead of several per line. Only the activity's input changes; an
 * activity scheduled before keeps releasing line by line, as its earlier attempts did.
 */
const CONFIRMATIONS_IN_BATCHES = 'confirmations-in-batches';
/** Customers per parallel commit batch: about 3,000 lines, several full write requests, one plan read. */
export const PARALLEL_COMMIT_BATCH_CUSTOMERS = 500;
/** Commit batches at once: enough to keep the systems busy while one batch reads its documents, few enough not to flood them. */
export const COMMIT_BATCHES_IN_FLIGHT = 4;

export async function commitPlan(run: IncidentRun, plan: PlanSummary): Promise<CommitSummary> {
  const total = { reservedLines: 0, reservedUnits: 0, backorderedLines: 0, backorderedUnits: 0, substituteUnits: 0, credits: 0 };
  const add = (part: typeof total) => {
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += part[key];
  };
  const batchInput = (batch: number, batchSize: number) => ({
    incidentId: run.s.incidentId,
    planRef: plan.planRef,
    policy: run.policy,
    batch,
    batchSize,
    expectedDate: run.s.impact!.nextInboundEta,
    ...(run.s.rationing ? { rationed: true } : {}),
  });
  if (!patched(PARALLEL_COMMIT)) {
    for (let batch = 0; batch * COMMIT_BATCH_CUSTOMERS < plan.totals.customers; batch++) {
      add(run.counted(await batchActs.commitPlanBatch(batchInput(batch, COMMIT_BATCH_CUSTOMERS))));
    }
    return total;
  }
  const releases = {
    incidentId: run.s.incidentId,
    planRef: plan.planRef,
    policy: run.policy,
    ...(patched(CONFIRMATIONS_IN_BATCHES) ? { confirmationsInBatches: true } : {}),
    // Each batch's part of the plan is stored with the releases, so a batch reads only its own.
    batchSize: PARALLEL_COMMIT_BATCH_CUSTOMERS,
  };
  total.credits = run.counted(await batchActs.commitReleasesAndCredits(releases)).credits;
  const batches = Array.from({ length: Math.ceil(plan.totals.customers / PARALLEL_COMMIT_BATCH_CUSTOMERS) }, (_, i) => i);
  await forEachAtOnce(batches, COMMIT_BATCHES_IN_FLIGHT, async (batch) => {
    add(run.counted(await batchActs.commitPlanBatch({ ...batchInput(batch, PARALLEL_COMMIT_BATCH_CUSTOMERS), releasesAndCreditsDone: true })));
  });
  return total;
}

export async function refreshBackorders(run: IncidentRun): Promise<void> {
  run.s.backorders = await longActs.checkBackorders({ incidentId: run.s.incidentId });
}
