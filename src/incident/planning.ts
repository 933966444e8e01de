// What the planning activity is asked for the incident, and how a plan reads on the timeline. Pure.
import type { Policy } from '../allocation/policy';
import type { PlanOverride } from './commands';
import type { IncidentState, PlanSummary } from './state';

/** The plan's inputs as the incident has them (assessed, pooled, substitutes found) under a policy. */
export function planRequest(s: IncidentState, policy: Policy, overrides: PlanOverride[], asOf: string) {
  return {
    incidentId: s.incidentId,
    sku: s.sku,
    snapshotRef: s.impact!.snapshotRef,
    pool: s.pooling!.pool,
    substitutes: s.substitutes,
    policy,
    overrides,
    asOf,
  };
}

export function planLine(plan: PlanSummary): string {
  return `revision ${plan.revision}: fill rate ${(plan.totals.fillRate * 100).toFixed(1)}%, ${plan.totals.backordered} units backordered, ${plan.totals.customersWithNothing} customers with nothing`;
}
