// The API's success replies as zod schemas, for its OpenAPI document: what the incident operations return
// (src/operations/incident-operations.ts, src/incident/state.ts, src/report/incident-report.ts declare those as
// TypeScript types). Each schema is checked against its type both ways at compile time, so the document cannot
// drift from what the operations answer.
import { z } from 'zod';
import { REASON_CODES } from '../allocation/types';
import { TriggerSchema } from '../incident/commands';
import { REPORT_SCOPES } from '../incident/vocabulary';
import {
  SEVERITY_ORDER,
  type ApprovalState,
  type ImpactSummary,
  type IncidentState,
  type PlanComparison,
  type PlanPreview,
  type PlanSummary,
  type ReportSummary,
  type TimelineEntry,
} from '../incident/state';
import {
  ListFilterSchema,
  type CommandResult,
  type IncidentListItem,
  type IncidentReportView,
  type OverridePreview,
  type PlanComparisonPage,
  type PlanCustomersPage,
  type PlanLinesPage,
  type Simulation,
  type TriggerResult,
} from '../operations/incident-operations';
import { LINE_CHANGES, type ComparedLine, type CustomerChange, type StageChange } from '../plan-view/compare';
import { PLAN_LINE_OUTCOMES, type PlanLineView } from '../plan-view/lines';
import type { PlanCustomerView } from '../plan-view/pages';
import type { IncidentReport } from '../report/incident-report';

const count = z.number().int().nonnegative();
const amount = z.number();
const ratio = z.number().meta({ description: '0 to 1' });
const timestamp = z.string().meta({ description: 'ISO 8601 date-time' });
const day = z.string().meta({ description: "'YYYY-MM-DD'" });
// The lists of kinds have one home each; these read them from there.
const SeveritySchema = z.enum(SEVERITY_ORDER);
const StageSchema = ListFilterSchema.shape.stage.unwrap();

export const HealthSchema = z.object({ status: z.literal('ok') });

export const OrderEventResultSchema = z.object({
  workflowId: z.string(),
  signalled: z.boolean().meta({ description: 'A running incident of the SKU and network was told; false when none runs: nothing is started.' }),
});

export const TriggerResultSchema = z.object({
  workflowId: z.string(),
  started: z.boolean(),
  alreadyRecorded: z.literal(true).optional().meta({ description: "The incident's latest run, now ended, already recorded this trigger: nothing was started." }),
  heldBack: z
    .literal(true)
    .optional()
    .meta({ description: 'The latest run was a false alarm within the quiet period and the event reports no materially lower stock: nothing was started.' }),
});

export const CommandResultSchema = z.object({ workflowId: z.string(), message: z.string() });

export const IncidentListSchema = z.object({
  incidents: z.array(
    z.object({
      workflowId: z.string(),
      runId: z.string(),
      status: z.string(),
      sku: z.string().nullable(),
      network: z.string().nullable(),
      stage: z.string().nullable(),
      severity: z.string().nullable(),
      startedAt: timestamp,
      closedAt: timestamp.nullable(),
    }),
  ),
});

const stageFigures = {
  lines: count,
  customers: count,
  requested: count,
  allocated: count,
  substituted: count,
  backordered: count,
  fillRate: ratio,
  customersWithNothing: count,
  revenueAtRisk: amount.meta({ description: 'Ordered units the SKU\'s own stock does not serve (requested − allocated) at their unit price: the figure `report` states.' }),
  revenueProtected: amount.meta({ description: 'The part of the revenue at risk substitutes protect at commit.' }),
};

const PlanSummarySchema = z.object({
  revision: count,
  planRef: z.string(),
  policyName: z.string(),
  pool: count,
  poolUsed: count,
  poolLeft: count,
  byStage: z.array(z.object({ stage: z.string(), ...stageFigures })),
  totals: z.object(stageFigures),
  largestCustomerShare: ratio,
  currency: z.string().optional().meta({ description: 'The currency of its revenue figures; absent in plans made before it was kept.' }),
  largestCustomerId: z.string().nullable().optional(),
  confirmedReleased: count.optional().meta({ description: 'Confirmed units the plan takes back from lines; absent in plans made before it was kept.' }),
  capPercent: z.number().optional(),
  exceptions: z.array(z.string()).meta({ description: 'Lines the policy says must be served in full that the pool cannot serve (first 20).' }),
  exceptionCount: count.optional(),
  customersToTell: count.optional().meta({ description: 'Customers the shortage touches (backordered, substituted or a confirmation taken back), whom the first notice tells; the others are served in full.' }),
  overrides: count,
});

export const PlanComparisonSchema = z.object({
  current: PlanSummarySchema,
  simulated: PlanSummarySchema,
  difference: z
    .array(z.object({ stage: z.string(), allocated: z.number(), substituted: z.number(), backordered: z.number(), fillRate: z.number(), customersWithNothing: z.number() }))
    .meta({ description: 'Per relationship stage: simulated minus current.' }),
});

export const SimulationSchema = PlanComparisonSchema.extend({
  simulationId: z.string().meta({ description: "Names the what-if plan: read it line by line with `?simulation=` on the plan endpoints." }),
});

const PlanPreviewStateSchema = z.object({ plan: PlanSummarySchema, basedOn: count, previewedBy: z.string(), previewedAt: timestamp });

// ---- the plan line by line ----

const PlanLineViewSchema = z.object({
  position: count.meta({ description: 'Place in the priority order, 1 first.' }),
  lineId: z.string(),
  orderId: z.string(),
  customer: z.object({ customerId: z.string(), name: z.string().nullable(), stage: z.string(), critical: z.boolean() }),
  requestedDate: day,
  requested: count,
  allocated: count.meta({ description: 'Units of the short SKU, a kept confirmation included.' }),
  substitute: count.meta({ description: 'Units of the short SKU that substitutes stand in for.' }),
  substitutes: z.array(z.object({ sku: z.string(), units: count, covers: count })),
  backordered: count,
  held: count.meta({ description: 'Units confirmed for the line before the incident.' }),
  change: z.number().int().meta({ description: 'allocated − held: what the plan changes to what the line held.' }),
  releasedConfirmation: count,
  outcome: z.enum(PLAN_LINE_OUTCOMES),
  reasons: z.array(z.object({ code: z.enum(REASON_CODES), words: z.string() })),
  override: z.object({ allocate: count, reason: z.string().nullable() }).nullable(),
  exception: z.string().nullable(),
});

const planRef = {
  revision: count,
  simulationId: z.string().nullable().meta({ description: 'Set for a what-if plan; `revision` is then the plan it was simulated beside.' }),
};
const PlanRefSchema = z.object(planRef);
const paged = { nextCursor: z.string().nullable().meta({ description: 'Give it as `cursor` for the next page; null on the last.' }), total: count };

const PlanRationingSchema = z
  .object({
    periodDays: count,
    periods: count,
    released: count.meta({ description: 'Periods released so far.' }),
    until: day.meta({ description: 'The inbound ETA the periods run until.' }),
    periodStarts: z.array(timestamp),
    customersWithNothing: z.array(count).meta({ description: 'Per period, rationed customers with no allotment and no stock of their own lasting it.' }),
    customers: z.array(z.object({ customerId: z.string(), share: count, allotments: z.array(count).meta({ description: 'Units released at the start of each period, period 1 first.' }) })),
  })
  .optional()
  .meta({ description: "Rationing over the period: the allotments of the page's customers per period; only for the committed plan of an incident that rations it." });

export const PlanLinesPageSchema = z.object({
  incidentId: z.string(),
  ...planRef,
  policyName: z.string().nullable(),
  rationing: PlanRationingSchema,
  lines: z.array(PlanLineViewSchema),
  ...paged,
});

const PlanCustomerViewSchema = z.object({
  ...PlanLineViewSchema.shape.customer.shape,
  position: count,
  requested: count,
  allocated: count,
  substitute: count,
  backordered: count,
  lines: z.array(PlanLineViewSchema),
});

export const PlanCustomersPageSchema = z.object({ incidentId: z.string(), ...planRef, rationing: PlanRationingSchema, customers: z.array(PlanCustomerViewSchema), ...paged });

const ComparedLineSchema = z.object({
  lineId: z.string(),
  customerId: z.string(),
  name: z.string().nullable(),
  stage: z.string(),
  position: count,
  change: z.enum(LINE_CHANGES),
  allocatedFrom: count,
  allocatedTo: count,
  substituteFrom: count,
  substituteTo: count,
  backorderedFrom: count,
  backorderedTo: count,
  delta: z.number().int().meta({ description: 'Units served in the second plan minus the first.' }),
});

const served = { requested: count, servedFrom: count, servedTo: count, delta: z.number().int(), fillRateFrom: ratio, fillRateTo: ratio };
const StageChangeSchema = z.object({ stage: z.string(), lines: count, improved: count, worse: count, unchanged: count, ...served });
const CustomerChangeSchema = z.object({ ...PlanLineViewSchema.shape.customer.shape, change: z.enum(LINE_CHANGES), ...served });

export const PlanComparisonPageSchema = z.object({
  incidentId: z.string(),
  from: PlanRefSchema,
  to: PlanRefSchema,
  lines: z.array(ComparedLineSchema),
  ...paged,
  summary: z.array(StageChangeSchema).meta({ description: 'Per relationship stage, over every line whatever the filters.' }),
});

export const OverridePreviewSchema = z.object({
  incidentId: z.string(),
  revision: count.meta({ description: 'The revision the preview made: approve it by this number.' }),
  basedOn: count,
  previewedBy: z.string(),
  plan: PlanSummarySchema,
  impact: z.object({ perStage: z.array(StageChangeSchema), perCustomer: z.array(CustomerChangeSchema) }),
  changedLines: z.array(ComparedLineSchema).meta({ description: 'Lines served otherwise than in the revision changed, in priority order: the first 500.' }),
  changedLineCount: count,
});

export const ApprovalStateSchema = z.object({
  required: z.boolean(),
  status: z.enum(['not-required', 'pending', 'approved', 'rejected', 'auto-approved', 'escalated']),
  deadline: timestamp.nullable(),
  decidedBy: z.string().nullable(),
  comment: z.string().nullable(),
});

const TimelineEntrySchema = z.object({ at: timestamp, event: z.string(), detail: z.string().optional() });

const ReportScopeSchema = z.enum(REPORT_SCOPES).meta({
  description: 'What the report covers: a committed plan, a cancellation before commit (no commit figures, losses, ageing or fill rate), or a false alarm (the cover only).',
});
const notCommitted = 'null when nothing was committed (a false alarm, a cancellation before commit)';

const ReportSummarySchema = z.object({
  reportRef: z.string(),
  outcome: z.enum(['closed', 'false-alarm', 'cancelled']),
  scope: ReportScopeSchema.optional().meta({ description: 'Absent in summaries made before it was kept.' }),
  fillRate: ratio.nullable().meta({ description: `0 to 1; ${notCommitted}` }),
  revenueProtected: amount.nullable().meta({ description: notCommitted }),
  revenueAtRisk: amount.nullable().meta({ description: notCommitted }),
  firstNoticeAfterMinutes: z.number().nullable(),
  recommendations: z.array(z.string()),
});

const ImpactSummarySchema = z.object({
  shortage: z.number(),
  available: z.number(),
  demand: z.number(),
  affectedLines: count,
  affectedCustomers: count,
  affectedAccountManagers: count,
  revenueAtRisk: amount,
  gapDays: z.number().nullable(),
  daysOfCover: z.number().nullable(),
  asOf: day,
  snapshotAt: timestamp.optional(),
  nextInboundEta: day.nullable(),
  inboundEtas: z.record(z.string(), day).optional(),
  timeZone: z.string().optional(),
  locationIds: z.array(z.string()).optional(),
  severity: SeveritySchema,
  snapshotRef: z.string(),
});

export const IncidentStateSchema = z.object({
  incidentId: z.string(),
  sku: z.string(),
  network: z.string(),
  stage: StageSchema,
  severity: SeveritySchema,
  openedAt: timestamp,
  triggers: z.array(TriggerSchema),
  impact: ImpactSummarySchema.nullable(),
  pooling: z
    .object({
      hubId: z.string(),
      hubFree: z.number(),
      pooled: count,
      pool: z.number(),
      transfers: z.array(
        z.object({
          transferId: z.string(),
          fromLocationId: z.string(),
          toLocationId: z.string(),
          quantity: count,
          status: z.enum(['created', 'shipped', 'received', 'cancelled']),
        }),
      ),
    })
    .nullable(),
  substitutes: z.array(z.object({ sku: z.string(), ratio: z.number(), priceDelta: z.number(), available: z.number(), packSize: count })),
  plan: PlanSummarySchema.nullable(),
  previews: z.array(PlanPreviewStateSchema).optional().meta({ description: 'Previews of the plan awaiting approval, newest last: approve one by its revision.' }),
  latestRevision: count.optional(),
  approval: ApprovalStateSchema,
  commit: z
    .object({
      reservedLines: count,
      reservedUnits: count,
      backorderedLines: count,
      backorderedUnits: count,
      substituteUnits: count,
      credits: count,
    })
    .nullable(),
  deliveries: z.array(z.object({ kind: z.string(), revision: count, sent: count, skipped: count, rejected: count, digests: count })),
  backorders: z.object({ openLines: count, openUnits: count, fulfilledUnits: count, cancelledUnits: count }).nullable(),
  timeline: z.array(TimelineEntrySchema).meta({ description: 'Most recent entries; `timelineDropped` counts older ones kept only in the report.' }),
  timelineDropped: count,
  attention: z.object({ stage: StageSchema, reason: z.string(), since: timestamp, command: z.string().optional() }).nullable(),
  report: ReportSummarySchema.nullable(),
  firstNoticeAt: timestamp.nullable(),
  receiptsApplied: z.array(z.string()),
  restockRounds: count,
  orderRounds: count.optional().meta({ description: 'Order rounds that planned lines placed or changed during the incident; absent in earlier incidents.' }),
  orderCursor: z.string().nullable().optional().meta({ description: "The inventory system's change feed position after the last order round." }),
  answersApplied: z.array(z.string()),
  rationing: z
    .object({
      rationRef: z.string(),
      periods: count,
      periodDays: count,
      released: count,
      nextAt: timestamp.nullable(),
      customers: count,
      units: count,
    })
    .nullable()
    .optional()
    .meta({ description: 'Rationing over the period (policy.rationing.periodDays): periods released so far and when the next starts; absent or null when not rationed.' }),
  pendingEvents: count,
  etaRevision: count,
  inboundEtas: z.record(z.string(), day).optional(),
  statusRevision: count,
  escalatedAt: timestamp.nullable(),
  cancelRequested: z.object({ reason: z.string(), cancelledBy: z.string() }).nullable(),
});

const stageOutcome = {
  customers: count,
  requested: count,
  servedAtOnce: count,
  backorderedAtCommit: count,
  fillRateAtCommit: ratio,
  customersWithNothingAtCommit: count,
  servedInPeriods: count.optional().meta({ description: "A rationed share's units reserved by the ration periods after the first; absent in reports from before rationing." }),
  servedLater: count,
  substitutedLater: count,
  cancelled: count,
  unserved: count,
  fillRate: ratio,
  customersWithNothing: count,
  revenueAtRisk: amount,
  revenueProtected: amount,
  revenueLost: amount,
};

const reportCommon = {
  incidentId: z.string(),
  sku: z.string(),
  network: z.string(),
  outcome: ReportSummarySchema.shape.outcome,
  openedAt: timestamp,
  closedAt: timestamp,
  severity: SeveritySchema,
  currency: z.string().nullable(),
  timeline: z.array(TimelineEntrySchema),
  recommendations: z.array(z.string()),
};
const EtaSlipSchema = z.object({ poId: z.string(), originalEta: day, finalEta: day, slipDays: z.number() });

const FalseAlarmReportSchema = z.object({
  ...reportCommon,
  scope: z.literal('false-alarm'),
  cover: z.object({ demand: count, available: count, spare: count.meta({ description: 'available − demand' }) }),
});

const UncommittedReportSchema = z.object({
  ...reportCommon,
  scope: z.literal('not-committed'),
  shortage: z.number(),
  plannedRevision: count.nullable(),
  cancellation: z.object({ reason: z.string(), cancelledBy: z.string() }).nullable(),
  etaSlips: z.array(EtaSlipSchema),
});

const CommittedReportSchema = z.object({
  ...reportCommon,
  scope: z.literal('committed').optional().meta({ description: 'Absent in reports stored before scopes were kept.' }),
  shortage: z.number(),
  assessedRevenueAtRisk: amount,
  overall: z.object(stageOutcome),
  byStage: z.array(z.object({ stage: z.string(), ...stageOutcome })),
  firstNoticeAfterMinutes: z.number().nullable(),
  largestCustomer: z.object({ customerId: z.string(), units: count }).nullable(),
  largestCustomerShare: ratio,
  backorderAgeing: z.array(z.object({ bucket: z.string(), lines: count, units: count })),
  backorderBurnDown: z
    .array(z.object({ at: timestamp, openUnits: count }))
    .optional()
    .meta({ description: 'Open backordered units at commit, after each restock round and at closing; absent in earlier reports.' }),
  customerShares: z
    .array(z.object({ customerId: z.string(), stage: z.string(), units: count, share: ratio }))
    .optional()
    .meta({ description: "The customers that got the most at commit, each with its share of the supply; absent in earlier reports." }),
  capPercent: z.number().nullable().optional().meta({ description: 'The concentration cap the plan was made with, in percent.' }),
  restockRounds: count,
  etaSlips: z.array(EtaSlipSchema),
  networkBuffer: z
    .object({
      hubId: z.string(),
      units: count,
      dailyDemand: z.number(),
      gap: z.object({ days: z.number(), until: z.enum(['last-backorder-closed', 'final-eta']) }),
      uncapped: z.number(),
      cap: count,
      hubSafetyStock: z.number(),
    })
    .nullable(),
});

const IncidentReportSchema = z.union([CommittedReportSchema, UncommittedReportSchema, FalseAlarmReportSchema]);

export const IncidentReportViewSchema = z.object({
  workflowId: z.string(),
  summary: ReportSummarySchema,
  report: IncidentReportSchema.nullable().meta({ description: 'The full post-incident report, when the incident store is available.' }),
});

/** Compiles only when the two types are assignable both ways and have the same keys (optional ones too). */
type Same<A, B> = [A, keyof A] extends [B, keyof B] ? ([B, keyof B] extends [A, keyof A] ? true : false) : false;
type Describes<S extends z.ZodType, T> = Same<z.output<S>, T>;
const _describesEachReply: [
  Describes<typeof TriggerResultSchema, TriggerResult>,
  Describes<typeof CommandResultSchema, CommandResult>,
  Describes<typeof IncidentListSchema, { incidents: IncidentListItem[] }>,
  Describes<typeof PlanSummarySchema, PlanSummary>,
  Describes<typeof PlanComparisonSchema, PlanComparison>,
  Describes<typeof SimulationSchema, Simulation>,
  Describes<typeof PlanPreviewStateSchema, PlanPreview>,
  Describes<typeof PlanLineViewSchema, PlanLineView>,
  Describes<typeof PlanLinesPageSchema, PlanLinesPage>,
  Describes<typeof PlanCustomerViewSchema, PlanCustomerView>,
  Describes<typeof PlanCustomersPageSchema, PlanCustomersPage>,
  Describes<typeof ComparedLineSchema, ComparedLine>,
  Describes<typeof StageChangeSchema, StageChange>,
  Describes<typeof CustomerChangeSchema, CustomerChange>,
  Describes<typeof PlanComparisonPageSchema, PlanComparisonPage>,
  Describes<typeof OverridePreviewSchema, OverridePreview>,
  Describes<typeof ApprovalStateSchema, ApprovalState>,
  Describes<typeof TimelineEntrySchema, TimelineEntry>,
  Describes<typeof ImpactSummarySchema, ImpactSummary>,
  Describes<typeof ReportSummarySchema, ReportSummary>,
  Describes<typeof IncidentStateSchema, IncidentState>,
  Describes<typeof IncidentReportSchema, IncidentReport>,
  Describes<typeof IncidentReportViewSchema, IncidentReportView>,
] = [true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true, true];
