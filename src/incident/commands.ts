// What people and systems send to an incident: one zod schema each, shared by the workflow's update
// validators, the HTTP API and the CLI, so bad input is refused with the same field-naming error everywhere.
// Imported by workflow code: keep it pure.
import { z } from 'zod';

const isoDate = z.iso.date({ error: 'must be a date YYYY-MM-DD' });
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
  allocate: z.number().int().nonnegative(),
});
export type PlanOverride = z.infer<typeof PlanOverrideSchema>;

export const PlanDecisionSchema = z.discriminatedUnion('decision', [
  z.object({
    decision: z.literal('approve'),
    planRevision: z.number().int().nonnegative(),
    decidedBy: id,
    overrides: z.array(PlanOverrideSchema).max(5000).default([]),
    comment: z.string().max(2000).optional(),
  }),
  z.object({
    decision: z.literal('reject'),
    planRevision: z.number().int().nonnegative(),
    decidedBy: id,
    comment: z.string().trim().min(1, 'a rejection needs a reason').max(2000),
  }),
]);
export type PlanDecision = z.infer<typeof PlanDecisionSchema>;

export const RestockSchema = z.object({
  receiptId: id,
  quantity: z.number().int().positive(),
  locationId: id.optional(),
  poId: id.optional(),
});
export type Restock = z.infer<typeof RestockSchema>;

export const EtaChangeSchema = z.object({
  poId: id,
  eta: isoDate,
  reason: z.string().max(500).optional(),
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

export const CustomerAnswerSchema = z.discriminatedUnion('answer', [
  z.object({ answer: z.literal('accept-substitute'), ...answerOf }),
  z.object({ answer: z.literal('cancel'), ...answerOf }),
  z.object({
    answer: z.literal('can-wait'),
    ...answerOf,
    onHand: z.number().int().nonnegative().optional(),
    dailyUsage: z.number().positive().optional(),
  }),
]);
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

/** A zod error as one line naming each field: what API, CLI and update validators answer. */
export function describeIssues(error: z.ZodError, root = 'input'): string {
  return error.issues
    .map((issue) => `${[root, ...issue.path.map(String)].join('.')}: ${issue.message}`)
    .join('; ');
}

/** Parses or throws an Error whose message names the offending fields. */
export function parseOrThrow<T>(schema: z.ZodType<T>, value: unknown, root = 'input'): T {
  const result = schema.safeParse(value);
  if (!result.success) throw new Error(describeIssues(result.error, root));
  return result.data;
}
