// Notification data model: what the workflow tells a customer or an account manager, validated at the
// boundary so a bad value is refused with the field named before anything is rendered or sent.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { REASON_CODES } from '../allocation/types';
import { ANSWER_KIND_NAMES, ANSWER_KINDS, type AnswerLinkField } from '../incident/answer-kinds';
import type { EtaChange } from '../incident/commands';
import { IdSchema } from '../inventory/contract';
import { clip } from './document';
import { remembered } from './remembered';

/** Where a notice's content comes from; the activity reads the rest from the store and the systems. */
interface NoticeSources {
  /** The allocation plan the first notice announces. */
  plan: { planRef: string };
  /** A restock round's allocation, or an order round's (lines placed or raised during the incident). */
  round: { roundRef: string };
  /**
   * The new date, and the one customers were told before; with the rationing re-planned for it (the ETA revision),
   * its customers whose allotments moved hear their new schedule in the same email.
   */
  eta: { eta: EtaChange & { previousEta: string | null }; rationReplan?: number };
  'open-backorders': { openBackorders: true };
  'customers-notified': { customersNotified: true };
  /** The rationing schedule re-planned for an ETA change of this revision (activities/rationing.ts). */
  ration: { ration: { revision: number } };
}

interface NoticeKindTraits {
  source: keyof NoticeSources;
  /** The shortage's announcement: only customers it touches are told, with their credit, and managers get whom to call. */
  announcesShortage: boolean;
  /** Each backordered line comes with its answer links. */
  offersAnswers: boolean;
  /** Ends the incident: every customer told before hears it, about all its lines. */
  closing: boolean;
  /** What the notice says of the customer's credit: announces it, says it is kept, or nothing. */
  credit: 'announce' | 'kept' | 'none';
}

/**
 * The kinds of customer notice, each with its account-manager digest, and what tells them apart; their wording
 * is in the templates, keyed by the same kinds.
 */
export const NOTICE_KINDS = {
  'first-notice': { source: 'plan', announcesShortage: true, offersAnswers: true, closing: false, credit: 'announce' },
  'eta-change': { source: 'eta', announcesShortage: false, offersAnswers: true, closing: false, credit: 'none' },
  'backorder-shipped': { source: 'round', announcesShortage: false, offersAnswers: false, closing: false, credit: 'none' },
  'status-update': { source: 'open-backorders', announcesShortage: false, offersAnswers: true, closing: false, credit: 'none' },
  // Lines a customer placed or raised during the incident, planned by an order round: every such customer hears what they get.
  'new-orders': { source: 'round', announcesShortage: false, offersAnswers: true, closing: false, credit: 'none' },
  // Rationing over the period re-planned for a new ETA: the customers whose allotments to come changed hear the new schedule.
  'ration-change': { source: 'ration', announcesShortage: false, offersAnswers: false, closing: false, credit: 'none' },
  'incident-closed': { source: 'customers-notified', announcesShortage: false, offersAnswers: false, closing: true, credit: 'kept' },
  // A cancelled shortage never happened for the customer: its notice promises nothing.
  'incident-cancelled': { source: 'customers-notified', announcesShortage: false, offersAnswers: false, closing: true, credit: 'none' },
} as const satisfies Record<string, NoticeKindTraits>;

export type NoticeKind = keyof typeof NOTICE_KINDS;
export const NOTICE_KIND_NAMES = Object.keys(NOTICE_KINDS) as [NoticeKind, ...NoticeKind[]];
export const NoticeKindSchema = z.enum(NOTICE_KIND_NAMES);
/** The source a kind of notice is composed from. */
export type NoticeSourceOf<K extends NoticeKind> = NoticeSources[(typeof NOTICE_KINDS)[K]['source']];
export type NoticeSource = NoticeSourceOf<NoticeKind>;
/** Everything the mailer sends: the notices plus the escalation to planners. */
export const MessageKindSchema = z.enum([...NOTICE_KIND_NAMES, 'escalation']);
export type MessageKind = z.infer<typeof MessageKindSchema>;

// CR/LF in an address is the classic header-injection vector; zod's email check refuses it too, the
// explicit check keeps that guarantee if the email rule is ever loosened.
export const EmailAddressSchema = z
  .email()
  .max(254)
  .refine((value) => !/[\r\n]/.test(value), { message: 'email address must not contain CR or LF' });

// Links in the email are clickable, so only http(s): a `javascript:` URL would run in some clients.
const LinkSchema = z.url({ protocol: /^https?$/ }).max(2048);

/** An instant with an offset (`2026-12-08T13:05:00Z`), shown in the reader's time zone. */
const InstantSchema = z.iso.datetime({ offset: true });
// A calendar date (`2025-03-10`) or an instant.
export const DateValueSchema = z.union([z.iso.date(), InstantSchema]);

/**
 * When the notices of an event were composed, stored with them so every send and resend renders the same footer.
 * The footer tells one email from the next by it: the revision is an identity, not for a reader. Absent on those
 * stored before it was kept.
 */
const IssuedAtSchema = InstantSchema.optional();

/*
 * What the CRM and the catalogue hold is free text (the CRM contract accepts any locale or zone string and
 * any name length). A value that only shapes how the email reads must never stop a notice, let alone the
 * batch it is in: an unknown locale or zone falls back to the default reader (en-GB, UTC), an overlong name
 * or description is shortened.
 */
const LocaleSchema = z.string().transform(readableLocale);
const TimeZoneSchema = z.string().transform(knownTimeZone);
const Text = (max: number) => z.string().transform((value) => clip(value, max));
const Name = z.string().min(1).transform((value) => clip(value, 200));
const CurrencySchema = z.string().regex(/^[A-Z]{3}$/, 'ISO 4217 currency code, e.g. EUR');

/** Single-line text that ends up in a table cell or a sentence; control characters are neutralised at render time. */
const Label = (max: number) => z.string().min(1).max(max);
/** Ids as long as the inventory and CRM systems allow them. */
const Id = IdSchema;

/** A phone number as the CRM writes it, for a person to dial: shown, never parsed. */
const PhoneSchema = z.string().min(1).max(40);

/** A person the reader can turn to: the account manager in a customer notice, a customer contact in a digest. */
export const PersonSchema = z.object({ name: Name, email: EmailAddressSchema.optional(), phone: PhoneSchema.optional() });

/** The person-readable reference of an incident (`INC-EU-SKU-0042-1`), in subjects and footers instead of its workflow id. */
const ReferenceSchema = z.string().regex(/^INC-[A-Za-z0-9._-]{1,150}$/, 'a reference like INC-EU-SKU-0042-1');

export const CustomerSchema = z.object({
  customerId: Id,
  /** The customer's company. */
  name: Name,
  /** The contact person the notice is written to (the CRM's contact for supply notices), greeted by name. */
  contactName: Name.optional(),
  /** Absent when the CRM has no contact: the notice is then recorded as undeliverable, not sent. */
  email: EmailAddressSchema.optional(),
  locale: LocaleSchema.optional(),
  timeZone: TimeZoneSchema.optional(),
});

const quantity = z.number().int().nonnegative();

/** An equivalent product the customer may take instead of waiting for the backordered quantity. */
export const SubstituteOfferSchema = z.object({
  sku: Id,
  description: Text(300).optional(),
  /** Substitute units that would replace the backordered quantity. */
  quantity: z.number().int().positive(),
  /** Price difference per unit against the original SKU, in the notice's currency. */
  priceDelta: z.number().finite(),
});

const SubstituteUnitsSchema = z.array(z.object({ sku: Id, quantity: z.number().int().positive() })).min(1).max(20);

/** What a line got over the whole incident so far, as the inventory system records it (closing notices read it). */
export const LineTotalsSchema = z.object({
  /** Units of the SKU the allocation gave when the shortage began. */
  shippedAtOnce: quantity,
  /** A rationed line's units released in the periods after the first (the first ships at once); absent when not rationed. */
  shippedInPeriods: quantity.optional(),
  /** Backordered units later served from restocks. */
  shippedFromRestocks: quantity,
  /** Substitute units shipped in place of ordered units, per substitute SKU. */
  substituted: SubstituteUnitsSchema.optional(),
  /** Backordered units the customer cancelled. */
  cancelled: quantity,
});

/** The signed links of one backordered line, one field per answer kind: each answer acts on that line only. */
export const LineAnswersSchema = z.object(
  Object.fromEntries(ANSWER_KIND_NAMES.map((kind) => [ANSWER_KINDS[kind].linkField, LinkSchema.optional()])) as Record<
    AnswerLinkField,
    z.ZodOptional<typeof LinkSchema>
  >,
);

export const NoticeLineSchema = z
  .object({
    orderId: Id,
    lineId: Id,
    requested: quantity,
    /** Quantity shipping with this event (the first allocation, or the restock a backorder-shipped notice announces). */
    shipNow: quantity,
    shipDate: DateValueSchema.optional(),
    /** Substitute units shipping now in place of ordered units (the allocation gave them). */
    substituted: SubstituteUnitsSchema.optional(),
    backordered: quantity,
    expectedDate: DateValueSchema.optional(),
    substitute: SubstituteOfferSchema.optional(),
    answers: LineAnswersSchema.optional(),
    /** Why the allocation gave the line nothing now (its reason codes), explained to the customer in one sentence. */
    reasons: z.array(z.enum(REASON_CODES)).max(REASON_CODES.length).optional(),
    totals: LineTotalsSchema.optional(),
  })
  .superRefine((line, ctx) => {
    for (const kind of ANSWER_KIND_NAMES) {
      const { linkField, needsSubstituteOffer } = ANSWER_KINDS[kind];
      if (needsSubstituteOffer && line.answers?.[linkField] && !line.substitute) {
        ctx.addIssue({ code: 'custom', path: ['answers', linkField], message: `the ${kind} link needs the substitute offer it answers` });
      }
    }
  });

const rationPeriods = {
  /** Each period's allotment after the first (the first of them, when they differ by a unit). */
  then: quantity,
  everyDays: z.number().int().positive(),
  /** The delivery the periods run until. */
  until: DateValueSchema,
};

/**
 * The customer's share released in allotments until the next delivery (policy.rationing.periodDays): the first
 * notice says what ships with it, a re-plan says when the periods to come begin — one of the two, never neither.
 */
export const NoticeRationSchema = z.union([
  z.object({ now: quantity, ...rationPeriods }),
  z.object({ from: DateValueSchema, ...rationPeriods }),
]);
export type NoticeRation = z.infer<typeof NoticeRationSchema>;

export const CustomerNoticeSchema = z.object({
  incidentId: Label(200),
  reference: ReferenceSchema.optional(),
  kind: NoticeKindSchema,
  revision: z.number().int().nonnegative(),
  issuedAt: IssuedAtSchema,
  customer: CustomerSchema,
  sku: Id,
  skuDescription: Text(300),
  /** Currency of the substitute price deltas; without it a delta is shown as a plain signed number. */
  currency: CurrencySchema.optional(),
  lines: z.array(NoticeLineSchema).min(1).max(500),
  /** On the notice that announces the credit and on the closing notice, which says it is kept; not on every update. */
  compensation: z
    .object({ kind: z.literal('credit'), amount: z.number().positive().finite(), currency: CurrencySchema })
    .optional(),
  previousExpectedDate: DateValueSchema.optional(),
  /** Why the expected date moved, as the planner or the inventory system gave it (ETA changes). */
  etaReason: Text(500).optional(),
  /** Signed links that answer for every backordered line of the notice at once, one per answer kind. */
  allLines: LineAnswersSchema.optional(),
  /** The schedule the customer's share is released on, when it is rationed. */
  ration: NoticeRationSchema.optional(),
  /** Whom the customer writes or calls: the email's Reply-To and its closing lines. */
  accountManager: PersonSchema.optional(),
});
export type CustomerNotice = z.infer<typeof CustomerNoticeSchema>;
export type NoticeLine = z.infer<typeof NoticeLineSchema>;
export type LineTotals = z.infer<typeof LineTotalsSchema>;

export const DigestAccountSchema = z.object({
  customerId: Id,
  name: Name,
  /** The customer's contact for supply notices, with the phone the account manager calls. */
  contact: PersonSchema.optional(),
  stage: Label(60),
  shipNow: quantity,
  /** Substitute units shipping with this event. */
  substituted: quantity.optional(),
  backordered: quantity,
  expectedDate: DateValueSchema.optional(),
  substituteOffered: z.boolean(),
  /** Confirmed units the allocation took back from the customer. */
  confirmationReleased: quantity.optional(),
  critical: z.boolean().optional(),
  /** The customer's lines over the incident so far (substitute units summed over SKUs). */
  totals: LineTotalsSchema.omit({ substituted: true }).extend({ substituted: quantity }).optional(),
  /** What became of the customer's email: 'undeliverable' when the CRM holds no usable address for it. */
  outcome: z.enum(['sent', 'rejected', 'undeliverable', 'pending']),
});

export const AccountManagerDigestSchema = z
  .object({
    incidentId: Label(200),
    reference: ReferenceSchema.optional(),
    kind: NoticeKindSchema,
    revision: z.number().int().nonnegative(),
    issuedAt: IssuedAtSchema,
    accountManager: z.object({
      accountManagerId: Id,
      name: Name,
      email: EmailAddressSchema,
      locale: LocaleSchema.optional(),
      timeZone: TimeZoneSchema.optional(),
    }),
    sku: Id,
    skuDescription: Text(300).optional(),
    accounts: z.array(DigestAccountSchema).min(1).max(2000),
    /** Customer ids the account manager should call before (or instead of relying on) the email, most affected first. */
    personalHeadsUp: z.array(Id).max(2000),
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
export type DigestAccount = z.infer<typeof DigestAccountSchema>;

/** A decision or an SLA that needs a planner: the approval deadline passed, backorders outlived the SLA, or must-win lines were left short at commit. */
export const EscalationSchema = z.object({
  incidentId: Label(200),
  workflowId: Label(200),
  /** The approval deadline's, the SLA's or the commit's, each sent once (message-revisions.ts). */
  revision: z.number().int().nonnegative(),
  planner: z.object({ name: Name, email: EmailAddressSchema }),
  sku: Id,
  network: Id,
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

/**
 * The person-readable reference of the `sequence`-th incident (from 1) of a workflow id `stockout:<network>:<sku>`:
 * `INC-EU-SKU-0042-1`. Another kind of id is kept as it is, behind the prefix.
 */
export function incidentReference(workflowId: string, sequence: number): string {
  const [, network, sku] = /^stockout:([^:]+):(.+)$/.exec(workflowId) ?? [];
  const base = network && sku ? `${network}-${sku}` : workflowId;
  return `INC-${base.replace(/[^A-Za-z0-9._-]+/g, '-').slice(0, 140)}-${sequence}`;
}

export const MESSAGE_ID_DOMAIN = 'stockout-orchestrator';

/** Deterministic RFC 5322 Message-ID: the same communication always gets the same id, across retries and workers. */
export function messageIdFor(identity: MessageIdentity): string {
  const hash = createHash('sha256').update(idempotencyKeyFor(identity)).digest('hex').slice(0, 40);
  return `<${hash}@${MESSAGE_ID_DOMAIN}>`;
}

// Asking the runtime about a locale or zone costs more than the rest of a notice's validation (a formatter
// each time), and a stage validates thousands of notices for a handful of distinct values.
const readableLocales = remembered<string | undefined>(1000);
const knownTimeZones = remembered<string | undefined>(1000);

/**
 * The locale as a canonical BCP 47 tag the runtime can format in, or undefined (the default reader's). A POSIX
 * name such as `en_US` or `de_DE.UTF-8`, common in CRMs, is read as the tag it stands for.
 */
function readableLocale(locale: string): string | undefined {
  return readableLocales(locale, () => readLocale(locale));
}

function readLocale(locale: string): string | undefined {
  for (const candidate of [locale.trim(), locale.trim().replace(/[.@].*$/, '').replace(/_/g, '-')]) {
    try {
      const [supported] = Intl.DateTimeFormat.supportedLocalesOf([candidate]);
      if (supported) return supported;
    } catch {
      // RangeError: not a well-formed tag; try the next reading
    }
  }
  return undefined;
}

/** The IANA zone as the runtime names it, or undefined (UTC) for one it does not know, e.g. a Windows zone name. */
function knownTimeZone(timeZone: string): string | undefined {
  return knownTimeZones(timeZone, () => readTimeZone(timeZone));
}

function readTimeZone(timeZone: string): string | undefined {
  try {
    return new Intl.DateTimeFormat('en', { timeZone: timeZone.trim() }).resolvedOptions().timeZone;
  } catch {
    return undefined;
  }
}

