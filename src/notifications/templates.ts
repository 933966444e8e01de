// Pure templates: a validated notice or digest in, subject + text + HTML out. No I/O, no clock. The wording is in
// the catalogues (./catalogues), keyed by notice kind, column, reason code and answer kind.
import type { ReasonCode } from '../allocation/types';
import { DEFAULT_STAGES } from '../crm/contract';
import { ANSWER_KINDS, ANSWERS_IN_EMAIL_ORDER, type AnswerKind } from '../incident/answer-kinds';
import {
  EscalationSchema,
  type Escalation,
  AccountManagerDigestSchema,
  CustomerNoticeSchema,
  NOTICE_KINDS,
  type AccountManagerDigest,
  type CustomerNotice,
  type DigestAccount,
  type NoticeKind,
  type NoticeLine,
} from './model';
import type { Catalogue } from './catalogues/en';
import { headerSafe, keep, renderDocument, type Block, type EmailDocument } from './document';
import { formatDateParts, formatDateTimeParts, formatMoney, formatPriceDelta, formatQuantity, readerOf, type MessageKey, type Reader } from './reader';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

/** A date as unbreakable tokens: it may wrap after its weekday and before its year (with what leads to it), nowhere else. */
const dateToken = (value: string, r: Reader) =>
  // Each part kept whole, the spaces around it left free to break.
  formatDateParts(value, r)
    .map((part) => part.replace(/\S(?:.*\S)?/su, (core) => keep(core)))
    .join('');

/** An instant as its date and its time, each unbreakable. */
const dateTimeToken = (value: string, r: Reader) => {
  const [date, between, time] = formatDateTimeParts(value, r);
  return `${date ? keep(date) : ''}${between}${keep(time)}`;
};

/**
 * The footer: the reference, and when the email's content was composed in the reader's time zone (which tells two
 * emails of one kind apart for a reader; the revision, which does so for the systems, is not shown).
 */
function footer(of: 'notice' | 'digest', m: { reference?: string | undefined; incidentId: string; issuedAt?: string | undefined }, r: Reader): string {
  const values = { reference: keep(m.reference ?? m.incidentId), timeZone: r.timeZone };
  return m.issuedAt ? r.t(`${of}.footerIssued`, { ...values, issuedAt: dateTimeToken(m.issuedAt, r) }) : r.t(`${of}.footer`, values);
}

// ---------------------------------------------------------------------------------------------------
// Customer notices

type LineColumn = keyof Catalogue['notice']['columns'];

interface Column<T> {
  align?: 'right';
  value: (row: T, r: Reader) => string;
  /** A column shown only when some row has something in it. */
  optional?: (row: T) => boolean;
}

/** A figure of the incident's totals; blank, never a made-up 0, where the totals were not read. */
const totalOf = <T>(totals: T | undefined, pick: (t: T) => number, r: Reader) => (totals ? formatQuantity(pick(totals), r) : '');

const substituteUnits = (units: { sku: string; quantity: number }[] | undefined, r: Reader) =>
  (units ?? []).map((s) => keep(`${formatQuantity(s.quantity, r)} × ${s.sku}`)).join(', ');

const LINE_COLUMNS: Record<LineColumn, Column<NoticeLine>> = {
  order: { value: (l) => keep(l.orderId) },
  line: { value: (l) => keep(l.lineId) },
  requested: { align: 'right', value: (l, r) => formatQuantity(l.requested, r) },
  shipNow: { align: 'right', value: (l, r) => formatQuantity(l.shipNow, r) },
  shipDate: { value: (l, r) => (l.shipDate && l.shipNow > 0 ? dateToken(l.shipDate, r) : '') },
  substituted: { value: (l, r) => substituteUnits(l.substituted, r), optional: (l) => l.substituted !== undefined },
  backordered: { align: 'right', value: (l, r) => formatQuantity(l.backordered, r) },
  expectedDate: {
    value: (l, r) => (l.backordered === 0 ? '' : l.expectedDate ? dateToken(l.expectedDate, r) : r.t('notice.notKnownYet')),
  },
  // The closing notice: what each line got over the whole incident.
  shippedAtOnce: { align: 'right', value: (l, r) => totalOf(l.totals, (t) => t.shippedAtOnce, r) },
  shippedInPeriods: { align: 'right', value: (l, r) => totalOf(l.totals, (t) => t.shippedInPeriods ?? 0, r), optional: (l) => l.totals?.shippedInPeriods !== undefined },
  shippedFromRestocks: { align: 'right', value: (l, r) => totalOf(l.totals, (t) => t.shippedFromRestocks, r) },
  substitutedInTotal: { value: (l, r) => substituteUnits(l.totals?.substituted, r), optional: (l) => l.totals?.substituted !== undefined },
  cancelled: { align: 'right', value: (l, r) => totalOf(l.totals, (t) => t.cancelled, r) },
  stillBackordered: { align: 'right', value: (l, r) => formatQuantity(l.backordered, r), optional: (l) => l.backordered > 0 },
};

/** How a kind of notice reads: the customer's email, and the account manager's digest of the same event. */
interface KindCopy {
  intro: (n: CustomerNotice, r: Reader) => string;
  columns: LineColumn[];
  /** Only lines that still concern the customer for this kind of notice. */
  lines: (l: NoticeLine) => boolean;
  /** What the digest's table says about each account: what this event means for it. */
  digestColumns: DigestColumn[];
}

const everyLine = () => true;
const backorderedLine = (l: NoticeLine) => l.backordered > 0;

function productName(n: { sku: string; skuDescription?: string | undefined }, r: Reader): string {
  return n.skuDescription ? r.t('notice.product', { sku: keep(n.sku), description: n.skuDescription }) : keep(n.sku);
}

/** The new date of an ETA change, when all of the customer's backordered lines share one. */
function commonExpectedDate(n: CustomerNotice): string | undefined {
  const dates = new Set(n.lines.filter(backorderedLine).map((l) => l.expectedDate));
  const [only] = dates;
  return dates.size === 1 ? only : undefined;
}

const plainIntro = (kind: NoticeKind) => (n: CustomerNotice, r: Reader) => r.t(`notice.kinds.${kind}.intro` as MessageKey, { product: productName(n, r) });

const KIND_COPY: Record<NoticeKind, KindCopy> = {
  'first-notice': {
    intro: plainIntro('first-notice'),
    columns: ['order', 'line', 'requested', 'shipNow', 'shipDate', 'substituted', 'backordered', 'expectedDate'],
    lines: everyLine,
    digestColumns: ['customer', 'contact', 'stage', 'shipNow', 'backordered', 'expectedDate', 'substituteOffered', 'outcome'],
  },
  'eta-change': {
    intro: (n, r) => {
      const next = commonExpectedDate(n);
      const from = n.previousExpectedDate ? dateToken(n.previousExpectedDate, r) : undefined;
      const to = next ? dateToken(next, r) : undefined;
      const key = from ? (to ? 'introFromTo' : 'introFrom') : to ? 'introTo' : 'intro';
      const intro = r.t(`notice.kinds.eta-change.${key}`, { product: productName(n, r), ...(from ? { from } : {}), ...(to ? { to } : {}) });
      return n.etaReason ? `${intro} ${r.t('notice.kinds.eta-change.reason', { reason: n.etaReason.replace(/[.\s]+$/, '') })}` : intro;
    },
    columns: ['order', 'line', 'backordered', 'expectedDate'],
    lines: backorderedLine,
    digestColumns: ['customer', 'contact', 'stage', 'shippedSoFar', 'backordered', 'expectedDate', 'substituteOffered', 'outcome'],
  },
  'backorder-shipped': {
    intro: plainIntro('backorder-shipped'),
    columns: ['order', 'line', 'shipNow', 'shipDate', 'backordered', 'expectedDate'],
    lines: (l) => l.shipNow > 0 || l.backordered > 0,
    digestColumns: ['customer', 'contact', 'stage', 'shipNow', 'backordered', 'expectedDate', 'outcome'],
  },
  'status-update': {
    intro: plainIntro('status-update'),
    columns: ['order', 'line', 'backordered', 'expectedDate'],
    lines: backorderedLine,
    digestColumns: ['customer', 'contact', 'stage', 'shippedSoFar', 'backordered', 'expectedDate', 'substituteOffered', 'outcome'],
  },
  'new-orders': {
    intro: plainIntro('new-orders'),
    columns: ['order', 'line', 'requested', 'shipNow', 'shipDate', 'backordered', 'expectedDate'],
    lines: everyLine,
    digestColumns: ['customer', 'contact', 'stage', 'shipNow', 'backordered', 'expectedDate', 'outcome'],
  },
  'ration-change': {
    intro: plainIntro('ration-change'),
    columns: ['order', 'line', 'requested'],
    lines: everyLine,
    digestColumns: ['customer', 'contact', 'stage', 'outcome'],
  },
  'incident-closed': {
    intro: plainIntro('incident-closed'),
    columns: ['order', 'line', 'requested', 'shippedAtOnce', 'shippedInPeriods', 'shippedFromRestocks', 'substitutedInTotal', 'cancelled', 'stillBackordered'],
    lines: everyLine,
    digestColumns: ['customer', 'contact', 'stage', 'shippedAtOnce', 'shippedInPeriods', 'shippedFromRestocks', 'substitutedInTotal', 'cancelled', 'stillBackordered', 'outcome'],
  },
  'incident-cancelled': {
    intro: plainIntro('incident-cancelled'),
    columns: ['order', 'line', 'requested', 'shipDate'],
    lines: everyLine,
    digestColumns: ['customer', 'contact', 'stage', 'outcome'],
  },
};

/** The columns of a table, less the optional ones no row fills. */
function shownColumns<K extends string, T>(all: Record<K, Column<T>>, keys: K[], rows: T[]): K[] {
  return keys.filter((key) => !all[key].optional || rows.some(all[key].optional));
}

function table<K extends string, T>(all: Record<K, Column<T>>, keys: K[], rows: T[], r: Reader, titles: (key: K) => string): Block {
  const columns = shownColumns(all, keys, rows);
  return {
    type: 'table',
    columns: columns.map((c) => ({ title: titles(c), ...(all[c].align ? { align: all[c].align } : {}) })),
    rows: rows.map((row) => columns.map((c) => all[c].value(row, r))),
  };
}

/*
 * Why a line gets nothing of the product now, in one plain sentence: the first of its reason codes that
 * explains it, most specific first. Codes that say why a line got something (priority, floors) explain nothing here.
 */
const WHY_NOTHING_NOW: ReasonCode[] = [
  'override',
  'deferred-holds-stock',
  'rationed-days-of-supply',
  'all-or-nothing-skipped',
  'confirmation-released',
  'segment-lose',
  'segment-fill-limit',
  'concentration-cap',
  'win-exception',
  'pack-size-rounded',
  'substituted',
  'pool-exhausted',
];

function whyNothingNow(line: NoticeLine, r: Reader): string {
  const reasons = new Set(line.reasons);
  const code = WHY_NOTHING_NOW.find((c) => reasons.has(c));
  return r.t(code ? (`notice.why.${code}` as MessageKey) : 'notice.why.fallback');
}

function whyBlocks(lines: NoticeLine[], r: Reader): Block[] {
  const explained = lines.filter((l) => l.shipNow === 0 && l.reasons !== undefined);
  if (explained.length === 0) return [];
  return [
    { type: 'heading', text: r.t('notice.why.heading') },
    { type: 'list', items: explained.map((l) => r.t('notice.why.item', { order: keep(l.orderId), line: keep(l.lineId), why: whyNothingNow(l, r) })) },
  ];
}

/** The buttons of a set of answer links, those that keep the order first, the destructive one marked. */
function answerButtons(links: NonNullable<NoticeLine['answers']>, label: (answer: AnswerKind) => string | undefined): Block[] {
  const choices = ANSWERS_IN_EMAIL_ORDER.flatMap((answer) => {
    const url = links[ANSWER_KINDS[answer].linkField];
    const text = label(answer);
    return url && text ? [{ label: text, url, ...(ANSWER_KINDS[answer].destructive ? { destructive: true } : {}) }] : [];
  });
  return choices.length > 0 ? [{ type: 'links', links: choices }] : [];
}

/** What the customer may do about one backordered line: the substitute offer, if any, and that line's own links. */
function lineAnswerBlocks(n: CustomerNotice, line: NoticeLine, r: Reader): Block[] {
  const links = line.answers;
  if (!links || line.backordered === 0) return [];
  const offer = line.substitute;
  const buttons = answerButtons(links, (answer) => answerLabel(answer, offer, r));
  if (buttons.length === 0) return [];
  const backordered = r.t('notice.answers.line', { order: keep(line.orderId), line: keep(line.lineId), quantity: formatQuantity(line.backordered, r) });
  const substitute = offer
    ? ` ${r.t('notice.answers.offer', { quantity: formatQuantity(offer.quantity, r), product: productName({ sku: offer.sku, skuDescription: offer.description }, r) })} ` +
      priceDifference(offer, n.currency, r)
    : '';
  return [{ type: 'paragraph', text: backordered + substitute }, ...buttons];
}

/** An answer's button; none for one that needs a substitute offer the line lacks. */
function answerLabel(answer: AnswerKind, offer: NoticeLine['substitute'], r: Reader): string | undefined {
  if (ANSWER_KINDS[answer].needsSubstituteOffer && !offer) return undefined;
  return r.t(`notice.answers.labels.${answer}`, offer ? { sku: keep(offer.sku) } : {});
}

/** The price difference of an offer, per unit and for the whole offered quantity. */
function priceDifference(offer: NonNullable<NoticeLine['substitute']>, currency: string | undefined, r: Reader): string {
  if (offer.priceDelta === 0) return r.t('notice.answers.samePrice');
  const total = Math.round(offer.priceDelta * offer.quantity * 100) / 100;
  return r.t('notice.answers.priceDifference', {
    perUnit: keep(formatPriceDelta(offer.priceDelta, currency, r)),
    total: keep(formatPriceDelta(total, currency, r)),
    quantity: formatQuantity(offer.quantity, r),
    count: offer.quantity,
  });
}

function answerBlocks(n: CustomerNotice, lines: NoticeLine[], r: Reader): Block[] {
  const perLine = lines.flatMap((line) => lineAnswerBlocks(n, line, r));
  if (perLine.length === 0) return [];
  const forAll = n.allLines ? answerButtons(n.allLines, (answer) => r.t(`notice.answers.allLabels.${answer}`)) : [];
  return [
    ...(forAll.length > 0
      ? [{ type: 'heading' as const, text: r.t('notice.answers.allHeading') }, { type: 'paragraph' as const, text: r.t('notice.answers.allExplain') }, ...forAll]
      : []),
    { type: 'heading', text: r.t('notice.answers.heading') },
    { type: 'paragraph', text: r.t('notice.answers.explain') },
    ...perLine,
  ];
}

/** Whom to ask: the account manager by name, email and phone when the notice names them. */
function contactBlocks(n: CustomerNotice, r: Reader): Block[] {
  const manager = n.accountManager;
  if (!manager) return [{ type: 'paragraph', text: r.t('notice.questions') }];
  const ways = [
    ...(manager.email ? [r.t('notice.contactEmail', { email: keep(manager.email) })] : []),
    ...(manager.phone ? [r.t('notice.contactPhone', { phone: keep(manager.phone) })] : []),
  ];
  return [{ type: 'paragraph', text: r.t('notice.questionsFrom', { name: manager.name }) }, ...(ways.length > 0 ? [{ type: 'list' as const, items: ways }] : [])];
}

/** A rationed share: what ships now (or from when the periods to come begin), then each period, until the delivery. */
function rationBlocks(n: CustomerNotice, r: Reader): Block[] {
  const ration = n.ration;
  if (!ration) return [];
  const values = { then: formatQuantity(ration.then, r), count: ration.everyDays, until: dateToken(ration.until, r) };
  const text =
    'now' in ration
      ? r.t('notice.ration.now', { ...values, now: formatQuantity(ration.now, r) })
      : r.t('notice.ration.from', { ...values, from: dateToken(ration.from, r) });
  return [{ type: 'paragraph', text }];
}

/** The credit: announced with the shortage, said to be kept when it closes. */
function creditBlocks(n: CustomerNotice, r: Reader): Block[] {
  const { credit } = NOTICE_KINDS[n.kind];
  if (!n.compensation || credit === 'none') return [];
  const amount = keep(formatMoney(n.compensation.amount, n.compensation.currency, r));
  return [{ type: 'paragraph', tone: 'note', text: r.t(credit === 'kept' ? 'notice.creditKept' : 'notice.credit', { amount }) }];
}

export function renderCustomerNotice(input: CustomerNotice): RenderedEmail {
  return renderParsedNotice(CustomerNoticeSchema.parse(input));
}

/** A notice `CustomerNoticeSchema` already parsed (the mailer's): parsing it again would only copy it. */
export function renderParsedNotice(n: CustomerNotice): RenderedEmail {
  const r = readerOf(n.customer);
  const copy = KIND_COPY[n.kind];
  const lines = n.lines.filter(copy.lines);
  const blocks: Block[] = [
    { type: 'paragraph', text: r.t('notice.greeting', { name: n.customer.contactName ?? n.customer.name }) },
    { type: 'paragraph', text: copy.intro(n, r) },
    ...rationBlocks(n, r),
    table(LINE_COLUMNS, copy.columns, lines, r, (c) => r.t(`notice.columns.${c}`)),
    ...whyBlocks(lines, r),
    ...(NOTICE_KINDS[n.kind].offersAnswers ? answerBlocks(n, lines, r) : []),
    ...creditBlocks(n, r),
    ...contactBlocks(n, r),
  ];
  const doc: EmailDocument = {
    lang: r.language,
    title: r.t(`notice.kinds.${n.kind}.title`),
    blocks,
    footer: footer('notice', n, r),
  };
  return { subject: headerSafe(r.t(`notice.kinds.${n.kind}.subject`, { sku: n.sku })), ...renderDocument(doc) };
}

// ---------------------------------------------------------------------------------------------------
// Account-manager digests

type DigestColumn = keyof Catalogue['digest']['columns'];

/** A default stage in the reader's language; a stage the company named itself as it is named. */
function stageName(stage: string, r: Reader): string {
  return (DEFAULT_STAGES as readonly string[]).includes(stage) ? r.t(`digest.stages.${stage as (typeof DEFAULT_STAGES)[number]}`) : stage;
}

/** The customer's contact for the account manager to call: name, then phone (or email without one). */
function contactOf(a: DigestAccount): string {
  if (!a.contact) return '';
  const reach = a.contact.phone ?? a.contact.email;
  return reach ? `${a.contact.name}, ${keep(reach)}` : a.contact.name;
}

const DIGEST_COLUMNS: Record<DigestColumn, Column<DigestAccount>> = {
  customer: { value: (a) => `${a.name} (${keep(a.customerId)})` },
  contact: { value: contactOf, optional: (a) => a.contact !== undefined },
  stage: { value: (a, r) => stageName(a.stage, r) },
  shipNow: { align: 'right', value: (a, r) => formatQuantity(a.shipNow, r) },
  // Units of the product itself shipped since the shortage began: at once and from restocks.
  shippedSoFar: { align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.shippedAtOnce + (t.shippedInPeriods ?? 0) + t.shippedFromRestocks, r) },
  backordered: { align: 'right', value: (a, r) => formatQuantity(a.backordered, r) },
  expectedDate: {
    value: (a, r) => (a.backordered > 0 ? (a.expectedDate ? dateToken(a.expectedDate, r) : r.t('notice.notKnownYet')) : ''),
  },
  substituteOffered: { value: (a, r) => r.t(a.substituteOffered ? 'digest.yes' : 'digest.no') },
  shippedAtOnce: { align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.shippedAtOnce, r) },
  shippedInPeriods: { align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.shippedInPeriods ?? 0, r), optional: (a) => a.totals?.shippedInPeriods !== undefined },
  shippedFromRestocks: { align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.shippedFromRestocks, r) },
  substitutedInTotal: { align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.substituted, r) },
  cancelled: { align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.cancelled, r) },
  stillBackordered: { align: 'right', value: (a, r) => formatQuantity(a.backordered, r), optional: (a) => a.backordered > 0 },
  outcome: { value: (a, r) => r.t(`digest.outcomes.${a.outcome}`) },
};

/** Why an account is on the call list, in the order the list is ranked by. */
function callReasons(a: DigestAccount, r: Reader): string {
  const reasons = [
    a.shipNow === 0 && !a.substituted ? r.t('digest.reasons.nothingShips') : undefined,
    a.confirmationReleased ? r.t('digest.reasons.taken', { quantity: formatQuantity(a.confirmationReleased, r), count: a.confirmationReleased }) : undefined,
    a.critical ? r.t('digest.reasons.critical') : undefined,
    a.backordered > 0 ? r.t('digest.reasons.backordered', { quantity: formatQuantity(a.backordered, r) }) : undefined,
  ].filter((reason) => reason !== undefined);
  return reasons.length > 0 ? reasons.join(', ') : r.t('digest.reasons.headsUp');
}

export function renderDigest(input: AccountManagerDigest): RenderedEmail {
  return renderParsedDigest(AccountManagerDigestSchema.parse(input));
}

/** A digest `AccountManagerDigestSchema` already parsed (the mailer's). */
export function renderParsedDigest(d: AccountManagerDigest): RenderedEmail {
  const r = readerOf(d.accountManager);
  const count = d.accounts.length;
  const event = r.t(`digest.events.${d.kind}`);
  const byId = new Map(d.accounts.map((a) => [a.customerId, a]));
  // In the digest's order: most affected first.
  const headsUp = d.personalHeadsUp.map((customerId) => byId.get(customerId)!);
  const subject =
    r.t('digest.subject', { sku: d.sku, event, count }) + (headsUp.length > 0 ? r.t('digest.subjectCallFirst', { count: headsUp.length }) : '');
  const product = productName(d, r);
  const callItem = (a: DigestAccount) => {
    const contact = contactOf(a);
    const values = { name: a.name, customerId: keep(a.customerId), stage: stageName(a.stage, r), reasons: callReasons(a, r) };
    return contact ? r.t('digest.callContact', { ...values, contact }) : r.t('digest.callItem', values);
  };
  const blocks: Block[] = [
    { type: 'paragraph', text: r.t('digest.greeting', { name: d.accountManager.name }) },
    { type: 'paragraph', text: r.t('digest.intro', { count, product, event }) },
    ...(headsUp.length > 0
      ? [
          { type: 'heading' as const, text: r.t('digest.callFirst') },
          { type: 'paragraph' as const, text: r.t('digest.callFirstExplain') },
          { type: 'list' as const, items: headsUp.map(callItem) },
        ]
      : []),
    { type: 'heading', text: r.t('digest.accounts') },
    table(DIGEST_COLUMNS, KIND_COPY[d.kind].digestColumns, d.accounts, r, (c) => r.t(`digest.columns.${c}`)),
  ];
  const doc: EmailDocument = {
    lang: r.language,
    title: r.t('digest.title', { sku: d.sku }),
    blocks,
    footer: footer('digest', d, r),
  };
  return { subject: headerSafe(subject), ...renderDocument(doc) };
}

export function renderEscalation(input: Escalation): RenderedEmail {
  const e = EscalationSchema.parse(input);
  const subject = `[Action needed] Stockout ${e.sku} (${e.network}): ${e.reason}`;
  const facts = [
    `Incident: ${e.workflowId}`,
    `Stage: ${e.stage}, severity ${e.severity}`,
    ...(e.affectedCustomers !== undefined ? [`Affected customers: ${e.affectedCustomers}`] : []),
    ...(e.openBackorderUnits !== undefined ? [`Open backordered units: ${e.openBackorderUnits}`] : []),
  ];
  const body = renderDocument({
    lang: 'en',
    title: subject,
    blocks: [
      { type: 'paragraph', text: `Hello ${e.planner.name},` },
      { type: 'paragraph', text: `The stockout incident for ${e.sku} in ${e.network} needs a person: ${e.reason}.` },
      { type: 'list', items: facts },
      { type: 'paragraph', text: `See it with \`stockout show ${e.workflowId}\` or in the Temporal UI.` },
    ],
    footer: 'Sent by stockout-orchestrator to the supply planners.',
  });
  return { subject: headerSafe(subject, 250), ...body };
}
