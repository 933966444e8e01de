// Writing the approved plan to the systems, customer batch by customer batch, and reading back the
// backorders it leaves open.
import type { CommitSummary, PlanSummary } from '../../src/incident/state';
import { longActs } from './proxies';
import type { IncidentRun } from './run';

/** Customers per commit batch activity: keeps each payload and each activity's work bounded. */
export const COMMIT_BATCH_CUSTOMERS = 200;

export async function commitPlan(run: IncidentRun, plan: PlanSummary): Promise<CommitSummary> {
  const total = { reservedLines: 0, reservedUnits: 0, backorderedLines: 0, backorderedUnits: 0, substituteUnits: 0, credits: 0 };
  for (let batch = 0; batch * COMMIT_BATCH_CUSTOMERS < plan.totals.customers; batch++) {
    const part = run.counted(
      await longActs.commitPlanBatch({
        incidentId: run.s.incidentId,
        planRef: plan.planRef,
        policy: run.policy,
        batch,
        batchSize: COMMIT_BATCH_CUSTOMERS,
        expectedDate: run.s.impact!.nextInboundEta,
      }),
    );
    for (const key of Object.keys(total) as (keyof typeof total)[]) total[key] += part[key];
  }
  return total;
}

export async function refreshBackorders(run: IncidentRun): Promise<void> {
  run.s.backorders = await longActs.checkBackorders({ incidentId: run.s.incidentId });
}
