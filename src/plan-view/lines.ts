// The plan line by line as a planner reads it: each line with its customer, what it asked for, held before the
// incident and gets now, its place in the priority order, its outcome and the reasons in words. Built once per
// stored plan from the plan, the demand snapshot and the plan's basis (policy, day, next ETA). Pure.
import type { Policy } from '../allocation/policy';
import { rankLines, urgencyHorizon } from '../allocation/priority';
import { REASON_WORDS, type CustomerProfile, type DemandLine, type ReasonCode } from '../allocation/types';
import type { StoredPlan } from '../incident/planning';

/** How a line is served: in full, partly, partly or wholly by a substitute, or not at all now. */
export const PLAN_LINE_OUTCOMES = ['full', 'partial', 'substitute', 'nothing'] as const;
export type PlanLineOutcome = (typeof PLAN_LINE_OUTCOMES)[number];

export interface PlanLineCustomer {
  customerId: string;
  /** null for snapshots taken before customer names were kept. */
  name: string | null;
  stage: string;
  critical: boolean;
}

export interface PlanLineView {
  /** Place in the priority order, 1 first: who is served before whom. */
  position: number;
  lineId: string;
  orderId: string;
  customer: PlanLineCustomer;
  requestedDate: string;
  requested: number;
  /** Units of the short SKU, a kept confirmation included. */
  allocated: number;
  /** Units of the short SKU that substitutes stand in for. */
  substitute: number;
  /** Each substitute SKU: units shipped and the original units they cover. */
  substitutes: { sku: string; units: number; covers: number }[];
  backordered: number;
  /** Units confirmed (reserved) for the line before the incident. */
  held: number;
  /** What the plan changes to what the line held: allocated − held. */
  change: number;
  /** Of what it held, units given back to be shared. */
  releasedConfirmation: number;
  outcome: PlanLineOutcome;
  reasons: { code: ReasonCode; words: string }[];
  /** The planner's pin on this line, with the reason given; null when the engine decided. */
  override: { allocate: number; reason: string | null } | null;
  /** Set when a person must decide (a must-win line that cannot be served in full). */
  exception: string | null;
}

/** The snapshot as the views read it: demand lines and customer profiles, with names when kept. */
export interface PlanSnapshot {
  lines: readonly DemandLine[];
  customers: readonly (CustomerProfile & { name?: string })[];
  nextInboundEta?: string | null;
}

/** What a plan was ranked under; the plan's own basis when it has one, else the given stand-in. */
export interface PlanRanking {
  policy: Policy;
  asOf: string;
  nextInboundEta: string | null;
}

/** A plan's lines, highest priority first, with an index by line id. */
export interface PlanView {
  lines: PlanLineView[];
  byId: ReadonlyMap<string, PlanLineView>;
}

export function outcomeOf(line: { allocated: number; substituted: number; backordered: number }): PlanLineOutcome {
  if (line.backordered === 0 && line.substituted === 0) return 'full';
  if (line.substituted > 0) return 'substitute';
  return line.allocated > 0 ? 'partial' : 'nothing';
}

/** `fallback` ranks plans stored before their basis was kept (the incident's policy and assessment day). */
export function planView(plan: StoredPlan, snapshot: PlanSnapshot, fallback: PlanRanking): PlanView {
  const ranking = plan.basis ?? fallback;
  const demand = new Map(snapshot.lines.map((l) => [l.lineId, l]));
  const profiles = new Map(snapshot.customers.map((c) => [c.customerId, c]));
  const pins = new Map((plan.basis?.overrides ?? []).map((o) => [o.lineId, o]));
  const profileOf = (customerId: string, stage: string) => profiles.get(customerId) ?? { customerId, stage, critical: false, acceptsSubstitutes: false };
  const allocations = new Map(plan.lines.map((l) => [l.lineId, l]));
  const planned = plan.lines.flatMap((l) => demand.get(l.lineId) ?? []);
  const customers = [...new Map(plan.lines.map((l) => [l.customerId, profileOf(l.customerId, l.stage)])).values()];
  const ranked = rankLines(
    planned,
    customers,
    ranking.policy,
    urgencyHorizon(ranking.policy, ranking.asOf, ranking.nextInboundEta ?? snapshot.nextInboundEta),
  );
  const lines = ranked.map((source, index): PlanLineView => {
    const l = allocations.get(source.lineId)!;
    const profile = profileOf(l.customerId, l.stage);
    const pin = pins.get(l.lineId);
    return {
      position: index + 1,
      lineId: l.lineId,
      orderId: source.orderId,
      customer: { customerId: l.customerId, name: 'name' in profile && profile.name ? profile.name : null, stage: l.stage, critical: profile.critical },
      requestedDate: source.requestedDate,
      requested: l.requested,
      allocated: l.allocated,
      substitute: l.substituted,
      substitutes: l.substitutes.map((s) => ({ sku: s.sku, units: s.quantity, covers: s.covers })),
      backordered: l.backordered,
      held: source.confirmedQuantity,
      change: l.allocated - source.confirmedQuantity,
      releasedConfirmation: l.releasedConfirmation,
      outcome: outcomeOf(l),
      reasons: l.reasons.map((code) => ({ code, words: REASON_WORDS[code] })),
      override: pin ? { allocate: pin.allocate, reason: pin.reason ?? null } : null,
      exception: l.exception ?? null,
    };
  });
  return { lines, byId: new Map(lines.map((l) => [l.lineId, l])) };
}
