// Pure templates: a validated notice or digest in, subject + text + HTML out. No I/O, no clock.
import {
  EscalationSchema,
  type Escalation,
  AccountManagerDigestSchema,
  CustomerNoticeSchema,
  type AccountManagerDigest,
  type CustomerNotice,
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
  locale: string;
  timeZone: string;
}

const DEFAULT_READER: Reader = { locale: 'en-GB', timeZone: 'UTC' };

function readerOf(person: { locale?: string | undefined; timeZone?: string | undefined }): Reader {
  return { locale: person.locale ?? DEFAULT_READER.locale, timeZone: person.timeZone ?? DEFAULT_READER.timeZone };
}

/**
 * A calendar date is shown as that date wherever the reader is (a UTC conversion would move it a day);
 * an instant is shown as the date it falls on in the reader's time zone.
 */
export function formatDate(value: string, reader: Reader): string {
  const calendarDate = /^\d{4}-\d{2}-\d{2}$/.test(value);
  return new Intl.DateTimeFormat(reader.locale, {
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
  if (delta === 0) return 'same price';
  return currency
    ? formatMoney(delta, currency, reader, true)
    : new Intl.NumberFormat(reader.locale, { signDisplay: 'exceptZero', maximumFractionDigits: 2 }).format(delta);
}

// ---------------------------------------------------------------------------------------------------
// Customer notices

type LineColumn = 'order' | 'line' | 'requested' | 'shipNow' | 'shipDate' | 'substituted' | 'backordered' | 'expectedDate';

const LINE_COLUMNS: Record<LineColumn, { title: string; align?: 'right'; value: (l: NoticeLine, r: Reader) => string }> = {
  order: { title: 'Order', value: (l) => l.orderId },
  line: { title: 'Line', value: (l) => l.lineId },
  requested: { title: 'Ordered', align: 'right', value: (l, r) => formatQuantity(l.requested, r) },
  shipNow: { title: 'Ships now', align: 'right', value: (l, r) => formatQuantity(l.shipNow, r) },
  shipDate: { title: 'Ship date', value: (l, r) => (l.shipDate && l.shipNow > 0 ? formatDate(l.shipDate, r) : '') },
  substituted: {
    title: 'Substitute shipping now',
    value: (l, r) => (l.substituted ?? []).map((s) => `${formatQuantity(s.quantity, r)} × ${s.sku}`).join(', '),
  },
  backordered: { title: 'Backordered', align: 'right', value: (l, r) => formatQuantity(l.backordered, r) },
  expectedDate: {
    title: 'Expected',
    value: (l, r) => (l.backordered === 0 ? '' : l.expectedDate ? formatDate(l.expectedDate, r) : 'not known yet'),
  },
};

interface NoticeCopy {
  subject: (sku: string) => string;
  title: string;
  intro: (n: CustomerNotice, r: Reader) => string;
  columns: LineColumn[];
  /** Only lines that still concern the customer for this kind of notice. */
  lines: (l: NoticeLine) => boolean;
  offersAnswers: boolean;
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
    offersAnswers: true,
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
    offersAnswers: true,
  },
  'backorder-shipped': {
    subject: (sku) => `Your backordered ${sku} has shipped`,
    title: 'Your backorder is on its way',
    intro: (n) => `Good news: the backordered quantity of ${productName(n)} has shipped.`,
    columns: ['order', 'line', 'shipNow', 'shipDate', 'backordered', 'expectedDate'],
    lines: (l) => l.shipNow > 0 || l.backordered > 0,
    offersAnswers: false,
  },
  'status-update': {
    subject: (sku) => `Status of your backordered ${sku}`,
    title: 'Your backorder is still open',
    intro: (n) => `This is a regular update on your backorder of ${productName(n)}. Nothing is forgotten; here is where it stands.`,
    columns: ['order', 'line', 'backordered', 'expectedDate'],
    lines: backorderedLine,
    offersAnswers: true,
  },
  'incident-closed': {
    subject: (sku) => `The ${sku} shortage is over`,
    title: 'The shortage is resolved',
    intro: (n) => `The shortage of ${productName(n)} is over. This is the final state of your order lines. Thank you for your patience.`,
    columns: ['order', 'line', 'requested', 'shipNow', 'shipDate', 'backordered'],
    lines: everyLine,
    offersAnswers: false,
  },
  'incident-cancelled': {
    subject: (sku) => `Update on ${sku}: our earlier notice no longer applies`,
    title: 'Our earlier notice no longer applies',
    intro: (n) =>
      `Our earlier notice about a shortage of ${productName(n)} no longer applies: your order lines below ` +
      'continue on their normal schedule. Your account manager will contact you if anything changes.',
    columns: ['order', 'line', 'requested', 'shipDate'],
    lines: everyLine,
    offersAnswers: false,
  },
};

/** What the customer may do about one backordered line: the substitute offer, if any, and that line's own links. */
function lineAnswerBlocks(n: CustomerNotice, line: NoticeLine, r: Reader): Block[] {
  const links = line.answers;
  if (!links || line.backordered === 0) return [];
  const offer = line.substitute;
  const choices = [
    offer && links.acceptSubstitute ? { label: `Accept ${offer.sku} instead`, url: links.acceptSubstitute } : undefined,
    links.canWait ? { label: 'I have stock on hand and can wait', url: links.canWait } : undefined,
    links.cancel ? { label: 'Cancel the backordered quantity', url: links.cancel } : undefined,
  ].filter((link) => link !== undefined);
  if (choices.length === 0) return [];
  const backordered = `Order ${line.orderId}, line ${line.lineId}: ${formatQuantity(line.backordered, r)} backordered.`;
  const substitute = offer
    ? ` An equivalent product is available instead of waiting, while its stock lasts: ${formatQuantity(offer.quantity, r)} × ` +
      `${offer.description ? `${offer.sku} (${offer.description})` : offer.sku}, price difference per unit: ${formatPriceDelta(offer.priceDelta, n.currency, r)}.`
    : '';
  return [
    { type: 'paragraph', text: backordered + substitute },
    { type: 'links', links: choices },
  ];
}

function answerBlocks(n: CustomerNotice, lines: NoticeLine[], r: Reader): Block[] {
  const perLine = lines.flatMap((line) => lineAnswerBlocks(n, line, r));
  if (perLine.length === 0) return [];
  return [
    { type: 'heading', text: 'Tell us what suits you' },
    { type: 'paragraph', text: 'Each link acts on its own line. One click is enough; you can change your mind until the goods ship.' },
    ...perLine,
  ];
}

export function renderCustomerNotice(input: CustomerNotice): RenderedEmail {
  const n = CustomerNoticeSchema.parse(input);
  const r = readerOf(n.customer);
  const copy = NOTICE_COPY[n.kind];
  const lines = n.lines.filter(copy.lines);
  // The substitute column only when the allocation gave this customer a substitute.
  const columns = copy.columns.filter((c) => c !== 'substituted' || lines.some((l) => l.substituted));
  const blocks: Block[] = [
    { type: 'paragraph', text: `Dear ${n.customer.name},` },
    { type: 'paragraph', text: copy.intro(n, r) },
    {
      type: 'table',
      columns: columns.map((c) => ({ title: LINE_COLUMNS[c].title, ...(LINE_COLUMNS[c].align ? { align: LINE_COLUMNS[c].align } : {}) })),
      rows: lines.map((l) => columns.map((c) => LINE_COLUMNS[c].value(l, r))),
    },
    ...(copy.offersAnswers ? answerBlocks(n, lines, r) : []),
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
    lang: r.locale,
    title: copy.title,
    blocks,
    footer: `Reference: incident ${n.incidentId}${n.revision > 0 ? `, update ${n.revision}` : ''}. Dates are given in ${r.timeZone} time.`,
  };
  return { subject: headerSafe(copy.subject(n.sku)), ...renderDocument(doc) };
}

// ---------------------------------------------------------------------------------------------------
// Account-manager digests

const DIGEST_EVENT: Record<NoticeKind, string> = {
  'first-notice': 'shortage',
  'eta-change': 'ETA change',
  'backorder-shipped': 'backorders shipped',
  'status-update': 'status',
  'incident-closed': 'closed',
  'incident-cancelled': 'cancelled',
};

const OUTCOME_TEXT: Record<AccountManagerDigest['accounts'][number]['outcome'], string> = {
  sent: 'sent',
  rejected: 'bounced, please call',
  undeliverable: 'no usable email address in the CRM, please call',
  pending: 'held until your call',
};

export function renderDigest(input: AccountManagerDigest): RenderedEmail {
  const d = AccountManagerDigestSchema.parse(input);
  const r = readerOf(d.accountManager);
  const count = d.accounts.length;
  const accountsWord = count === 1 ? 'account' : 'accounts';
  const headsUp = d.accounts.filter((a) => d.personalHeadsUp.includes(a.customerId));
  const subject =
    `[Stockout ${d.sku}, ${DIGEST_EVENT[d.kind]}] ${count} of your ${accountsWord} affected` +
    (headsUp.length > 0 ? `, ${headsUp.length} to call first` : '');
  const product = d.skuDescription ? `${d.sku} (${d.skuDescription})` : d.sku;
  const blocks: Block[] = [
    { type: 'paragraph', text: `Hello ${d.accountManager.name},` },
    {
      type: 'paragraph',
      text: `${count} of your ${accountsWord} ${count === 1 ? 'is' : 'are'} affected by the ${product} incident (${DIGEST_EVENT[d.kind]}). This is what each customer was told.`,
    },
    ...(headsUp.length > 0
      ? [
          { type: 'heading' as const, text: 'Call these customers first' },
          { type: 'paragraph' as const, text: 'Their relationship calls for a personal heads-up before or alongside the email:' },
          { type: 'list' as const, items: headsUp.map((a) => `${a.name} (${a.customerId}, ${a.stage})`) },
        ]
      : []),
    { type: 'heading', text: 'Your affected accounts' },
    {
      type: 'table',
      columns: [
        { title: 'Customer' },
        { title: 'Stage' },
        { title: 'Ships now', align: 'right' },
        { title: 'Backordered', align: 'right' },
        { title: 'Expected' },
        { title: 'Substitute offered' },
        { title: 'Customer email' },
      ],
      rows: d.accounts.map((a) => [
        `${a.name} (${a.customerId})`,
        a.stage,
        formatQuantity(a.shipNow, r),
        formatQuantity(a.backordered, r),
        a.backordered > 0 ? (a.expectedDate ? formatDate(a.expectedDate, r) : 'not known yet') : '',
        a.substituteOffered ? 'yes' : 'no',
        OUTCOME_TEXT[a.outcome],
      ]),
    },
  ];
  const doc: EmailDocument = {
    lang: r.locale,
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
