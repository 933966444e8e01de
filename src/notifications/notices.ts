// Who is told what, for each incident event: customer notices and account-manager digests composed from
// the plan or restock round, the open backorders and the CRM's customer records. Pure: the activity
// gathers the inputs and sends the results.
import type { ReasonCode } from '../allocation/types';
import { MAX_LINK_LENGTH, type AnswerDetails, type AnswerLinks } from '../answer-links';
import { SUPPLY_NOTICE_ROLE } from '../crm/contract';
import { ANSWER_KINDS, ANSWERS_IN_EMAIL_ORDER, type AnswerKind } from '../incident/answer-kinds';
import { touchedByShortage } from '../incident/figures';
import type { Backorder, Reservation } from '../inventory/contract';
import type { RationReleases } from '../rationing/schedule';
import { substituteOffer } from '../substitutes/offer';
import { EmailAddressSchema, NOTICE_KINDS, type AccountManagerDigest, type CustomerNotice, type DigestAccount, type LineTotals, type NoticeKind, type NoticeLine, type NoticeRation } from './model';

export interface NoticeCustomer {
  customerId: string;
  name: string;
  stage: string;
  /** Critical supply: among the first an account manager calls. */
  critical: boolean;
  contacts: { name: string; email: string; phone?: string | undefined; roles?: string[] | undefined }[];
  locale?: string | null;
  timeZone?: string | null;
  accountManagerId: string;
  /** The customer's stance: only one that accepts substitutes is offered one (src/substitutes/offer.ts). */
  acceptsSubstitutes: boolean;
}

export interface NoticeAccountManager {
  accountManagerId: string;
  name: string;
  email: string;
  phone?: string | null | undefined;
  /** The language and zone the manager reads the digest in (the CRM's; absent or null: the default reader's). */
  locale?: string | null | undefined;
  timeZone?: string | null | undefined;
}

/** What one line got in an allocation (a plan or a restock round). */
export interface AllocatedLine {
  lineId: string;
  customerId: string;
  requested: number;
  allocated: number;
  substitutes: { sku: string; quantity: number }[];
  backordered: number;
  /** Units of the line's earlier confirmation the allocation took back. */
  releasedConfirmation: number;
  reasons: ReasonCode[];
}

export interface OrderLineRef {
  lineId: string;
  orderId: string;
  customerId: string;
  quantity: number;
  /** The line's own stance on substitutes: one that forbids them is offered none. */
  substitutesAllowed: boolean;
}

export interface SubstituteInfo {
  sku: string;
  /** The catalogue's description, when it has one. */
  description?: string;
  priceDelta: number;
  /** Substitute units per original unit. */
  ratio: number;
  packSize: number;
  /** Free units at the hub when the notices are composed. */
  available: number;
}

export interface NoticeInputs {
  incidentId: string;
  /** The person-readable reference (`incidentReference`) customers and managers quote. */
  reference: string;
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
  /** Why the expected date moved (an ETA change's reason). */
  etaReason: string | null;
  /** The lines this event is about: the plan's or the round's allocation; null → open backorders only. */
  allocation: AllocatedLine[] | null;
  /** Per line, what it got over the incident so far (see `incidentTotals`), for events without an allocation. */
  totals: Map<string, LineTotals> | null;
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
  /** When the notices are composed: their links are signed at it, and their footers say it. */
  now: Date;
  /** Per customer, the schedule its rationed share is released on: stated in its notice, and it is touched by the shortage. */
  rations?: Map<string, NoticeRation>;
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
  const managers = new Map(inputs.accountManagers.map((m) => [m.accountManagerId, m]));
  const traits = NOTICE_KINDS[inputs.kind];

  const notices: CustomerNotice[] = [];
  for (const [customerId, lines] of [...linesByCustomer].sort(([a], [b]) => a.localeCompare(b))) {
    const customer = customers.get(customerId);
    if (!customer || lines.length === 0) continue;
    // No contact still makes a notice: the mailer records it as undeliverable and the digest asks for a call.
    const contact = noticeContact(customer);
    const credit = traits.credit === 'none' ? undefined : inputs.credits.get(customerId);
    const manager = managers.get(customer.accountManagerId);
    const noticeLines = lines.slice(0, 500).map((line) => (traits.offersAnswers && line.backordered > 0 ? withAnswers(inputs, customer, orderOf, line) : line));
    const allLines = traits.offersAnswers ? answersForAllLines(inputs, customer, noticeLines) : undefined;
    notices.push({
      incidentId: inputs.incidentId,
      reference: inputs.reference,
      kind: inputs.kind,
      revision: inputs.revision,
      issuedAt: inputs.now.toISOString(),
      customer: {
        customerId,
        name: customer.name,
        ...(contact ? { contactName: contact.name, email: contact.email } : {}),
        ...(customer.locale ? { locale: customer.locale } : {}),
        ...(customer.timeZone ? { timeZone: customer.timeZone } : {}),
      },
      sku: inputs.sku,
      skuDescription: inputs.skuDescription,
      currency: inputs.currency,
      lines: noticeLines,
      ...(credit && credit > 0 ? { compensation: { kind: 'credit' as const, amount: credit, currency: inputs.currency } } : {}),
      ...(traits.source === 'eta' && inputs.previousExpectedDate ? { previousExpectedDate: inputs.previousExpectedDate } : {}),
      ...(traits.source === 'eta' && inputs.etaReason ? { etaReason: inputs.etaReason } : {}),
      ...(allLines ? { allLines } : {}),
      ...(inputs.rations?.has(customerId) ? { ration: inputs.rations.get(customerId)! } : {}),
      ...(manager ? { accountManager: personOf(manager) } : {}),
    });
  }
  return { notices, digests: composeDigests(inputs, notices, customers) };
}

/**
 * Per line, what it got over the incident so far, from the stored plan and the inventory system: the plan's
 * allocation shipped at once, and so did what the order rounds reserved for a line placed or raised during the
 * incident (from stock free when it was planned); a rationed customer's plan line shipped at once only the
 * confirmation it kept and what period 1 reserved, the later periods' units shipped per period; the line's
 * own-SKU reservations beyond those came from restocks; substitute reservations (the plan's and accepted offers)
 * by SKU; backorder units the customer cancelled.
 * The plan reserved its allocation less a confirmation the line kept untouched (see commitPlanBatch).
 */
export function incidentTotals(input: {
  sku: string;
  plan: Pick<AllocatedLine, 'lineId' | 'customerId' | 'allocated' | 'releasedConfirmation'>[] | null;
  /** The lines of every order round so far, with the units each reserved. */
  orderRounds?: Pick<AllocatedLine, 'lineId' | 'allocated'>[];
  /** What the ration periods reserved per line, when the plan was rationed. */
  rations?: RationReleases | null;
  /** Units confirmed per line before the incident. */
  confirmed: Map<string, number>;
  /** The incident's reservations, every status. */
  reservations: Pick<Reservation, 'lineId' | 'sku' | 'quantity' | 'status'>[];
  backorders: Pick<Backorder, 'lineId' | 'cancelled'>[];
}): Map<string, LineTotals> {
  const atOnce = new Map<string, number>();
  const reservedAtOnce = new Map<string, number>();
  const rations = input.rations ?? null;
  for (const line of input.plan ?? []) {
    const kept = line.releasedConfirmation > 0 ? 0 : (input.confirmed.get(line.lineId) ?? 0);
    // A rationed share was not reserved at the commit: the periods reserved it (below).
    const rationed = rations?.customers.has(line.customerId) ?? false;
    atOnce.set(line.lineId, rationed ? Math.min(kept, line.allocated) : line.allocated);
    reservedAtOnce.set(line.lineId, rationed ? 0 : Math.max(0, line.allocated - kept));
  }
  for (const line of input.orderRounds ?? []) {
    add(atOnce, line.lineId, line.allocated);
    add(reservedAtOnce, line.lineId, line.allocated);
  }
  for (const [lineId, quantity] of rations?.atCommit ?? []) {
    add(atOnce, lineId, quantity);
    add(reservedAtOnce, lineId, quantity);
  }
  const own = new Map<string, number>();
  const substitutes = new Map<string, Map<string, number>>();
  for (const r of input.reservations) {
    if (r.status === 'released') continue;
    if (r.sku === input.sku) {
      add(own, r.lineId, r.quantity);
      continue;
    }
    const bySku = substitutes.get(r.lineId) ?? new Map<string, number>();
    substitutes.set(r.lineId, add(bySku, r.sku, r.quantity));
  }
  const cancelled = new Map<string, number>();
  for (const b of input.backorders) add(cancelled, b.lineId, b.cancelled);

  const totals = new Map<string, LineTotals>();
  for (const lineId of new Set([...atOnce.keys(), ...own.keys(), ...substitutes.keys(), ...cancelled.keys()])) {
    const substituted = [...(substitutes.get(lineId) ?? [])].sort(([a], [b]) => a.localeCompare(b)).map(([sku, quantity]) => ({ sku, quantity }));
    const inPeriods = rations?.later.get(lineId);
    totals.set(lineId, {
      shippedAtOnce: atOnce.get(lineId) ?? 0,
      ...(inPeriods !== undefined ? { shippedInPeriods: inPeriods } : {}),
      shippedFromRestocks: Math.max(0, (own.get(lineId) ?? 0) - (reservedAtOnce.get(lineId) ?? 0) - (inPeriods ?? 0)),
      ...(substituted.length > 0 ? { substituted } : {}),
      cancelled: cancelled.get(lineId) ?? 0,
    });
  }
  return totals;
}

const NO_TOTALS: LineTotals = { shippedAtOnce: 0, shippedFromRestocks: 0, cancelled: 0 };

function groupLines(inputs: NoticeInputs, orderOf: Map<string, OrderLineRef>): Map<string, NoticeLine[]> {
  const grouped = new Map<string, NoticeLine[]>();
  const add = (customerId: string, line: NoticeLine) => {
    const list = grouped.get(customerId) ?? [];
    list.push(line);
    grouped.set(customerId, list);
  };
  const expected = inputs.expectedDate ? { expectedDate: inputs.expectedDate } : {};
  if (inputs.allocation) {
    const affected = affectedCustomers(inputs);
    for (const line of inputs.allocation) {
      const order = orderOf.get(line.lineId);
      const substituted = line.substitutes.filter((s) => s.quantity > 0).map((s) => ({ sku: s.sku, quantity: s.quantity }));
      const open = inputs.openBackorders.get(line.lineId) ?? line.backordered;
      // A rationed line that ships nothing now still has its share to come: its customer hears the schedule.
      const nothing = line.allocated === 0 && open === 0 && substituted.length === 0 && !inputs.rations?.has(line.customerId);
      if (!order || !affected(line.customerId) || nothing) continue;
      add(line.customerId, {
        orderId: order.orderId,
        lineId: line.lineId,
        requested: order.quantity,
        shipNow: line.allocated,
        shipDate: inputs.today,
        backordered: open,
        ...(open > 0 ? expected : {}),
        ...(substituted.length > 0 ? { substituted } : {}),
        ...(line.allocated === 0 && line.reasons.length > 0 ? { reasons: line.reasons } : {}),
      });
    }
    return grouped;
  }
  for (const order of inputs.orderLines) {
    const open = inputs.openBackorders.get(order.lineId) ?? 0;
    if (NOTICE_KINDS[inputs.kind].closing ? !inputs.previouslyNotified.has(order.customerId) : open === 0) continue;
    add(order.customerId, {
      orderId: order.orderId,
      lineId: order.lineId,
      requested: order.quantity,
      shipNow: 0,
      backordered: open,
      ...(open > 0 ? expected : {}),
      ...(inputs.totals ? { totals: inputs.totals.get(order.lineId) ?? NO_TOTALS } : {}),
    });
  }
  return grouped;
}

/**
 * The first notice goes only to customers the shortage touches: something backordered, a substitute, or a
 * confirmation taken back. One served in full with its own product hears nothing (nor, later, the closing
 * notice). A restock round's lines are all backorders being served, so every customer in it is concerned.
 */
function affectedCustomers(inputs: NoticeInputs): (customerId: string) => boolean {
  if (!NOTICE_KINDS[inputs.kind].announcesShortage) return () => true;
  // A rationed customer gets its share in parts: it hears the schedule.
  const affected = new Set<string>(inputs.rations?.keys() ?? []);
  for (const line of inputs.allocation ?? []) {
    if (touchedByShortage(line, inputs.openBackorders.get(line.lineId) ?? line.backordered)) affected.add(line.customerId);
  }
  return (customerId) => affected.has(customerId);
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
    const told = byManager.get(managerId);
    if (told) told.push(notice);
    else byManager.set(managerId, [notice]);
  }
  // Each account's lines looked up once: filtering every order line per account grew with accounts × lines.
  const linesOf = new Map<string, OrderLineRef[]>();
  for (const line of inputs.totals ? inputs.orderLines : []) {
    const lines = linesOf.get(line.customerId);
    if (lines) lines.push(line);
    else linesOf.set(line.customerId, [line]);
  }
  const released = new Map<string, number>();
  for (const line of inputs.allocation ?? []) add(released, line.customerId, line.releasedConfirmation);
  const digests: AccountManagerDigest[] = [];
  for (const manager of [...inputs.accountManagers].sort((a, b) => a.accountManagerId.localeCompare(b.accountManagerId))) {
    const told = byManager.get(manager.accountManagerId);
    if (!told) continue;
    // One digest per manager and event (its Message-ID is per recipient); 2,000 accounts is the template's limit.
    const accounts = told.slice(0, 2000).map((notice): DigestAccount => {
      const customer = customers.get(notice.customer.customerId);
      const { lines } = notice;
      const backordered = sum(lines.map((l) => l.backordered));
      const substituted = sum(lines.flatMap((l) => l.substituted ?? []).map((s) => s.quantity));
      const confirmationReleased = released.get(notice.customer.customerId) ?? 0;
      const totals = inputs.totals ? accountTotals(inputs.totals, linesOf.get(notice.customer.customerId) ?? []) : undefined;
      const contact = customer ? noticeContact(customer) : undefined;
      return {
        customerId: notice.customer.customerId,
        name: notice.customer.name,
        ...(contact ? { contact: personOf(contact) } : {}),
        stage: customer?.stage ?? 'unknown',
        shipNow: sum(lines.map((l) => l.shipNow)),
        ...(substituted > 0 ? { substituted } : {}),
        backordered,
        ...(backordered > 0 && inputs.expectedDate ? { expectedDate: inputs.expectedDate } : {}),
        substituteOffered: lines.some((l) => l.substitute !== undefined || l.substituted !== undefined),
        ...(confirmationReleased > 0 ? { confirmationReleased } : {}),
        ...(customer?.critical ? { critical: true } : {}),
        ...(totals ? { totals } : {}),
        outcome: 'pending',
      };
    });
    digests.push({
      incidentId: inputs.incidentId,
      reference: inputs.reference,
      kind: inputs.kind,
      revision: inputs.revision,
      issuedAt: inputs.now.toISOString(),
      accountManager: {
        accountManagerId: manager.accountManagerId,
        name: manager.name,
        email: manager.email,
        ...(manager.locale ? { locale: manager.locale } : {}),
        ...(manager.timeZone ? { timeZone: manager.timeZone } : {}),
      },
      sku: inputs.sku,
      skuDescription: inputs.skuDescription,
      accounts,
      // Whom to call is decided when the shortage is announced; later digests report how it goes.
      personalHeadsUp: NOTICE_KINDS[inputs.kind].announcesShortage ? callFirst(accounts, inputs.stagesWithHeadsUp) : [],
    });
  }
  return digests;
}

/** An account's totals over all its lines of the SKU, also those the notice leaves out (served in full). */
function accountTotals(totals: Map<string, LineTotals>, orderLines: OrderLineRef[]): NonNullable<DigestAccount['totals']> {
  const lines = orderLines.map((l) => totals.get(l.lineId) ?? NO_TOTALS);
  return {
    shippedAtOnce: sum(lines.map((t) => t.shippedAtOnce)),
    ...(lines.some((t) => t.shippedInPeriods !== undefined) ? { shippedInPeriods: sum(lines.map((t) => t.shippedInPeriods ?? 0)) } : {}),
    shippedFromRestocks: sum(lines.map((t) => t.shippedFromRestocks)),
    substituted: sum(lines.flatMap((t) => t.substituted ?? []).map((s) => s.quantity)),
    cancelled: sum(lines.map((t) => t.cancelled)),
  };
}

/**
 * The accounts an account manager should call, most affected first: nothing ships at all, confirmed stock
 * taken back, critical supply, then most units backordered. A relationship whose stage calls for a personal
 * heads-up is on the list too, ranked by the same measures.
 */
function callFirst(accounts: DigestAccount[], stagesWithHeadsUp: Set<string>): string[] {
  const impact = (a: DigestAccount) => [a.shipNow === 0 && !a.substituted, (a.confirmationReleased ?? 0) > 0, a.critical === true];
  return accounts
    .filter((a) => impact(a).some(Boolean) || stagesWithHeadsUp.has(a.stage))
    .sort((a, b) => {
      const [x, y] = [impact(a), impact(b)];
      const differs = x.findIndex((flag, i) => flag !== y[i]);
      if (differs >= 0) return x[differs] ? -1 : 1;
      return b.backordered - a.backordered || a.customerId.localeCompare(b.customerId);
    })
    .map((a) => a.customerId);
}

/**
 * A backordered line with what the customer may answer about it: its own signed link for each answer kind
 * (one that needs a substitute offer only when one is on offer), so each answer acts on that line only.
 */
/**
 * The contact a shortage notice is written to: the first whose CRM roles include supply notices, else the
 * first contact (a CRM that keeps no roles has one contact per account, or lists the main one first).
 */
export function noticeContact(customer: Pick<NoticeCustomer, 'contacts'>): NoticeCustomer['contacts'][number] | undefined {
  return customer.contacts.find((c) => c.roles?.includes(SUPPLY_NOTICE_ROLE)) ?? customer.contacts[0];
}

/**
 * A person as an email names them. An address no mail server would take or an overlong number from the CRM is left
 * out rather than stopping the notice or the digest it is shown in.
 */
function personOf(person: { name: string; email: string; phone?: string | null | undefined }) {
  const phone = person.phone?.trim();
  return {
    name: person.name,
    ...(EmailAddressSchema.safeParse(person.email).success ? { email: person.email } : {}),
    ...(phone && phone.length <= 40 ? { phone } : {}),
  };
}

/** What a link's confirmation page restates about the lines it answers for. */
function answerDetails(inputs: NoticeInputs, customer: NoticeCustomer, lines: NoticeLine[]): AnswerDetails {
  return {
    sku: inputs.sku,
    ...(inputs.skuDescription ? { desc: inputs.skuDescription.slice(0, 80) } : {}),
    cur: inputs.currency,
    ...(customer.locale ? { loc: customer.locale } : {}),
    lines: lines.map((line) => ({
      l: line.lineId,
      o: line.orderId,
      q: line.backordered,
      ...(line.substitute ? { s: { sku: line.substitute.sku, q: line.substitute.quantity, d: line.substitute.priceDelta } } : {}),
    })),
  };
}

/**
 * One link per answer kind for every backordered line of the notice at once (a substitute acceptance for the
 * lines with an offer), when there are two lines or more to answer for and the link fits in a URL.
 */
function answersForAllLines(inputs: NoticeInputs, customer: NoticeCustomer, lines: NoticeLine[]): NoticeLine['answers'] | undefined {
  const answerable = lines.filter((l) => l.answers !== undefined);
  if (answerable.length < 2) return undefined;
  const links = ANSWERS_IN_EMAIL_ORDER.flatMap((answer) => {
    const covered = ANSWER_KINDS[answer].needsSubstituteOffer ? answerable.filter((l) => l.substitute) : answerable;
    if (covered.length < 2) return [];
    const [first, ...more] = covered.map((l) => l.lineId);
    const url = inputs.answerLinks.url(
      inputs.answerLinks.sign(
        { w: inputs.workflowId, i: inputs.incidentId, c: customer.customerId, l: first!, m: more, a: answer, d: answerDetails(inputs, customer, covered) },
        inputs.now,
      ),
    );
    return url.length <= MAX_LINK_LENGTH ? [[ANSWER_KINDS[answer].linkField, url] as const] : [];
  });
  return links.length > 0 ? Object.fromEntries(links) : undefined;
}

function withAnswers(inputs: NoticeInputs, customer: NoticeCustomer, orderOf: Map<string, OrderLineRef>, line: NoticeLine): NoticeLine {
  const order = orderOf.get(line.lineId);
  // The rule the acceptance applies: an email offers only what an answer can still get. A line has one
  // backorder (the commit keys it by line), so its open units are that backorder's.
  const decision = order ? substituteOffer(customer, order, inputs.substitutes, [line.backordered]) : null;
  const offer =
    decision?.kind === 'offer'
      ? {
          sku: decision.substitute.sku,
          ...(decision.substitute.description ? { description: decision.substitute.description } : {}),
          quantity: decision.quantity,
          priceDelta: decision.substitute.priceDelta,
        }
      : undefined;
  const details = answerDetails(inputs, customer, [{ ...line, ...(offer ? { substitute: offer } : {}) }]);
  const link = (answer: AnswerKind) =>
    inputs.answerLinks.url(
      inputs.answerLinks.sign({ w: inputs.workflowId, i: inputs.incidentId, c: customer.customerId, l: line.lineId, a: answer, d: details }, inputs.now),
    );
  const answers = ANSWERS_IN_EMAIL_ORDER.filter((answer) => offer || !ANSWER_KINDS[answer].needsSubstituteOffer);
  return {
    ...line,
    ...(offer ? { substitute: offer } : {}),
    answers: Object.fromEntries(answers.map((answer) => [ANSWER_KINDS[answer].linkField, link(answer)])),
  };
}

const sum = (values: number[]) => values.reduce((a, b) => a + b, 0);
const add = (map: Map<string, number>, key: string, units: number) => map.set(key, (map.get(key) ?? 0) + units);
