// What the planning activity is asked for the incident, what it stores, which revisions a planner may review,
// and how a plan reads on the timeline. Pure.
import type { Policy } from '../allocation/policy';
import type { AllocationPlan } from '../allocation/types';
import type { PlanOverride } from './commands';
import type { IncidentState, PlanPreview, PlanSummary } from './state';

/** Store key of a plan revision: the plan proposed is revision 0, each revision by overrides (previews included) the next. */
export const planKey = (revision: number) => `plan/${revision}`;
const AT_COMMIT = '/at-commit';
/**
 * Store key of the plan as committed, when the commit changed the approved plan at `planRef` (orders lowered
 * since the snapshot, substitutes taken meanwhile): beside the approved one, which stays as approved. The key of
 * a plan as committed is its own.
 */
export const atCommitKey = (planRef: string) => (planRef.endsWith(AT_COMMIT) ? planRef : planRef + AT_COMMIT);
/** The approved plan a plan as committed was made from (itself for an approved plan). */
export const approvedKeyOf = (planRef: string) => (planRef.endsWith(AT_COMMIT) ? planRef.slice(0, -AT_COMMIT.length) : planRef);
/** Store key of a what-if plan, named by the simulation (the update that made it). */
export const whatIfKey = (simulationId: string) => `what-if/${simulationId}`;

/** What a plan was made from besides the snapshot: kept with it, so its lines can be explained and revised later. */
export interface PlanBasis {
  revision: number;
  policy: Policy;
  asOf: string;
  nextInboundEta: string | null;
  /** Every override the plan was made with, those of the revision it changes included. */
  overrides: PlanOverride[];
  /** The revision whose overrides it builds on; null for a plan made from the policy alone. */
  basedOn: number | null;
}

/** A plan as the incident store keeps it; plans stored before their basis was kept have none. */
export type StoredPlan = AllocationPlan & { basis?: PlanBasis };

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

/** A plan awaits a decision: approval is pending, escalated, or the plan was rejected and waits for another. */
export const awaitsDecision = (s: IncidentState) => s.approval.status === 'pending' || s.approval.status === 'escalated' || s.approval.status === 'rejected';

/** Takes the next plan revision number, so revisions computed at the same time never share one. */
export function reserveRevision(s: IncidentState): number {
  const revision = Math.max(s.latestRevision ?? 0, s.plan?.revision ?? 0) + 1;
  s.latestRevision = revision;
  return revision;
}

/** Previews kept in the state; an older one must be previewed again to be approved. */
export const PREVIEWS_KEPT = 20;

/** The plan awaiting approval, or a preview of it, by revision; null for any other revision. */
export function reviewablePlan(s: IncidentState, revision: number): PlanSummary | null {
  if (s.plan?.revision === revision) return s.plan;
  return s.previews?.find((p) => p.plan.revision === revision)?.plan ?? null;
}

export function previewOf(s: IncidentState, revision: number): PlanPreview | null {
  return s.previews?.find((p) => p.plan.revision === revision) ?? null;
}

export function keepPreview(s: IncidentState, preview: PlanPreview): void {
  s.previews = [...(s.previews ?? []), preview].slice(-PREVIEWS_KEPT);
}

/** "revision 0" or "revision 0 (previews 1, 2)": what a planner may review now. */
export function reviewableRevisions(s: IncidentState): string {
  const previews = (s.previews ?? []).map((p) => p.plan.revision);
  return `revision ${s.plan?.revision}${previews.length ? ` (previews ${previews.join(', ')})` : ''}`;
}

export function planLine(plan: PlanSummary): string {
  return `revision ${plan.revision}: fill rate ${(plan.totals.fillRate * 100).toFixed(1)}%, ${plan.totals.backordered} units backordered, ${plan.totals.customersWithNothing} customers with nothing`;
}
