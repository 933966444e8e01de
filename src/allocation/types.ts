// The allocation engine's input and output. Every quantity is a whole number of units; the engine never
// works in fractions of a unit, so its sums do not depend on the order they are added in.
//
// Unit accounting, per line, in units of the short SKU (the "original" SKU):
//   requested = allocated + substituted + backordered
// where `substituted` counts the ORIGINAL units the line's substitutes stand in for. A substitute SKU has
// a conversion ratio r (substitute units per original unit): covering n original units ships
// ceil(n × r) substitute units, rounded up to the substitute's pack. `substitutes[].quantity` is what
// ships (substitute units, what the inventory system reserves); `substitutes[].covers` is the original
// units it replaces, and `substituted` is the sum of `covers`.
import type { Policy } from './policy';

export interface DemandLine {
  lineId: string;
  orderId: string;
  customerId: string;
  sku: string;
  /** Units the line asks for, including what is already confirmed for it. */
  quantity: number;
  /** Stock already reserved for this line before the incident (≤ quantity). */
  confirmedQuantity: number;
  /** ISO dates 'YYYY-MM-DD'. */
  requestedDate: string;
  orderDate: string;
  unitPrice: number;
  unitMargin: number;
  /** Units ship in whole packs of this size (a line's last pack may be short). */
  packSize: number;
  /** false: all-or-nothing, the line ships complete or not at all. */
  partialAllowed: boolean;
  substitutesAllowed: boolean;
}

export interface CustomerProfile {
  customerId: string;
  stage: string;
  /** Life-safety or otherwise critical: served before every relationship stage. */
  critical: boolean;
  acceptsSubstitutes: boolean;
  /** The customer says it holds stock of this SKU and uses it at this rate (units per day). */
  reportedOnHand?: { quantity: number; dailyUsage: number };
}

export interface SubstituteSupply {
  sku: string;
  /** Substitute units per original unit. */
  ratio: number;
  priceDelta: number;
  /** Free units of the substitute at the hub. */
  available: number;
  packSize: number;
}

/** A planner pins a line's quantity of the short SKU (its total, any kept confirmation included). */
export interface PlanOverride {
  lineId: string;
  allocate: number;
}

export interface AllocationInput {
  sku: string;
  /** Free units of the SKU at the hub after pooling (confirmed stock not included). */
  pool: number;
  lines: DemandLine[];
  customers: CustomerProfile[];
  substitutes: SubstituteSupply[];
  policy: Policy;
  /** 'YYYY-MM-DD': the day urgency is measured from. */
  asOf: string;
  /**
   * 'YYYY-MM-DD': when the next inbound delivery of the SKU is due; null when none is on order. Urgency and
   * "can wait" are measured against it (policy.ts, rules 3 and 4); left out, the policy's fixed windows stand in.
   */
  nextInboundEta?: string | null;
  overrides?: PlanOverride[];
  /**
   * Given (even empty), the input is a restock round: its lines are open backorders (no confirmations) and
   * every one of them may receive stock whatever its segment strategy. Units each customer already
   * received in this incident, counted for floors and cap.
   */
  alreadyReceived?: Record<string, number>;
}

/** Why a line got what it got. Listed on a line in this order. */
export const REASON_CODES = [
  'override',
  'critical-priority',
  'stage-priority',
  'urgent-before-eta',
  'customer-floor',
  'fair-share-floor',
  'proportional-split',
  'concentration-cap',
  'cap-released',
  'confirmation-won',
  'confirmation-kept',
  'confirmation-released',
  'segment-fill-limit',
  'segment-lose',
  'deferred-holds-stock',
  'rationed-days-of-supply',
  'substituted',
  'substitute-top-up',
  'all-or-nothing-skipped',
  'pack-size-rounded',
  'win-exception',
  'pool-exhausted',
  'fully-served',
] as const;
export type ReasonCode = (typeof REASON_CODES)[number];

/** Each reason code in the words a planner reads beside the line (customers get their own, in the notices). */
export const REASON_WORDS: Record<ReasonCode, string> = {
  override: 'a planner set this quantity by hand',
  'critical-priority': 'served first: the customer is critical (life-safety or similar)',
  'stage-priority': 'served in priority order: relationship stage, then urgency, then margin',
  'urgent-before-eta': 'due before the next delivery arrives, so served ahead of lines due after it',
  'customer-floor': "the customer's first pack, given before any other sharing",
  'fair-share-floor': 'the fair-share floor: every customer first gets this share of what it asked for',
  'proportional-split': 'the floors could not all be met, so the stock was split in proportion',
  'concentration-cap': 'held back: the customer reached the largest share one customer may take',
  'cap-released': 'beyond the cap, because nobody else could use what was left',
  'confirmation-won': 'a must-win line, served in full',
  'confirmation-kept': 'keeps the stock confirmed to it before the shortage',
  'confirmation-released': 'stock confirmed to it before the shortage went back to be shared',
  'segment-fill-limit': "the customer's segment is served only from stock confirmed before the shortage",
  'segment-lose': "the customer's segment gets none of the short stock; served from the next deliveries",
  'deferred-holds-stock': 'the customer reports enough stock of its own to wait, so it is served after those who cannot',
  'rationed-days-of-supply': "shared among customers who hold stock so that everyone's lasts about as long",
  substituted: 'an equivalent product covers part or all of the line',
  'substitute-top-up': 'substitute units the cap would have left unused, given to a line still short',
  'all-or-nothing-skipped': 'the line ships complete or not at all, and the stock left was not enough',
  'pack-size-rounded': 'rounded down to whole packs',
  'win-exception': 'a must-win line that cannot be served in full: a person decides',
  'pool-exhausted': 'the stock ran out before the line was served in full',
  'fully-served': 'served in full',
};

export interface SubstituteAllocation {
  sku: string;
  /** Substitute units shipped. */
  quantity: number;
  /** Original units they stand in for. */
  covers: number;
}

export interface LineAllocation {
  lineId: string;
  customerId: string;
  stage: string;
  requested: number;
  /** Units of the SKU for this line, a kept confirmation included. */
  allocated: number;
  substitutes: SubstituteAllocation[];
  /** Original units covered by substitutes (the sum of `substitutes[].covers`). */
  substituted: number;
  backordered: number;
  /** Units of the line's earlier confirmation given back to the pool. */
  releasedConfirmation: number;
  reasons: ReasonCode[];
  /** Set when a person must decide (a `win` line that could not be served in full). */
  exception?: string;
}

export interface StageTotals {
  stage: string;
  lines: number;
  customers: number;
  requested: number;
  allocated: number;
  substituted: number;
  backordered: number;
  /** (allocated + substituted) / requested; 1 when nothing was requested. */
  fillRate: number;
  /** Customers that get neither the SKU nor a substitute on any line. */
  customersWithNothing: number;
  /** Backordered units at the line's unit price. */
  revenueAtRisk: number;
  /** Allocated and substituted units at the line's unit price. */
  revenueProtected: number;
}

export interface SubstituteUsage {
  sku: string;
  available: number;
  used: number;
}

export interface AllocationPlan {
  sku: string;
  /** Free units of the SKU given to the engine. */
  pool: number;
  /** Units handed out beyond the confirmations lines kept (from the pool or from released confirmations). */
  poolUsed: number;
  /** Units of the pool and released confirmations nobody could use: pool + confirmedReleased − poolUsed. */
  poolLeft: number;
  /** Confirmed units lines kept. */
  confirmedKept: number;
  /** Confirmed units lines gave back; they join the pool. */
  confirmedReleased: number;
  /** In lineId order. */
  lines: LineAllocation[];
  /** In the policy's stage order; stages without lines are left out. */
  byStage: StageTotals[];
  totals: Omit<StageTotals, 'stage'>;
  /** Units the largest customer gets, as a share (0–1) of pool plus confirmations. */
  largestCustomerShare: number;
  /** Who that is; null when nobody gets anything. */
  largestCustomerId: string | null;
  substitutes: SubstituteUsage[];
  exceptions: string[];
}

/** What the workflow keeps in its history: the plan without its lines. */
export type AllocationSummary = Omit<AllocationPlan, 'lines'>;
