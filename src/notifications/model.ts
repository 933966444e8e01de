// Notification data model: what the workflow tells a customer or an account manager, validated at the
// boundary so a bad value is refused with the field named before anything is rendered or sent.
import { createHash } from 'node:crypto';
import { z } from 'zod';

export const NOTICE_KINDS = [
  'first-notice',
  'eta-change',
  'backorder-shipped',
  'status-update',
  'incident-closed',
  'incident-cancelled',
] as const;
export const NoticeKindSchema = z.enum(NOTICE_KINDS);
export type NoticeKind = z.infer<typeof NoticeKindSchema>;
/** Everything the mailer sends: the notices plus the escalation to planners. */
export const MessageKindSchema = z.enum([...NOTICE_KINDS, 'escalation']);
export type MessageKind = z.infer<typeof MessageKindSchema>;

// CR/LF in an address is the classic header-injection vector; zod's email check refuses it too, the
// explicit check keeps that guarantee if the email rule is ever loosened.
export const EmailAddressSchema = z
  .email()
  .max(254)
  .refine((value) => !/[\r\n]/.test(value), { message: 'email address must not contain CR or LF' });

// Links in the email are clickable, so only http(s): a `javascript:` URL would run in some clients.
const LinkSchema = z.url({ protocol: /^https?$/ }).max(2048);

// A calendar date (`2025-03-10`) or an instant with an offset; instants are shown in the reader's time zone.
export const DateValueSchema = z.union([z.iso.date(), z.iso.datetime({ offset: true })]);

const LocaleSchema = z.string().min(2).max(35).refine(isSupportedLocale, { message: 'unknown locale' });
const TimeZoneSchema = z.string().min(1).max(64).refine(isKnownTimeZone, { message: 'unknown IANA time zone' });
const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code, e.g. EUR');

/** Single-line text that ends up in a table cell or a sentence; control characters are neutralised at render time. */
const Label = (max: number) => z.string().min(1).max(max);

export const CustomerSchema = z.object({
  customerId: Label(100),
  name: Label(200),
  email: EmailAddressSchema,
  locale: LocaleSchema.optional(),
  timeZone: TimeZoneSchema.optional(),
});

const quantity = z.number().int().nonnegative();

export const SubstituteOfferSchema = z.object({
  sku: Label(100),
  description: z.string().max(300).optional(),
  quantity: z.number().int().positive(),
  /** Price difference per unit against the original SKU, in the notice's currency. */
  priceDelta: z.number().finite(),
});

export const NoticeLineSchema = z.object({
  orderId: Label(100),
  lineId: Label(100),
  requested: quantity,
  /** Quantity shipping with this event (the first allocation, or the restock a backorder-shipped notice announces). */
  shipNow: quantity,
  shipDate: DateValueSchema.optional(),
  backordered: quantity,
  expectedDate: DateValueSchema.optional(),
  substitute: SubstituteOfferSchema.optional(),
});

export const CustomerNoticeSchema = z.object({
  incidentId: Label(200),
  kind: NoticeKindSchema,
  revision: z.number().int().nonnegative(),
  customer: CustomerSchema,
  sku: Label(100),
  skuDescription: z.string().max(300),
  /** Currency of the substitute price deltas; without it a delta is shown as a plain signed number. */
  currency: CurrencySchema.optional(),
  lines: z.array(NoticeLineSchema).min(1).max(500),
  /** Set on the notice that announces the credit (usually the first), not repeated on every update. */
  compensation: z
    .object({ kind: z.literal('credit'), amount: z.number().positive().finite(), currency: CurrencySchema })
    .optional(),
  answerLinks: z
    .object({ acceptSubstitute: LinkSchema.optional(), cancel: LinkSchema.optional(), canWait: LinkSchema.optional() })
    .optional(),
  previousExpectedDate: DateValueSchema.optional(),
});
export type CustomerNotice = z.infer<typeof CustomerNoticeSchema>;
export type NoticeLine = z.infer<typeof NoticeLineSchema>;

export const DigestAccountSchema = z.object({
  customerId: Label(100),
  name: Label(200),
  stage: Label(60),
  shipNow: quantity,
  backordered: quantity,
  expectedDate: DateValueSchema.optional(),
  substituteOffered: z.boolean(),
  outcome: z.enum(['sent', 'rejected', 'pending']),
});

export const AccountManagerDigestSchema = z
  .object({
    incidentId: Label(200),
    kind: NoticeKindSchema,
    revision: z.number().int().nonnegative(),
    accountManager: z.object({
      accountManagerId: Label(100),
      name: Label(200),
      email: EmailAddressSchema,
      locale: LocaleSchema.optional(),
      timeZone: TimeZoneSchema.optional(),
    }),
    sku: Label(100),
    skuDescription: z.string().max(300).optional(),
    accounts: z.array(DigestAccountSchema).min(1).max(2000),
    /** Customer ids the account manager should call before (or instead of relying on) the email. */
    personalHeadsUp: z.array(Label(100)).max(2000),
  })
  .superRefine((digest, ctx) => {
    const known = new Set(digest.accounts.map((a) => a.customerId));
    digest.personalHeadsUp.forEach((customerId, i) => {
      if (!known.has(customerId)) {
        ctx.addIssue({ code: 'custom', path: ['personalHeadsUp', i], message: 'customer id is not among the digest accounts' });
      }
    });
  });
export type AccountManagerDigest = z.infer<typeof AccountManagerDigestSchema>;

/** A decision or an SLA that needs a planner: the approval deadline passed, or backorders outlived the SLA. */
export const EscalationSchema = z.object({
  incidentId: Label(200),
  workflowId: Label(200),
  /** 0 for the approval escalation, 1 for the SLA one: each is sent once. */
  revision: z.number().int().nonnegative(),
  planner: z.object({ name: Label(200), email: EmailAddressSchema }),
  sku: Label(100),
  network: Label(100),
  stage: Label(60),
  severity: Label(20),
  reason: Label(500),
  openBackorderUnits: quantity.optional(),
  affectedCustomers: quantity.optional(),
});
export type Escalation = z.infer<typeof EscalationSchema>;

export interface MessageIdentity {
  incidentId: string;
  /**
   * Stable identity of the recipient, e.g. `customer:C-17` (see `recipientKey`). Deliberately not the
   * address: a corrected address in the CRM must not turn an already-sent notice into a second one.
   */
  recipient: string;
  kind: string;
  revision: number;
}

export function recipientKey(role: 'customer' | 'account-manager', id: string): string {
  return `${role}:${id}`;
}

/** Human-readable idempotency key of one communication, also the input of its Message-ID. */
export function idempotencyKeyFor(identity: MessageIdentity): string {
  return ['notify', identity.incidentId, identity.kind, `r${identity.revision}`, identity.recipient].join('|');
}

export const MESSAGE_ID_DOMAIN = 'stockout-orchestrator';

/** Deterministic RFC 5322 Message-ID: the same communication always gets the same id, across retries and workers. */
export function messageIdFor(identity: MessageIdentity): string {
  const hash = createHash('sha256').update(idempotencyKeyFor(identity)).digest('hex').slice(0, 40);
  return `<${hash}@${MESSAGE_ID_DOMAIN}>`;
}

function isSupportedLocale(locale: string): boolean {
  try {
    return Intl.DateTimeFormat.supportedLocalesOf([locale]).length > 0;
  } catch {
    return false; // RangeError for a malformed tag
  }
}

function isKnownTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone });
    return true;
  } catch {
    return false;
  }
}
