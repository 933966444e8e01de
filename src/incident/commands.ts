// What people and systems send to an incident: one zod schema each, shared by the workflow's update
// validators, the HTTP API and the CLI, so bad input is refused with the same field-naming error everywhere.
// Imported by workflow code: keep it pure.
import { z } from 'zod';
// Loading it also gives every parse of these schemas its messages in words ("required", "must be a whole number").
import '../validation/issues';
import { DemandLineChangeKindSchema } from '../inventory/contract';
import { ANSWER_KIND_NAMES, ANSWER_KINDS, type AnswerKind } from './answer-kinds';
import { MAX_UNITS, units } from './units';

export { MAX_UNITS };

const isoDate = z.iso.date();
const id = z.string().trim().min(1).max(200);
// SKU and network make up the incident workflow id `stockout:<network>:<sku>`: without ':' no two pairs
// share an id, and the rest keeps ids safe in URLs, logs, email headers and visibility queries.
const code = id.regex(/^[A-Za-z0-9][A-Za-z0-9._/-]*$/, 'must start with a letter or digit and hold only letters, digits, ".", "_", "-" and "/"');


export const TriggerSchema = z.object({
  triggerId: id,
  sku: code,
  network: code,
  source: z.enum(['manual', 'webhook', 'scan']),
  reason: z.string().trim().min(1).max(500),
  requestedBy: z.string().trim().min(1).max(200).optional(),
  expectedRestock: isoDate.optional(),
  /** The on-hand stock the sender reported (a webhook's `onHand`): news after a false alarm only when materially lower (src/incident/reopen.ts). */
  onHand: z.number().int().optional(),
});
export type Trigger = z.infer<typeof TriggerSchema>;

export const PlanOverrideSchema = z.object({
  lineId: id,
  allocate: units.nonnegative(),
  /** Why the planner pins the line; required when the pin lowers what the plan being changed gives it. */
  reason: z.string().trim().min(1).max(500).optional(),
});
export type PlanOverride = z.infer<typeof PlanOverrideSchema>;

export const PlanDecisionSchema = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('approve'),
    planRevision: z.number().int().nonnegative(),
    decidedBy: id,
    overrides: z.array(PlanOverrideSchema).max(5000).default([]),
    comment: z.string().max(2000).optional(),
    /**
     * Overrides revise the plan, and a revised plan needs its own approval (preview it, then approve the
     * revision the preview made): true approves the revision they make without anyone having seen it.
     */
    approveRevisedPlan: z.boolean().optional(),
  }),
  z.object({
    decision: z.literal('reject'),
    planRevision: z.number().int().nonnegative(),
    decidedBy: id,
    comment: z.string().trim().min(1, 'a rejection needs a reason').max(2000),
  }),
]);
export type PlanDecision = z.infer<typeof PlanDecisionSchema>;

/** A planner's overrides on a plan revision, computed and stored as a new revision that commits nothing. */
export const PlanPreviewSchema = z.object({
  /** The revision the overrides change: the plan awaiting approval or one of its previews. */
  planRevision: z.number().int().nonnegative(),
  /** Added to the overrides the revision already has; one on the same line replaces it. */
  overrides: z.array(PlanOverrideSchema).min(1).max(5000),
  previewedBy: id,
});
export type PlanPreviewRequest = z.infer<typeof PlanPreviewSchema>;

/** The person who recorded a restock or ETA change for the timeline; absent when the inventory system reported it. */
const recordedBy = id.optional();

export const RestockSchema = z.object({
  receiptId: id,
  quantity: units.positive(),
  locationId: id.optional(),
  poId: id.optional(),
  recordedBy,
});
export type Restock = z.infer<typeof RestockSchema>;

/** The inventory system tells that orders of the SKU in the network were placed, changed or cancelled: the incident reads them now. */
export const OrderEventSchema = z.object({
  eventId: id,
  sku: code,
  network: code,
  /** The line the event is about, for the timeline; the incident reads every change since its last look anyway. */
  lineId: id.optional(),
  change: DemandLineChangeKindSchema.optional(),
});
export type OrderEvent = z.infer<typeof OrderEventSchema>;

export const EtaChangeSchema = z.object({
  poId: id,
  eta: isoDate,
  reason: z.string().max(500).optional(),
  recordedBy,
});
export type EtaChange = z.infer<typeof EtaChangeSchema>;

const answerOf = {
  answerId: id,
  customerId: id,
  lineId: id,
  /**
   * The incident the answer was asked by (answer links carry it): the workflow id is reused by the SKU's next
   * incident, which must refuse it. Optional: answers taken by phone, and recorded histories, have none.
   */
  incidentId: z.string().trim().min(1).max(500).optional(),
};

/** Each kind's answer: what every answer carries and the kind's own fields. */
type AnswerSchemas = { [K in AnswerKind]: z.ZodObject<Shape<{ answer: z.ZodLiteral<K> } & typeof answerOf & (typeof ANSWER_KINDS)[K]['fields']>> };
/** A shape zod accepts: it cannot tell an intersection still open in `K` is one. */
type Shape<T> = Extract<T, z.core.$ZodShape>;
type AnyAnswerSchema = AnswerSchemas[AnswerKind];
const answerSchema = (kind: AnswerKind) => z.object({ answer: z.literal(kind), ...answerOf, ...ANSWER_KINDS[kind].fields });

/** One member per answer kind; the cast keeps each member's own type, which `map` would merge into one. */
type AnswerMembers = [AnyAnswerSchema, ...AnyAnswerSchema[]];
export const CustomerAnswerSchema = z.discriminatedUnion('answer', ANSWER_KIND_NAMES.map(answerSchema) as unknown as AnswerMembers);
export type CustomerAnswer = z.infer<typeof CustomerAnswerSchema>;

export const CancelSchema = z.object({
  reason: z.string().trim().min(1).max(500),
  cancelledBy: id,
});
export type Cancel = z.infer<typeof CancelSchema>;

export const ResumeSchema = z.object({
  resumedBy: id,
  note: z.string().max(2000).optional(),
});
export type Resume = z.infer<typeof ResumeSchema>;

// The workflow's update validators import the schemas and their parse helper together.
export { parseOrThrow } from '../validation/issues';
/** A person drops the restock, ETA change or answer whose write parked the incident, saying why. */
export const WithdrawSchema = z.object({
  withdrawnBy: id,
  reason: z.string().trim().min(1, 'say why the command is withdrawn').max(500),
});
export type Withdraw = z.infer<typeof WithdrawSchema>;
