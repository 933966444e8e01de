// Pure templates: a validated notice or digest in, subject + text + HTML out. No I/O, no clock.
import type { ReasonCode } from '../allocation/types';
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
import { headerSafe, renderDocument, type Block, type EmailDocument } from './document';

export interface RenderedEmail {
  subject: string;
  text: string;
  html: string;
}

interface Reader {
  /** The reader's own locale: numbers and money are written in its style. */
  locale: string;
  /** The language the text is written in (English until the templates are translated): dates and the HTML lang. */
  language: string;
  timeZone: string;
}

const DEFAULT_READER = { locale: 'en-GB', timeZone: 'UTC' };

function readerOf(person: { locale?: string | undefined; timeZone?: string | undefined }): Reader {
  const locale = person.locale ?? DEFAULT_READER.locale;
  return { locale, language: englishFor(locale), timeZone: person.timeZone ?? DEFAULT_READER.timeZone };
}

/** The reader's own English (en-US, en-GB, en-AU…) for an English locale, British English for any other. */
function englishFor(locale: string): string {
  const tag = new Intl.Locale(locale);
  return tag.language === 'en' ? tag.baseName : DEFAULT_READER.locale;
}

/**
 * A calendar date is shown as that date wherever the reader is (a UTC conversion would move it a day);
 * an instant is shown as the date it falls on in the reader's time zone. Written in the text's language,
 * so an English sentence never carries a French date.
 */
export function formatDate(value: string, reader: Reader): string {
  const calendarDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  return new Intl.DateTimeFormat(reader.language, {
    dateStyle: 'full',
    timeZone: calendarDate ? 'UTC' : reader.timeZone,
  }).format(new Date(calendarDate ? `${value}T00:00:00Z` : value));
}

function formatQuantity(value: number, reader: Reader): string {
  return new Intl.NumberFormat(reader.locale).format(value);
}

function formatMoney(amount: number, currency: string, reader: Reader, signed = false): string {
  return new Intl.NumberFormat(reader.locale, {
    style: 'currency',
    currency,
    signDisplay: signed ? 'exceptZero' : 'auto',
  }).format(amount);
}

function formatPriceDelta(delta: number, currency: string | undefined, reader: Reader): string {
  return currency
    ? formatMoney(delta, currency, reader, true)
    : new Intl.NumberFormat(reader.locale, { signDisplay: 'exceptZero', maximumFractionDigits: 2 }).format(delta);
}

// ---------------------------------------------------------------------------------------------------
// Customer notices

type LineColumn =
  | 'order'
  | 'line'
  | 'requested'
  | 'shipNow'
  | 'shipDate'
  | 'substituted'
  | 'backordered'
  | 'expectedDate'
  | 'shippedAtOnce'
  | 'shippedFromRestocks'
  | 'substitutedInTotal'
  | 'cancelled'
  | 'stillBackordered';

interface Column<T> {
  title: string;
  align?: 'right';
  value: (row: T, r: Reader) => string;
  /** A column shown only when some row has something in it. */
  optional?: (row: T) => boolean;
}

/** A figure of the incident's totals; blank, never a made-up 0, where the totals were not read. */
const totalOf = <T>(totals: T | undefined, pick: (t: T) => number, r: Reader) => (totals ? formatQuantity(pick(totals), r) : '');

const substituteUnits = (units: { sku: string; quantity: number }[] | undefined, r: Reader) =>
  (units ?? []).map((s) => `${formatQuantity(s.quantity, r)} × ${s.sku}`).join(', ');

const LINE_COLUMNS: Record<LineColumn, Column<NoticeLine>> = {
  order: { title: 'Order', value: (l) => l.orderId },
  line: { title: 'Line', value: (l) => l.lineId },
  requested: { title: 'Ordered', align: 'right', value: (l, r) => formatQuantity(l.requested, r) },
  shipNow: { title: 'Ships now', align: 'right', value: (l, r) => formatQuantity(l.shipNow, r) },
  shipDate: { title: 'Ship date', value: (l, r) => (l.shipDate && l.shipNow > 0 ? formatDate(l.shipDate, r) : '') },
  substituted: { title: 'Substitute shipping now', value: (l, r) => substituteUnits(l.substituted, r), optional: (l) => l.substituted !== undefined },
  backordered: { title: 'Backordered', align: 'right', value: (l, r) => formatQuantity(l.backordered, r) },
  expectedDate: {
    title: 'Expected',
    value: (l, r) => (l.backordered === 0 ? '' : l.expectedDate ? formatDate(l.expectedDate, r) : 'not known yet'),
  },
  // The closing notice: what each line got over the whole incident.
  shippedAtOnce: { title: 'Shipped at once', align: 'right', value: (l, r) => totalOf(l.totals, (t) => t.shippedAtOnce, r) },
  shippedFromRestocks: { title: 'Shipped from restocks', align: 'right', value: (l, r) => totalOf(l.totals, (t) => t.shippedFromRestocks, r) },
  substitutedInTotal: {
    title: 'Substituted',
    value: (l, r) => substituteUnits(l.totals?.substituted, r),
    optional: (l) => l.totals?.substituted !== undefined,
  },
  cancelled: { title: 'Cancelled by you', align: 'right', value: (l, r) => totalOf(l.totals, (t) => t.cancelled, r) },
  stillBackordered: { title: 'Still backordered', align: 'right', value: (l, r) => formatQuantity(l.backordered, r), optional: (l) => l.backordered > 0 },
};

interface NoticeCopy {
  subject: (sku: string) => string;
  title: string;
  intro: (n: CustomerNotice, r: Reader) => string;
  columns: LineColumn[];
  /** Only lines that still concern the customer for this kind of notice. */
  lines: (l: NoticeLine) => boolean;
}

const everyLine = () => true;
const backorderedLine = (l: NoticeLine) => l.backordered > 0;

function productName(n: CustomerNotice): string {
  return n.skuDescription ? `${n.sku} (${n.skuDescription})` : n.sku;
}

/** The new date of an ETA change, when all of the customer's backordered lines share one. */
function commonExpectedDate(n: CustomerNotice): string | undefined {
  const dates = new Set(n.lines.filter(backorderedLine).map((l) => l.expectedDate));
  const [only] = dates;
  return dates.size === 1 ? only : undefined;
}

const NOTICE_COPY: Record<NoticeKind, NoticeCopy> = {
  'first-notice': {
    subject: (sku) => `Stock shortage on ${sku}: what it means for your order`,
    title: 'A product on your order is short of stock',
    intro: (n) =>
      `We are short of ${productName(n)}. The stock we have is shared fairly between all customers affected; ` +
      'below is what ships now and what is backordered, with the date we expect it.',
    columns: ['order', 'line', 'requested', 'shipNow', 'shipDate', 'substituted', 'backordered', 'expectedDate'],
    lines: everyLine,
  },
  'eta-change': {
    subject: (sku) => `New expected date for your backordered ${sku}`,
    title: 'The expected date of your backorder has changed',
    intro: (n, r) => {
      const next = commonExpectedDate(n);
      const from = n.previousExpectedDate ? ` from ${formatDate(n.previousExpectedDate, r)}` : '';
      const to = next ? ` to ${formatDate(next, r)}` : '; the new date for each line is below';
      return `The expected date for your backordered ${productName(n)} has changed${from}${to}.`;
    },
    columns: ['order', 'line', 'backordered', 'expectedDate'],
    lines: backorderedLine,
  },
  'backorder-shipped': {
    subject: (sku) => `Your backordered ${sku} has shipped`,
    title: 'Your backorder is on its way',
    intro: (n) => `Good news: the backordered quantity of ${productName(n)} has shipped.`,
    columns: ['order', 'line', 'shipNow', 'shipDate', 'backordered', 'expectedDate'],
    lines: (l) => l.shipNow > 0 || l.backordered > 0,
  },
  'status-update': {
    subject: (sku) => `Status of your backordered ${sku}`,
    title: 'Your backorder is still open',
    intro: (n) => `This is a regular update on your backorder of ${productName(n)}. Nothing is forgotten; here is where it stands.`,
    columns: ['order', 'line', 'backordered', 'expectedDate'],
    lines: backorderedLine,
  },
  'incident-closed': {
    subject: (sku) => `The ${sku} shortage is over`,
    title: 'The shortage is resolved',
    intro: (n) =>
      `The shortage of ${productName(n)} is over. Below is how each of your order lines was served: what shipped at once ` +
      'when the shortage began, what shipped from later restocks, what an equivalent product replaced, and what you cancelled. ' +
      'Thank you for your patience.',
    columns: ['order', 'line', 'requested', 'shippedAtOnce', 'shippedFromRestocks', 'substitutedInTotal', 'cancelled', 'stillBackordered'],
    lines: everyLine,
  },
  'incident-cancelled': {
    subject: (sku) => `Update on ${sku}: our earlier notice no longer applies`,
    title: 'Our earlier notice no longer applies',
    intro: (n) =>
      `Our earlier notice about a shortage of ${productName(n)} no longer applies: your order lines below ` +
      'continue on their normal schedule. Your account manager will contact you if anything changes.',
    columns: ['order', 'line', 'requested', 'shipDate'],
    lines: everyLine,
  },
};

/** The columns of a table, less the optional ones no row fills. */
function shownColumns<K extends string, T>(all: Record<K, Column<T>>, keys: K[], rows: T[]): K[] {
  return keys.filter((key) => !all[key].optional || rows.some(all[key].optional));
}

function table<K extends string, T>(all: Record<K, Column<T>>, keys: K[], rows: T[], r: Reader): Block {
  const columns = shownColumns(all, keys, rows);
  return {
    type: 'table',
    columns: columns.map((c) => ({ title: all[c].title, ...(all[c].align ? { align: all[c].align } : {}) })),
    rows: rows.map((row) => columns.map((c) => all[c].value(row, r))),
  };
}

/*
 * Why a line gets nothing of the product now, in one plain sentence: the first of its reason codes that
 * explains it, most specific first. Codes that say why a line got something (priority, floors) explain nothing here.
 */
const WHY_NOTHING_NOW: [ReasonCode, string][] = [
  ['override', 'Our supply planner set the quantity for this line by hand after reviewing every affected order.'],
  ['deferred-holds-stock', 'You told us you still hold stock of this product, so this line waits while customers who have run out are served first.'],
  [
    'rationed-days-of-supply',
    "Customers who still hold stock share what is left so that everyone's stock lasts about as long; yours is expected to last longer, so this line waits.",
  ],
  ['all-or-nothing-skipped', 'This line must ship complete (no partial deliveries), and the stock we have now is not enough to ship all of it.'],
  ['confirmation-released', 'The stock we had confirmed for this line went back into the shared stock, so that every affected customer gets a fair share of it.'],
  ['segment-lose', 'Under the shortage rules for your account, this line is served from the next deliveries rather than from the stock we have now.'],
  ['segment-fill-limit', 'Under the shortage rules for your account, this line is served only from stock confirmed before the shortage, and none was left for it.'],
  ['concentration-cap', 'No customer may take more than a set share of the scarce stock while others wait, and your orders already reached that share.'],
  ['win-exception', 'This line should have been served in full; a planner is reviewing it by hand and your account manager will contact you.'],
  ['pack-size-rounded', "This product ships in whole packs, and this line's share of the stock was less than one pack."],
  ['substituted', 'An equivalent product ships in its place, as shown above.'],
  ['pool-exhausted', 'The stock ran out before this line was reached: lines are served by how urgently they are needed and by customer priority.'],
];
const WHY_FALLBACK = 'The stock we have now is not enough to serve every order in full; this line waits for the next delivery.';

function whyNothingNow(line: NoticeLine): string {
  const reasons = new Set(line.reasons);
  return WHY_NOTHING_NOW.find(([code]) => reasons.has(code))?.[1] ?? WHY_FALLBACK;
}

function whyBlocks(lines: NoticeLine[]): Block[] {
  const explained = lines.filter((l) => l.shipNow === 0 && l.reasons !== undefined);
  if (explained.length === 0) return [];
  return [
    { type: 'heading', text: 'Why some lines get nothing now' },
    { type: 'list', items: explained.map((l) => `Order ${l.orderId}, line ${l.lineId}: ${whyNothingNow(l)}`) },
  ];
}

/** What the customer may do about one backordered line: the substitute offer, if any, and that line's own links. */
function lineAnswerBlocks(n: CustomerNotice, line: NoticeLine, r: Reader): Block[] {
  const links = line.answers;
  if (!links || line.backordered === 0) return [];
  const offer = line.substitute;
  const choices = ANSWERS_IN_EMAIL_ORDER.flatMap((answer) => {
    const url = links[ANSWER_KINDS[answer].linkField];
    const label = answerLabel(answer, offer);
    return url && label ? [{ label, url }] : [];
  });
  if (choices.length === 0) return [];
  const backordered = `Order ${line.orderId}, line ${line.lineId}: ${formatQuantity(line.backordered, r)} backordered.`;
  const substitute = offer
    ? ` An equivalent product is available instead of waiting, while its stock lasts: ${formatQuantity(offer.quantity, r)} × ` +
      `${offer.description ? `${offer.sku} (${offer.description})` : offer.sku}. ${priceDifference(offer, n.currency, r)}`
    : '';
  return [
    { type: 'paragraph', text: backordered + substitute },
    { type: 'links', links: choices },
  ];
}

/** An answer's button; none for one that needs a substitute offer the line lacks. */
function answerLabel(answer: AnswerKind, offer: NoticeLine['substitute']): string | undefined {
  const traits = ANSWER_KINDS[answer];
  if (!traits.needsSubstituteOffer) return traits.emailLabel;
  return offer ? traits.emailLabel(offer) : undefined;
}

/** The price difference of an offer, per unit and for the whole offered quantity. */
function priceDifference(offer: NonNullable<NoticeLine['substitute']>, currency: string | undefined, r: Reader): string {
  if (offer.priceDelta === 0) return 'Same price as the product you ordered.';
  const total = Math.round(offer.priceDelta * offer.quantity * 100) / 100;
  return (
    `Price difference: ${formatPriceDelta(offer.priceDelta, currency, r)} per unit, ` +
    `${formatPriceDelta(total, currency, r)} in total for ${formatQuantity(offer.quantity, r)} units.`
  );
}

function answerBlocks(n: CustomerNotice, lines: NoticeLine[], r: Reader): Block[] {
  const perLine = lines.flatMap((line) => lineAnswerBlocks(n, line, r));
  if (perLine.length === 0) return [];
  return [
    { type: 'heading', text: 'Tell us what suits you' },
    {
      type: 'paragraph',
      text:
        'Each link acts on its own line: it opens a page where you confirm your choice with a button. ' +
        'We apply your answer shortly, and our next email about this order shows the result.',
    },
    ...perLine,
  ];
}

export function renderCustomerNotice(input: CustomerNotice): RenderedEmail {
  const n = CustomerNoticeSchema.parse(input);
  const r = readerOf(n.customer);
  const copy = NOTICE_COPY[n.kind];
  const lines = n.lines.filter(copy.lines);
  const blocks: Block[] = [
    { type: 'paragraph', text: `Dear ${n.customer.name},` },
    { type: 'paragraph', text: copy.intro(n, r) },
    table(LINE_COLUMNS, copy.columns, lines, r),
    ...whyBlocks(lines),
    ...(NOTICE_KINDS[n.kind].offersAnswers ? answerBlocks(n, lines, r) : []),
    ...(n.compensation
      ? [
          {
            type: 'paragraph' as const,
            text: `To make up for the inconvenience we will credit your account with ${formatMoney(n.compensation.amount, n.compensation.currency, r)}.`,
          },
        ]
      : []),
    { type: 'paragraph', text: 'Questions? Your account manager is happy to help.' },
  ];
  const doc: EmailDocument = {
    lang: r.language,
    title: copy.title,
    blocks,
    footer: `Reference: incident ${n.incidentId}${n.revision > 0 ? `, update ${n.revision}` : ''}. Dates are given in ${r.timeZone} time.`,
  };
  return { subject: headerSafe(copy.subject(n.sku)), ...renderDocument(doc) };
}

// ---------------------------------------------------------------------------------------------------
// Account-manager digests

const OUTCOME_TEXT: Record<DigestAccount['outcome'], string> = {
  sent: 'sent',
  rejected: 'bounced, please call',
  undeliverable: 'no usable email address in the CRM, please call',
  pending: 'held until your call',
};

type DigestColumn =
  | 'customer'
  | 'stage'
  | 'shipNow'
  | 'shippedSoFar'
  | 'backordered'
  | 'expectedDate'
  | 'substituteOffered'
  | 'shippedAtOnce'
  | 'shippedFromRestocks'
  | 'substitutedInTotal'
  | 'cancelled'
  | 'stillBackordered'
  | 'outcome';

const DIGEST_COLUMNS: Record<DigestColumn, Column<DigestAccount>> = {
  customer: { title: 'Customer', value: (a) => `${a.name} (${a.customerId})` },
  stage: { title: 'Stage', value: (a) => a.stage },
  shipNow: { title: 'Ships now', align: 'right', value: (a, r) => formatQuantity(a.shipNow, r) },
  // Units of the product itself shipped since the shortage began: at once and from restocks.
  shippedSoFar: { title: 'Shipped so far', align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.shippedAtOnce + t.shippedFromRestocks, r) },
  backordered: { title: 'Backordered', align: 'right', value: (a, r) => formatQuantity(a.backordered, r) },
  expectedDate: {
    title: 'Expected',
    value: (a, r) => (a.backordered > 0 ? (a.expectedDate ? formatDate(a.expectedDate, r) : 'not known yet') : ''),
  },
  substituteOffered: { title: 'Substitute offered', value: (a) => (a.substituteOffered ? 'yes' : 'no') },
  shippedAtOnce: { title: 'Shipped at once', align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.shippedAtOnce, r) },
  shippedFromRestocks: { title: 'Shipped from restocks', align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.shippedFromRestocks, r) },
  substitutedInTotal: { title: 'Substitute units', align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.substituted, r) },
  cancelled: { title: 'Cancelled by customer', align: 'right', value: (a, r) => totalOf(a.totals, (t) => t.cancelled, r) },
  stillBackordered: { title: 'Still backordered', align: 'right', value: (a, r) => formatQuantity(a.backordered, r), optional: (a) => a.backordered > 0 },
  outcome: { title: 'Customer email', value: (a) => OUTCOME_TEXT[a.outcome] },
};

interface DigestCopy {
  /** The event, in the subject and the opening sentence. */
  event: string;
  /** What the table says about each account: what this event means for it. */
  columns: DigestColumn[];
}

const DIGEST_COPY: Record<NoticeKind, DigestCopy> = {
  'first-notice': { event: 'shortage', columns: ['customer', 'stage', 'shipNow', 'backordered', 'expectedDate', 'substituteOffered', 'outcome'] },
  'eta-change': { event: 'ETA change', columns: ['customer', 'stage', 'shippedSoFar', 'backordered', 'expectedDate', 'substituteOffered', 'outcome'] },
  'backorder-shipped': { event: 'backorders shipped', columns: ['customer', 'stage', 'shipNow', 'backordered', 'expectedDate', 'outcome'] },
  'status-update': { event: 'status', columns: ['customer', 'stage', 'shippedSoFar', 'backordered', 'expectedDate', 'substituteOffered', 'outcome'] },
  'incident-closed': {
    event: 'closed',
    columns: ['customer', 'stage', 'shippedAtOnce', 'shippedFromRestocks', 'substitutedInTotal', 'cancelled', 'stillBackordered', 'outcome'],
  },
  'incident-cancelled': { event: 'cancelled', columns: ['customer', 'stage', 'outcome'] },
};

/** Why an account is on the call list, in the order the list is ranked by. */
function callReasons(a: DigestAccount, r: Reader): string {
  const reasons = [
    a.shipNow === 0 && !a.substituted ? 'nothing ships now' : undefined,
    a.confirmationReleased ? `${formatQuantity(a.confirmationReleased, r)} confirmed units taken back` : undefined,
    a.critical ? 'critical supply' : undefined,
    a.backordered > 0 ? `${formatQuantity(a.backordered, r)} backordered` : undefined,
  ].filter((reason) => reason !== undefined);
  return reasons.length > 0 ? reasons.join(', ') : 'the relationship calls for a personal heads-up';
}

export function renderDigest(input: AccountManagerDigest): RenderedEmail {
  const d = AccountManagerDigestSchema.parse(input);
  const r = readerOf(d.accountManager);
  const copy = DIGEST_COPY[d.kind];
  const count = d.accounts.length;
  const accountsWord = count === 1 ? 'account' : 'accounts';
  const byId = new Map(d.accounts.map((a) => [a.customerId, a]));
  // In the digest's order: most affected first.
  const headsUp = d.personalHeadsUp.map((customerId) => byId.get(customerId)!);
  const subject =
    `[Stockout ${d.sku}, ${copy.event}] ${count} of your ${accountsWord} affected` +
    (headsUp.length > 0 ? `, ${headsUp.length} to call first` : '');
  const product = d.skuDescription ? `${d.sku} (${d.skuDescription})` : d.sku;
  const blocks: Block[] = [
    { type: 'paragraph', text: `Hello ${d.accountManager.name},` },
    {
      type: 'paragraph',
      text: `${count} of your ${accountsWord} ${count === 1 ? 'is' : 'are'} affected by the ${product} incident (${copy.event}). This is what each customer was told.`,
    },
    ...(headsUp.length > 0
      ? [
          { type: 'heading' as const, text: 'Call these customers first' },
          {
            type: 'paragraph' as const,
            text:
              'Most affected first: customers who get nothing now, whose confirmed stock was taken back, with critical supply, ' +
              'then by units backordered. Call them before or alongside the email.',
          },
          { type: 'list' as const, items: headsUp.map((a) => `${a.name} (${a.customerId}, ${a.stage}): ${callReasons(a, r)}`) },
        ]
      : []),
    { type: 'heading', text: 'Your affected accounts' },
    table(DIGEST_COLUMNS, copy.columns, d.accounts, r),
  ];
  const doc: EmailDocument = {
    lang: r.language,
    title: `Stockout ${d.sku}: your affected accounts`,
    blocks,
    footer: `Reference: incident ${d.incidentId}${d.revision > 0 ? `, digest ${d.revision}` : ''}.`,
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
