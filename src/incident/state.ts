// The incident as people see it (the workflow's query answer) and the small summaries its stages pass
// around. Full data (demand snapshot, plans, rounds, report) lives in the incident store; the workflow
// history holds only these summaries and references to it. Imported by workflow code: keep it pure.
import type { StageTotals } from '../allocation/types';
import type { Impact } from '../impact/assess';
import type { RationingSummary } from '../rationing/schedule';
import type { Trigger } from './commands';
import type { IncidentOutcome, IncidentStage, ReportScope, Severity } from './vocabulary';

// The vocabularies live in ./vocabulary; their names stay importable from here.
export type { IncidentStage, Severity };
export { SEVERITY_ORDER, severityAtLeast } from './vocabulary';

/**
 * Per relationship stage, as the allocation engine totals it, but revenue at risk and protected by the one
 * definition of src/report/revenue (plans summarized before it value backordered and served units instead).
 */
export type StageFigures = StageTotals;

/** The impact assessment's figures the workflow keeps, plus where the demand snapshot is stored. */
export type ImpactSummary = Pick<
  Impact,
  'shortage' | 'available' | 'demand' | 'affectedLines' | 'affectedCustomers' | 'affectedAccountManagers' | 'revenueAtRisk' | 'gapDays' | 'daysOfCover'
> & {
  asOf: string;
  /** When the stock positions were read: receipts booked later are restocks, earlier ones are in the pool. */
  snapshotAt?: string;
  nextInboundEta: string | null;
  /** ETA per open purchase order of the network (few per SKU); absent in assessments made before it was kept. */
  inboundEtas?: Record<string, string>;
  /** The hub's IANA time zone: where the network's "today" begins. Absent in assessments made before it was kept (UTC). */
  timeZone?: string;
  /** Every location of the network, where a restock may be received. Absent in assessments made before it was kept. */
  locationIds?: string[];
  severity: Severity;
  /** Store key of the demand snapshot (lines + customer profiles) the later stages read. */
  snapshotRef: string;
};

export interface TransferRecord {
  transferId: string;
  fromLocationId: string;
  toLocationId: string;
  quantity: number;
  status: 'created' | 'shipped' | 'received' | 'cancelled';
}

export interface PoolingSummary {
  hubId: string;
  hubFree: number;
  pooled: number;
  pool: number;
  transfers: TransferRecord[];
}

export interface SubstituteOption {
  sku: string;
  ratio: number;
  priceDelta: number;
  available: number;
  packSize: number;
}

export interface PlanSummary {
  revision: number;
  /** Store key of the full plan (every line with its reason codes). */
  planRef: string;
  policyName: string;
  pool: number;
  poolUsed: number;
  poolLeft: number;
  byStage: StageFigures[];
  totals: Omit<StageFigures, 'stage'>;
  largestCustomerShare: number;
  /** The currency of its revenue figures; absent in plans made before it was kept. */
  currency?: string;
  /** Absent in plans made before they were kept. */
  largestCustomerId?: string | null;
  /** Confirmed units the plan takes back from lines (a cancellation restores them); absent in plans made before it was kept. */
  confirmedReleased?: number;
  capPercent?: number;
  /** Lines the policy says must be served in full (`win`) that the pool cannot serve: a person decides. First 20. */
  exceptions: string[];
  /** All of them; absent in plans made before it was counted. */
  exceptionCount?: number;
  /** Customers the shortage touches, whom the first notice tells (src/incident/figures); absent in plans made before it was counted. */
  customersToTell?: number;
  overrides: number;
}

/** A revised plan a planner asked to see before deciding: stored as a revision, committed only once approved. */
export interface PlanPreview {
  plan: PlanSummary;
  /** The revision whose lines the overrides change. */
  basedOn: number;
  previewedBy: string;
  previewedAt: string;
}

export interface PlanComparison {
  current: PlanSummary;
  simulated: PlanSummary;
  /** Per relationship stage: simulated minus current. */
  difference: { stage: string; allocated: number; substituted: number; backordered: number; fillRate: number; customersWithNothing: number }[];
}

export interface ApprovalState {
  required: boolean;
  status: 'not-required' | 'pending' | 'approved' | 'rejected' | 'auto-approved' | 'escalated';
  deadline: string | null;
  decidedBy: string | null;
  comment: string | null;
}

export interface CommitSummary {
  reservedLines: number;
  reservedUnits: number;
  backorderedLines: number;
  backorderedUnits: number;
  substituteUnits: number;
  credits: number;
}

export interface DeliverySummary {
  kind: string;
  revision: number;
  sent: number;
  skipped: number;
  rejected: number;
  digests: number;
}

export interface BackorderStatus {
  openLines: number;
  openUnits: number;
  fulfilledUnits: number;
  cancelledUnits: number;
}

export interface TimelineEntry {
  at: string;
  event: string;
  detail?: string;
}

export interface Attention {
  stage: IncidentStage;
  reason: string;
  since: string;
  /** The restock, ETA change or answer whose write parked the incident: a person may withdraw it instead of resuming. */
  command?: string;
}

export interface ReportSummary {
  reportRef: string;
  outcome: IncidentOutcome;
  /** What the report covers; absent in summaries made before it was kept. */
  scope?: ReportScope;
  /** The commit's figures: null when nothing was committed (a false alarm, a cancellation before commit). */
  fillRate: number | null;
  revenueProtected: number | null;
  revenueAtRisk: number | null;
  firstNoticeAfterMinutes: number | null;
  recommendations: string[];
}

export interface IncidentState {
  incidentId: string;
  sku: string;
  network: string;
  stage: IncidentStage;
  severity: Severity;
  openedAt: string;
  triggers: Trigger[];
  impact: ImpactSummary | null;
  pooling: PoolingSummary | null;
  substitutes: SubstituteOption[];
  plan: PlanSummary | null;
  /** Previews of the plan awaiting approval, newest last; one is approved by its revision. Absent before previews existed. */
  previews?: PlanPreview[];
  /** The highest plan revision made so far, previews included; absent before previews existed. */
  latestRevision?: number;
  approval: ApprovalState;
  commit: CommitSummary | null;
  deliveries: DeliverySummary[];
  backorders: BackorderStatus | null;
  /** Most recent entries; `timelineDropped` counts older ones kept only in the report. */
  timeline: TimelineEntry[];
  timelineDropped: number;
  attention: Attention | null;
  report: ReportSummary | null;
  firstNoticeAt: string | null;
  receiptsApplied: string[];
  restockRounds: number;
  /** Order rounds that planned lines placed or changed during the incident; absent in incidents opened before them. */
  orderRounds?: number;
  /** The inventory system's change feed position after the last order round; null (or absent) before the first. */
  orderCursor?: string | null;
  answersApplied: string[];
  /** The rationing schedule (policy.rationing.periodDays), once committed with one; absent or null: whole allocations at once. */
  rationing?: RationingSummary | null;
  /** Restocks, ETA changes and answers accepted but not yet applied. */
  pendingEvents: number;
  etaRevision: number;
  /**
   * ETA of each open purchase order for the SKU in the network, as the incident last told its customers; the
   * periodic check compares the inventory system's with it. Absent in incidents opened before it was kept.
   */
  inboundEtas?: Record<string, string>;
  statusRevision: number;
  escalatedAt: string | null;
  cancelRequested: { reason: string; cancelledBy: string } | null;
}

/** Workflow id: one incident per SKU and network at a time. */
export function incidentWorkflowId(network: string, sku: string): string {
  return `stockout:${network}:${sku}`;
}
