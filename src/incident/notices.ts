// Who is told what, for each incident event: customer notices and account-manager digests composed from
// the plan or restock round, the open backorders and the CRM's customer records. Pure: the activity
// gathers the inputs and sends the results.
import type { AnswerClaims, AnswerLinks } from '../answer-links';
import type { AccountManagerDigest, CustomerNotice, NoticeKind, NoticeLine } from '../notifications/model';

export interface NoticeCustomer {
  customerId: string;
  name: string;
  stage: string;
  contacts: { name: string; email: string }[];
  locale?: string | null;
  timeZone?: string | null;
  accountManagerId: string;
  /** The customer's stance: only one that accepts substitutes is offered one. */
  acceptsSubstitutes: boolean;
}

export interface NoticeAccountManager {
  accountManagerId: string;
  name: string;
  email: string;
}

/** What one line got in an allocation (a plan or a restock round). */
export interface AllocatedLine {
  lineId: string;
  customerId: string;
  requested: number;
  allocated: number;
  substitutes: { sku: string; quantity: number }[];
  backordered: number;
}

export interface OrderLineRef {
  lineId: string;
  orderId: string;
  customerId: string;
  quantity: number;
}

export interface SubstituteInfo {
  sku: string;
  priceDelta: number;
  /** Substitute units per original unit. */
  ratio: number;
  /** Free units at the hub when the notices are composed. */
  available: number;
}

export interface NoticeInputs {
  incidentId: string;
  /** Workflow id, for the answer links (stable across continue-as-new). */
  workflowId: string;
  kind: NoticeKind;
  revision: number;
  sku: string;
  skuDescription: string;
  currency: string;
  today: string;
  expectedDate: string | null;
  previousExpectedDate: string | null;
  /** The lines this event is about: the plan's or the round's allocation; null → open backorders only. */
  allocation: AllocatedLine[] | null;
  orderLines: OrderLineRef[];
  /** Open backordered units per line, after this event. */
  openBackorders: Map<string, number>;
  /** Customers told something earlier in the incident (for closing notices). */
  previouslyNotified: Set<string>;
  customers: NoticeCustomer[];
  accountManagers: NoticeAccountManager[];
  substitutes: SubstituteInfo[];
  credits: Map<string, number>;
  stagesWithHeadsUp: Set<string>;
  answerLinks: AnswerLinks;
  now: Date;
}

export interface ComposedNotices {
  notices: CustomerNotice[];
  /** Digests without delivery outcomes: filled in after the customer emails went out. */
  digests: AccountManagerDigest[];
}

export function composeNotices(inputs: NoticeInputs): ComposedNotices {
  const orderOf = new Map(inputs.orderLines.map((line) => [line.lineId, line]));
  const customers = new Map(inputs.customers.map((c) => [c.customerId, c]));
  const linesByCustomer = groupLines(inputs, orderOf);

  const notices: CustomerNotice[] = [];
  for (const [customerId, lines] of [...linesByCustomer].sort(([a], [b]) => a.localeCompare(b))) {
    const customer = customers.get(customerId);
    if (!customer || lines.length === 0) continue;
    // No contact still makes a notice: the mailer records it as undeliverable and the digest asks for a call.
    const contact = customer.contacts[0];
    const credit = inputs.kind === 'first-notice' ? inputs.credits.get(customerId) : undefined;
    notices.push({
      incidentId: inputs.incidentId,
      kind: inputs.kind,
      revision: inputs.revision,
      customer: {
        customerId,
        name: customer.name,
        ...(contact ? { email: contact.email } : {}),
        ...(customer.locale ? { locale: customer.locale } : {}),
        ...(customer.timeZone ? { timeZone: customer.timeZone } : {}),
      },
      sku: inputs.sku,
      skuDescription: inputs.skuDescription,
      currency: inputs.currency,
      lines: lines.slice(0, 500).map((line) => (offersAnswers(inputs.kind) && line.backordered > 0 ? withAnswers(inputs, customer, line) : line)),
      ...(credit && credit > 0 ? { compensation: { kind: 'credit' as const, amount: credit, currency: inputs.currency } } : {}),
      ...(inputs.kind === 'eta-change' && inputs.previousExpectedDate ? { previousExpectedDate: inputs.previousExpectedDate } : {}),
    });
  }
  return { notices, digests: composeDigests(inputs, notices, customers) };
}

function groupLines(inputs: NoticeInputs, orderOf: Map<string, OrderLineRef>): Map<string, NoticeLine[]> {
  const grouped = new Map<string, NoticeLine[]>();
  const add = (customerId: string, line: NoticeLine) => {
    const list = grouped.get(customerId) ?? [];
    list.push(line);
    grouped.set(customerId, list);
  };
  const expected = inputs.expectedDate ? { expectedDate: inputs.expectedDate } : {};
  if (inputs.allocation) {
    for (const line of inputs.allocation) {
      const order = orderOf.get(line.lineId);
      const substituted = line.substitutes.filter((s) => s.quantity > 0).map((s) => ({ sku: s.sku, quantity: s.quantity }));
      const open = inputs.openBackorders.get(line.lineId) ?? line.backordered;
      if (!order || (line.allocated === 0 && open === 0 && substituted.length === 0)) continue;
      add(line.customerId, {
        orderId: order.orderId,
        lineId: line.lineId,
        requested: order.quantity,
        shipNow: line.allocated,
        shipDate: inputs.today,
        backordered: open,
        ...(open > 0 ? expected : {}),
        ...(substituted.length > 0 ? { substituted } : {}),
      });
    }
    return grouped;
  }
  const wanted = (customerId: string, open: number) =>
    isClosingKind(inputs.kind) ? inputs.previouslyNotified.has(customerId) : open > 0;
  for (const order of inputs.orderLines) {
    const open = inputs.openBackorders.get(order.lineId) ?? 0;
    if (!wanted(order.customerId, open)) continue;
    if (!isClosingKind(inputs.kind) && open === 0) continue;
    add(order.customerId, {
      orderId: order.orderId,
      lineId: order.lineId,
      requested: order.quantity,
      shipNow: 0,
      backordered: open,
      ...(open > 0 ? expected : {}),
    });
  }
  return grouped;
}

function composeDigests(
  inputs: NoticeInputs,
  notices: CustomerNotice[],
  customers: Map<string, NoticeCustomer>,
): AccountManagerDigest[] {
  const byManager = new Map<string, CustomerNotice[]>();
  for (const notice of notices) {
    const managerId = customers.get(notice.customer.customerId)?.accountManagerId;
    if (!managerId) continue;
    byManager.set(managerId, [...(byManager.get(managerId) ?? []), notice]);
  }
  const digests: AccountManagerDigest[] = [];
  for (const manager of [...inputs.accountManagers].sort((a, b) => a.accountManagerId.localeCompare(b.accountManagerId))) {
    const told = byManager.get(manager.accountManagerId);
    if (!told) continue;
    {
      // One digest per manager and event (its Message-ID is per recipient); 2,000 accounts is the template's limit.
      const accounts = told.slice(0, 2000).map((notice) => {
        const stage = customers.get(notice.customer.customerId)?.stage ?? 'unknown';
        const backordered = sum(notice.lines.map((l) => l.backordered));
        return {
          customerId: notice.customer.customerId,
          name: notice.customer.name,
          stage,
          shipNow: sum(notice.lines.map((l) => l.shipNow)),
          backordered,
          ...(backordered > 0 && inputs.expectedDate ? { expectedDate: inputs.expectedDate } : {}),
          substituteOffered: notice.lines.some((l) => l.substitute !== undefined || l.substituted !== undefined),
          outcome: 'pending' as const,
        };
      });
      digests.push({
        incidentId: inputs.incidentId,
        kind: inputs.kind,
        revision: inputs.revision,
        accountManager: { accountManagerId: manager.accountManagerId, name: manager.name, email: manager.email },
        sku: inputs.sku,
        skuDescription: inputs.skuDescription,
        accounts,
        personalHeadsUp: accounts.filter((a) => inputs.stagesWithHeadsUp.has(a.stage)).map((a) => a.customerId),
      });
    }
  }
  return digests;
}

/**
 * A backordered line with what the customer may answer about it: its own signed links (cancel, can wait,
 * and accept when a substitute is on offer), so each answer acts on that line only.
 */
function withAnswers(inputs: NoticeInputs, customer: NoticeCustomer, line: NoticeLine): NoticeLine {
  const offer = customer.acceptsSubstitutes ? substituteOffer(inputs.substitutes, line.backordered) : undefined;
  const link = (answer: AnswerClaims['a']) =>
    inputs.answerLinks.url(
      inputs.answerLinks.sign({ w: inputs.workflowId, i: inputs.incidentId, c: customer.customerId, l: line.lineId, a: answer }, inputs.now),
    );
  return {
    ...line,
    ...(offer ? { substitute: offer } : {}),
    answers: { ...(offer ? { acceptSubstitute: link('accept-substitute') } : {}), canWait: link('can-wait'), cancel: link('cancel') },
  };
}

/**
 * The substitute an acceptance would reserve for `units` backordered units: the first by SKU with enough
 * free stock, in the order and with the ratio the answer applies. No free stock, no offer: the answer page
 * promises to ship what the customer accepts. Two lines may be offered the same units; the first answer wins.
 */
function substituteOffer(substitutes: SubstituteInfo[], units: number): NonNullable<NoticeLine['substitute']> | undefined {
  for (const substitute of [...substitutes].sort((a, b) => a.sku.localeCompare(b.sku))) {
    const quantity = Math.ceil(units * substitute.ratio);
    if (quantity > 0 && substitute.available >= quantity) return { sku: substitute.sku, quantity, priceDelta: substitute.priceDelta };
  }
  return undefined;
}

const offersAnswers = (kind: NoticeKind) => kind === 'first-notice' || kind === 'eta-change' || kind === 'status-update';
const isClosingKind = (kind: NoticeKind) => kind === 'incident-closed' || kind === 'incident-cancelled';
const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
