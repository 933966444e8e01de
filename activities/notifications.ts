// Notification activities: work out who is told what for one incident event (stored, not passed through
// history), then send in batches, exactly once per (incident, recipient, kind, revision).
import type { Policy } from '../src/allocation/policy';
import type { AllocationPlan } from '../src/allocation/types';
import type { SendMailOptions } from 'nodemailer';
import type { Communication } from '../src/crm/contract';
import type { CrmSystem } from '../src/crm/system';
import { storedOrderRounds } from './order-changes';
import { composeNotices, incidentTotals, type AllocatedLine, type ComposedNotices, type SubstituteInfo } from '../src/notifications/notices';
import type { SubstituteOption } from '../src/incident/state';
import type { InventorySystem } from '../src/inventory/system';
import {
  buildCustomerMessage,
  buildDigestMessage,
  buildEscalationMessage,
  deliverBatch,
  deliverOnce,
  isUndeliverableDetail,
  type DeliveryOutcome,
  type MailSender,
  type Message,
} from '../src/notifications/mailer';
import { MAIL_TASK_EMAILS } from '../src/notifications/fleet-mail-rate';
import {
  incidentReference,
  messageIdFor,
  recipientKey,
  type AccountManagerDigest,
  type CustomerNotice,
  type NoticeKind,
  type NoticeRation,
  type NoticeSource,
} from '../src/notifications/model';
import { periodStartMs, type StoredRations } from '../src/rationing/schedule';
import { RATIONS_KEY, rationReplanRef, storedReleases } from './rationing';
import type { ActivityDeps } from './deps';
import { beat, heartbeating, progress, retriesSoFar } from './progress';
import type { StoredRound } from './follow-up';
import { listIncidentBackorders } from './paging';
import { BATCH_WRITE_LIMIT, chunks, incidentLines, loadCustomers, loadSnapshot, openByLine, requireDocument } from './shared';
import { freeAtHub } from './stock';

/** The progress subject (heartbeat key) under which a delivery attempt records a message's outcome. */
export const deliveredKey = (messageId: string) => `delivered/${messageId}`;

const NOTIFIED_KEY = 'notified-customers';
/** The plan the first notice announced: later events read what each line got at once from it. */
const ANNOUNCED_PLAN_KEY = 'announced-plan';

/**
 * Prepared notices are also stored in parts of this many, and the digests apart: a mail task reads the parts its
 * batch covers, not every notice of the event (each of thousands of tasks reading all of them made the stage
 * quadratic in the customers). It divides every batch size (20 on the mail queue, 100 before it).
 */
const NOTICE_PART = MAIL_TASK_EMAILS;
const noticePartRef = (noticesRef: string, part: number) => `${noticesRef}/part/${part}`;
const digestsRef = (noticesRef: string) => `${noticesRef}/digests`;
/** One part: its notices, and how many the event has in all. */
interface NoticePart {
  of: number;
  notices: CustomerNotice[];
}

export function createNotificationActivities({ store, crm, inventory, mail, answerLinks, currency }: ActivityDeps) {
  /**
   * Delivers what earlier attempts of this activity did not finish; their outcomes come from the progress.
   * A message the SMTP server accepted is not handed to it again: what failed after it was the CRM record,
   * which the delivery writes now. The Message-ID and the log still guard a progress record lost with a worker.
   */
  async function deliverResumably(messages: Message[]): Promise<DeliveryOutcome[]> {
    const done = progress<DeliveryOutcome | true>();
    const accepted = (options: SendMailOptions) => `accepted/${String(options.messageId)}`;
    // The delivery only awaits sendMail; what the server answered is not read.
    const sendMail = async (options: SendMailOptions) => {
      if (done.has(accepted(options))) return;
      await mail.transport.sendMail(options);
      done.finish(accepted(options), true);
    };
    const transport = { sendMail } as unknown as MailSender;
    const earlier = new Set(messages.filter((m) => done.has(deliveredKey(m.messageId))).map((m) => m.messageId));
    const todo = messages.filter((m) => !earlier.has(m.messageId));
    await deliverBatch(transport, crm, todo, { onResult: (r) => done.finish(deliveredKey(r.messageId), r.outcome) });
    // What went out on an earlier attempt is reported as a redo always was: already sent, skipped now.
    return messages.map((m) => {
      const outcome = done.get(deliveredKey(m.messageId)) as DeliveryOutcome;
      return earlier.has(m.messageId) && outcome === 'sent' ? 'skipped-already-sent' : outcome;
    });
  }

  /**
   * Notices `from` (a batch's first, so within the notices) to before `to` of a prepared event, read from the parts
   * that hold them; from the whole document when the event was prepared without parts.
   */
  async function noticeSlice(incidentId: string, noticesRef: string, from: number, to: number): Promise<CustomerNotice[]> {
    const first = Math.floor(from / NOTICE_PART);
    const head = await store.get<NoticePart>(incidentId, noticePartRef(noticesRef, first));
    if (head === null) return (await requireDocument<ComposedNotices>(store, incidentId, noticesRef)).notices.slice(from, to);
    // Parts past the event's last (left by an attempt that composed more) are never read.
    const end = Math.min(to, head.of);
    const notices = [...head.notices];
    for (let part = first + 1; part * NOTICE_PART < end; part++) notices.push(...(await requireDocument<NoticePart>(store, incidentId, noticePartRef(noticesRef, part))).notices);
    return notices.slice(from - first * NOTICE_PART, end - first * NOTICE_PART);
  }

  return {
    async prepareNotices(input: {
      incidentId: string;
      workflowId: string;
      sku: string;
      kind: NoticeKind;
      revision: number;
      source: NoticeSource;
      substitutes: SubstituteOption[];
      expectedDate: string | null;
      policy: Policy;
    }): Promise<{ noticesRef: string; customers: number; accountManagers: number }> {
      const noticesRef = noticesRefOf(input.kind, input.revision);
      const snapshot = await loadSnapshot(store, input.incidentId);
      // The snapshot's lines and those placed or changed during the incident.
      const lines = await incidentLines(store, input.incidentId, snapshot);
      const rations = await rationsToTell(store, input.incidentId, input.source, input.revision);
      const allocation = rationed(await allocationOf(store, input.incidentId, input.source), rations, snapshot.lines);
      if ('planRef' in input.source) await store.put(input.incidentId, ANNOUNCED_PLAN_KEY, input.source.planRef);
      const previouslyNotified = new Set((await store.get<string[]>(input.incidentId, NOTIFIED_KEY)) ?? []);
      const backorders = await listIncidentBackorders(inventory, input.incidentId, beat);
      // Events without an allocation of their own say what each line got over the incident so far (a
      // cancellation undid it all: its notice says the orders continue as before).
      const planRef = allocation ? null : await store.get<string>(input.incidentId, ANNOUNCED_PLAN_KEY);
      const totals =
        allocation || input.kind === 'incident-cancelled'
          ? null
          : incidentTotals({
              sku: input.sku,
              plan: planRef ? (await requireDocument<AllocationPlan>(store, input.incidentId, planRef)).lines : null,
              orderRounds: (await storedOrderRounds(store, input.incidentId)).flatMap((r) => r.allocation),
              rations: await storedReleases(store, input.incidentId),
              confirmed: new Map(snapshot.lines.map((l) => [l.lineId, l.confirmedQuantity])),
              reservations: await inventory.listReservations({ incidentId: input.incidentId }),
              backorders,
            });
      const concerned = [...new Set((allocation ?? lines).map((l) => l.customerId))].sort();
      const customers = await loadCustomers(crm, concerned, beat);
      const managerIds = [...new Set(customers.map((c) => c.accountManagerId))].sort();
      const composed = composeNotices({
        incidentId: input.incidentId,
        reference: await referenceOf(store, input.workflowId, input.incidentId),
        workflowId: input.workflowId,
        kind: input.kind,
        revision: input.revision,
        sku: input.sku,
        skuDescription: snapshot.item.description,
        currency,
        today: new Date().toISOString().slice(0, 10),
        expectedDate: 'eta' in input.source ? input.source.eta.eta : ((await store.get<string>(input.incidentId, 'expected-date')) ?? input.expectedDate),
        previousExpectedDate: 'eta' in input.source ? input.source.eta.previousEta : null,
        etaReason: 'eta' in input.source ? (input.source.eta.reason ?? null) : null,
        allocation,
        totals,
        orderLines: lines,
        openBackorders: openByLine(backorders),
        previouslyNotified,
        customers,
        accountManagers: managerIds.length > 0 ? await crm.getAccountManagers(managerIds) : [],
        substitutes: await freeNow(inventory, snapshot.hubId, input.substitutes),
        credits: new Map(Object.entries((await store.get<Record<string, number>>(input.incidentId, 'credits')) ?? {})),
        stagesWithHeadsUp: new Set(input.policy.stages.filter((s) => s.personalHeadsUp).map((s) => s.name)),
        answerLinks,
        now: new Date(),
        ...(rations ? { rations: rations.told } : {}),
      });
      // The whole document, for batches a worker of the code before the parts runs during a deployment.
      await store.put(input.incidentId, noticesRef, composed);
      for (const [part, notices] of chunks(composed.notices, NOTICE_PART).entries()) {
        await store.put(input.incidentId, noticePartRef(noticesRef, part), { of: composed.notices.length, notices } satisfies NoticePart);
        beat();
      }
      await store.put(input.incidentId, digestsRef(noticesRef), composed.digests);
      for (const notice of composed.notices) previouslyNotified.add(notice.customer.customerId);
      await store.put(input.incidentId, NOTIFIED_KEY, [...previouslyNotified].sort());
      return { noticesRef, customers: composed.notices.length, accountManagers: composed.digests.length };
    },

    /**
     * Sends one batch of prepared customer notices. A permanently rejected address, or a customer whose CRM
     * record has no usable address, is recorded and counted as rejected, not retried: one customer never
     * holds up the others.
     */
    async deliverNoticeBatch(input: { incidentId: string; noticesRef: string; batch: number; batchSize: number }) {
      return heartbeating(async () => {
        const slice = await noticeSlice(input.incidentId, input.noticesRef, input.batch * input.batchSize, (input.batch + 1) * input.batchSize);
        const outcomes = await deliverResumably(slice.map((notice) => buildCustomerMessage(notice, mail.from)));
        return {
          sent: outcomes.filter((o) => o === 'sent').length,
          skipped: outcomes.filter((o) => o === 'skipped-already-sent').length,
          rejected: outcomes.filter((o) => o === 'rejected' || o === 'undeliverable').length,
          ...retriesSoFar(),
        };
      });
    },

    /**
     * One digest per account manager, with what each account was told and whether it reached them; in batches
     * when given one (a mail task sends a bounded number of emails: src/notifications/fleet-mail-rate.ts).
     */
    async deliverDigests(input: { incidentId: string; noticesRef: string; batch?: number; batchSize?: number }): Promise<number> {
      return heartbeating(async () => {
        const all =
          (await store.get<AccountManagerDigest[]>(input.incidentId, digestsRef(input.noticesRef))) ??
          (await requireDocument<ComposedNotices>(store, input.incidentId, input.noticesRef)).digests;
        const digests = input.batchSize === undefined ? all : all.slice((input.batch ?? 0) * input.batchSize, ((input.batch ?? 0) + 1) * input.batchSize);
        const accountMessageId = (digest: AccountManagerDigest, customerId: string) =>
          messageIdFor({ incidentId: digest.incidentId, recipient: recipientKey('customer', customerId), kind: digest.kind, revision: digest.revision });
        const outcomes = await communicationOutcomes(
          crm,
          digests.flatMap((digest) => digest.accounts.map((account) => accountMessageId(digest, account.customerId))),
        );
        const messages = digests.map((digest) =>
          buildDigestMessage(
            {
              ...digest,
              accounts: digest.accounts.map((account) => ({ ...account, outcome: outcomes.get(accountMessageId(digest, account.customerId)) ?? 'pending' })),
            },
            mail.from,
          ),
        );
        const delivered = await deliverResumably(messages);
        return delivered.filter((o) => o === 'sent' || o === 'skipped-already-sent').length;
      });
    },

    /** Tells the planners a decision or an SLA needs a person. */
    async escalate(input: {
      incidentId: string;
      workflowId: string;
      sku: string;
      network: string;
      stage: string;
      severity: string;
      reason: string;
      revision: number;
      openBackorderUnits?: number;
      affectedCustomers?: number;
    }): Promise<string> {
      const message = buildEscalationMessage(
        { ...input, planner: { name: 'Supply planners', email: mail.plannerEmail } },
        mail.from,
      );
      return (await deliverOnce(mail.transport, crm, message)).outcome;
    },
  };
}

/**
 * The substitutes with the stock free at the hub now, not at the lookup (an email offers only what an answer
 * can still get), and the catalogue's description so the customer knows what is offered.
 */
async function freeNow(inventory: InventorySystem, hubId: string, substitutes: SubstituteOption[]): Promise<SubstituteInfo[]> {
  return Promise.all(
    substitutes.map(async (substitute) => {
      const [available, item] = await Promise.all([freeAtHub(inventory, substitute.sku, hubId), inventory.getItem(substitute.sku)]);
      return { ...substitute, ...(item.description.trim() ? { description: item.description } : {}), available };
    }),
  );
}

// The incidents a workflow id has carried, in order (each SKU's incidents reuse its workflow id).
const REFERENCES_KEY = 'incident-references';

/**
 * The incident's person-readable reference: its SKU's and network's, numbered by the order the incidents of the
 * workflow id first sent notices. Kept in the store under the workflow id, so a retry or a later event reads the same.
 */
export async function referenceOf(store: ActivityDeps['store'], workflowId: string, incidentId: string): Promise<string> {
  const known = (await store.get<string[]>(workflowId, REFERENCES_KEY)) ?? [];
  if (!known.includes(incidentId)) await store.put(workflowId, REFERENCES_KEY, [...known, incidentId]);
  return incidentReference(workflowId, (known.includes(incidentId) ? known.indexOf(incidentId) : known.length) + 1);
}

/** Where the notices of one event are stored. */
export const noticesRefOf = (kind: NoticeKind, revision: number) => `notices/${kind}/${revision}`;

/**
 * What a notice says of rationing: the first notice each rationed customer's schedule (its first period ships now),
 * a re-plan's the periods to come of the customers it changed; with the first period's reservations per line.
 * An ETA change that re-planned the rationing tells its own customers whose allotments moved, and the re-plan's
 * notice then only those the ETA change did not email: one email per customer per event. Null for other notices,
 * or when nothing is rationed.
 */
async function rationsToTell(
  store: ActivityDeps['store'],
  incidentId: string,
  source: NoticeSource,
  revision: number,
): Promise<{ told: Map<string, NoticeRation>; firstPeriod: Map<string, number>; customers: Set<string> | null } | null> {
  const replanRevision = 'ration' in source ? source.ration.revision : 'eta' in source ? source.rationReplan : undefined;
  if (!('planRef' in source) && replanRevision === undefined) return null;
  const stored = await store.get<StoredRations>(incidentId, RATIONS_KEY);
  if (!stored) return null;
  const { schedule } = stored;
  const replan = replanRevision === undefined ? null : await requireDocument<{ changedCustomers: string[] }>(store, incidentId, rationReplanRef(replanRevision));
  const toldByEta =
    'ration' in source
      ? new Set((await store.get<ComposedNotices>(incidentId, noticesRefOf('eta-change', revision)))?.notices.map((n) => n.customer.customerId) ?? [])
      : new Set<string>();
  const changed = replan ? replan.changedCustomers.filter((id) => !toldByEta.has(id)) : null;
  const from = new Date(periodStartMs(schedule, schedule.released + 1)).toISOString().slice(0, 10);
  const told = new Map<string, NoticeRation>();
  for (const c of schedule.customers) {
    if (changed && !changed.includes(c.customerId)) continue;
    const then = replan ? (c.allotments[schedule.released] ?? 0) : (c.allotments[1] ?? 0);
    told.set(c.customerId, { ...(replan ? { from } : { now: c.allotments[0] ?? 0 }), then, everyDays: schedule.periodDays, until: schedule.until });
  }
  const firstPeriod = (await storedReleases(store, incidentId))?.atCommit ?? new Map<string, number>();
  return { told, firstPeriod, customers: changed ? new Set(changed) : null };
}

/**
 * A rationed plan's lines as the notice states them: what ships now is the confirmation a line keeps and its
 * part of the first period; a re-plan's notice is about the lines of the customers it changed.
 */
function rationed(allocation: AllocatedLine[] | null, rations: Awaited<ReturnType<typeof rationsToTell>>, lines: { lineId: string; confirmedQuantity: number }[]) {
  if (!allocation || !rations) return allocation;
  const confirmed = new Map(lines.map((l) => [l.lineId, l.confirmedQuantity]));
  const changed = rations.customers;
  if (changed) return allocation.filter((l) => changed.has(l.customerId));
  return allocation.map((l) => {
    const kept = l.releasedConfirmation > 0 ? 0 : Math.min(confirmed.get(l.lineId) ?? 0, l.allocated);
    return { ...l, allocated: kept + (rations.firstPeriod.get(l.lineId) ?? 0) };
  });
}

async function allocationOf(store: ActivityDeps['store'], incidentId: string, source: NoticeSource): Promise<AllocatedLine[] | null> {
  if ('planRef' in source) return (await requireDocument<AllocationPlan>(store, incidentId, source.planRef)).lines;
  if ('ration' in source) {
    const { planRef } = await requireDocument<StoredRations>(store, incidentId, RATIONS_KEY);
    return (await requireDocument<AllocationPlan>(store, incidentId, planRef)).lines;
  }
  if ('roundRef' in source) return (await requireDocument<StoredRound>(store, incidentId, source.roundRef)).allocation;
  return null;
}

type AccountOutcome = AccountManagerDigest['accounts'][number]['outcome'];

/** A 'failed' entry was not delivered yet; a 'rejected' one is a bounce unless the mailer never could send it. */
function accountOutcome(c: Communication): AccountOutcome {
  if (c.outcome === 'failed') return 'pending';
  if (c.outcome === 'rejected' && isUndeliverableDetail(c.detail)) return 'undeliverable';
  return c.outcome;
}

/**
 * What the log holds for the digest's own accounts' notices, looked up by Message-ID: a digest batch reads its
 * accounts, not every communication of the incident (each of its batches paged through them all).
 */
async function communicationOutcomes(crm: CrmSystem, messageIds: string[]): Promise<Map<string, AccountOutcome>> {
  const outcomes = new Map<string, AccountOutcome>();
  for (const ids of chunks(messageIds, BATCH_WRITE_LIMIT)) {
    for (const entry of await crm.findCommunications(ids)) if (entry) outcomes.set(entry.messageId, accountOutcome(entry));
    beat();
  }
  return outcomes;
}
