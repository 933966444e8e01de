// The CRM's contract: zod schemas are the single source of truth for the HTTP API, the client's reply
// validation, the reference service's request validation and the OpenAPI document.
import { z } from 'zod';
import { IdSchema, IdempotencyKeySchema, MAX_BATCH, MAX_PAGE, TimestampSchema } from '../inventory/contract';

/**
 * The five standard relationship stages of the key-account literature: the default policy's and the
 * generated datasets'. Stages are data: a company names its own 4–8 in its CRM and in its allocation policy,
 * so the contract takes any name and the policy says what each one means.
 */
export const DEFAULT_STAGES = ['exploratory', 'basic', 'cooperative', 'interdependent', 'integrated'] as const;
export type DefaultStage = (typeof DEFAULT_STAGES)[number];
export const StageSchema = z.string().trim().min(1).max(50);

/** The contact role that receives shortage and backorder notices (see `roles`). */
export const SUPPLY_NOTICE_ROLE = 'supply-notices';

export const ContactSchema = z.object({
  name: z.string().min(1),
  email: z.email(),
  /** A number a person dials, as the CRM writes it. */
  phone: z.string().min(1).max(40).optional(),
  /** What the contact is for, e.g. `supply-notices` (who is told of shortages), `billing`; absent when the CRM keeps none. */
  roles: z.array(z.string().min(1).max(50)).max(20).optional(),
});

export const ReportedStockSchema = z.object({
  sku: IdSchema,
  quantity: z.number().int().min(0),
  dailyUsage: z.number().min(0),
  reportedAt: TimestampSchema,
});

/**
 * A person's BCP 47 tag (e.g. `de-DE`) and IANA zone (e.g. `Europe/Berlin`), as the CRM writes them: shapes only, since
 * a CRM may hold POSIX names (`de_DE.UTF-8`) or zones the runtime does not know; the notices read them (notifications/model.ts).
 */
const LocaleSchema = z.string().min(2);
const TimeZoneSchema = z.string().min(1);

export const CustomerSchema = z.object({
  customerId: IdSchema,
  name: z.string().min(1),
  stage: StageSchema,
  /** Life-safety or otherwise critical supply: served first whatever the stage. */
  critical: z.boolean(),
  acceptsSubstitutes: z.boolean(),
  acceptsPartial: z.boolean(),
  contacts: z.array(ContactSchema),
  locale: LocaleSchema.nullable(),
  timeZone: TimeZoneSchema.nullable(),
  accountManagerId: IdSchema,
  revenue12m: z.number().finite().min(0),
  margin12m: z.number().finite(),
  /** Stock the customer says it still holds, per SKU. */
  reportedStock: z.array(ReportedStockSchema),
});

export const AccountManagerSchema = z.object({
  accountManagerId: IdSchema,
  name: z.string().min(1),
  email: z.email(),
  /** The number customers call, as the CRM writes it; null when it has none. */
  phone: z.string().min(1).max(40).nullable().optional(),
  /** The language and zone the manager's digests are written in; absent or null (a CRM that keeps none): English, UTC. */
  locale: LocaleSchema.nullable().optional(),
  timeZone: TimeZoneSchema.nullable().optional(),
  accountIds: z.array(IdSchema),
});

export const CommunicationOutcomeSchema = z.enum(['sent', 'rejected', 'failed']);
export const CommunicationSchema = z.object({
  communicationId: IdSchema,
  incidentId: IdSchema,
  recipient: z.string().min(1),
  customerId: IdSchema.nullable(),
  accountManagerId: IdSchema.nullable(),
  kind: z.string().min(1),
  messageId: z.string().min(1),
  outcome: CommunicationOutcomeSchema,
  detail: z.string().nullable(),
  recordedAt: TimestampSchema,
});

export const CreditSchema = z.object({
  creditId: IdSchema,
  incidentId: IdSchema,
  customerId: IdSchema,
  amount: z.number().positive(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be a three-letter ISO 4217 code'),
  reason: z.string(),
  grantedAt: TimestampSchema,
});

// ---- requests ----

const Keyed = { idempotencyKey: IdempotencyKeySchema };
const Cursor = z.string().min(1).max(500);

export const GetCustomersRequestSchema = z.object({ customerIds: z.array(IdSchema).min(1).max(MAX_BATCH) });
export const GetAccountManagersRequestSchema = z.object({ accountManagerIds: z.array(IdSchema).min(1).max(MAX_BATCH) });

export const RecordCommunicationRequestSchema = z.object({
  ...Keyed,
  incidentId: IdSchema,
  recipient: z.string().min(1).max(500),
  customerId: IdSchema.optional(),
  accountManagerId: IdSchema.optional(),
  kind: z.string().min(1).max(100),
  messageId: z.string().min(1).max(500),
  outcome: CommunicationOutcomeSchema,
  detail: z.string().max(2000).optional(),
});
/** Communications logged in one request: each item once per its own key, the whole batch one transaction. */
export const RecordCommunicationsRequestSchema = z.object({ items: z.array(RecordCommunicationRequestSchema).min(1).max(MAX_BATCH) });
const MessageIdSchema = z.string().min(1).max(500);
export const FindCommunicationQuerySchema = z.object({ messageId: MessageIdSchema });
export const FindCommunicationsRequestSchema = z.object({ messageIds: z.array(MessageIdSchema).min(1).max(MAX_BATCH) });
export const ListCommunicationsQuerySchema = z.object({
  incidentId: IdSchema,
  cursor: Cursor.optional(),
  limit: z.coerce.number().int().min(1).max(MAX_PAGE),
});
export const CommunicationPageSchema = z.object({ communications: z.array(CommunicationSchema), nextCursor: Cursor.nullable() });

export const GrantCreditRequestSchema = z.object({
  ...Keyed,
  incidentId: IdSchema,
  customerId: IdSchema,
  amount: z.number().positive().max(1e9),
  currency: CreditSchema.shape.currency,
  reason: z.string().min(1).max(500),
});
/** Credits for many customers in one request: each item applied once per its own key, the whole batch one transaction. */
export const GrantCreditsRequestSchema = z.object({ items: z.array(GrantCreditRequestSchema).min(1).max(MAX_BATCH) });
export const ListCreditsQuerySchema = z.object({ incidentId: IdSchema });

export const ReportCustomerStockRequestSchema = z.object({
  ...Keyed,
  customerId: IdSchema,
  sku: IdSchema,
  quantity: z.number().int().min(0),
  dailyUsage: z.number().min(0),
});

export type Stage = z.infer<typeof StageSchema>;
export type Contact = z.infer<typeof ContactSchema>;
export type ReportedStock = z.infer<typeof ReportedStockSchema>;
export type Customer = z.infer<typeof CustomerSchema>;
export type AccountManager = z.infer<typeof AccountManagerSchema>;
export type CommunicationOutcome = z.infer<typeof CommunicationOutcomeSchema>;
export type Communication = z.infer<typeof CommunicationSchema>;
export type Credit = z.infer<typeof CreditSchema>;
export type RecordCommunicationRequest = z.infer<typeof RecordCommunicationRequestSchema>;
export type RecordCommunicationsRequest = z.infer<typeof RecordCommunicationsRequestSchema>;
export type ListCommunicationsQuery = z.infer<typeof ListCommunicationsQuerySchema>;
export type CommunicationPage = z.infer<typeof CommunicationPageSchema>;
export type GrantCreditRequest = z.infer<typeof GrantCreditRequestSchema>;
export type GrantCreditsRequest = z.infer<typeof GrantCreditsRequestSchema>;
export type ReportCustomerStockRequest = z.infer<typeof ReportCustomerStockRequestSchema>;
