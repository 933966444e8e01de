// Delivery: build the messages, send each at most once per Message-ID through a pooled, rate-limited SMTP
// transport, and record every outcome in the CRM communication log. Nothing here logs customer data.
import { ApplicationFailure } from '@temporalio/common';
import nodemailer from 'nodemailer';
import type { NodemailerError, SendMailOptions, SMTPPoolOptions, SMTPPoolSentMessageInfo, Transporter } from 'nodemailer';
import { z } from 'zod';
import { forEachAtOnce } from '../concurrency/at-once';
import type { CommunicationEntry, CommunicationLog } from './communication-log';
import { headerSafe, singleLine } from './document';
import {
  AccountManagerDigestSchema,
  CustomerNoticeSchema,
  EmailAddressSchema,
  MessageKindSchema,
  EscalationSchema,
  idempotencyKeyFor,
  messageIdFor,
  recipientKey,
  type AccountManagerDigest,
  type CustomerNotice,
  type MessageIdentity,
  type MessageKind,
  type Escalation,
} from './model';
import { renderEscalation, renderParsedDigest, renderParsedNotice, type RenderedEmail } from './templates';

// ---------------------------------------------------------------------------------------------------
// Configuration

// Environment variables arrive as strings; `z.coerce.boolean()` would read "false" as true.
const Flag = z.union([z.boolean(), z.stringbool()]);

/** SMTP connections a process keeps open; each carries at most one message at a time. */
export const DEFAULT_SMTP_CONNECTIONS = 3;

export const SmtpConfigSchema = z
  .object({
    host: z.string().min(1),
    port: z.coerce.number().int().min(1).max(65535),
    /** Implicit TLS (port 465). Without it STARTTLS is used when the server offers it. */
    secure: Flag.default(false),
    /** Refuse to send unless the connection is upgraded with STARTTLS. */
    requireTls: Flag.default(false),
    tlsRejectUnauthorized: Flag.default(true),
    user: z.string().min(1).optional(),
    pass: z.string().min(1).optional(),
    from: EmailAddressSchema,
    fromName: z.string().max(100).optional(),
    /**
     * What one process sends at most; the fleet as a whole is held to the same rate by the mail task queue's
     * server-side limit (src/notifications/fleet-mail-rate.ts), this smooths each process's share.
     */
    rateLimitPerSecond: z.coerce.number().positive().max(10_000).default(20),
    poolSize: z.coerce.number().int().min(1).max(50).default(DEFAULT_SMTP_CONNECTIONS),
    maxMessagesPerConnection: z.coerce.number().int().min(1).max(10_000).default(100),
  })
  .refine((c) => (c.user === undefined) === (c.pass === undefined), {
    path: ['pass'],
    message: 'user and pass must be given together',
  });
export type SmtpConfig = z.output<typeof SmtpConfigSchema>;
export type SmtpConfigInput = z.input<typeof SmtpConfigSchema>;

export type MailTransport = Transporter<SMTPPoolSentMessageInfo, SMTPPoolOptions>;
/** What delivery needs from a transport; a `MailTransport` is one. */
export type MailSender = Pick<MailTransport, 'sendMail'>;

/** nodemailer counts messages per window; a rate below 1/s becomes one message per longer window. */
function rateWindow(perSecond: number): { rateLimit: number; rateDelta: number } {
  return perSecond >= 1
    ? { rateLimit: Math.floor(perSecond), rateDelta: 1000 }
    : { rateLimit: 1, rateDelta: Math.round(1000 / perSecond) };
}

export function createMailTransport(input: SmtpConfigInput): MailTransport {
  const config = SmtpConfigSchema.parse(input);
  return nodemailer.createTransport({
    pool: true,
    host: config.host,
    port: config.port,
    secure: config.secure,
    requireTLS: config.requireTls,
    tls: { rejectUnauthorized: config.tlsRejectUnauthorized },
    ...(config.user && config.pass ? { auth: { user: config.user, pass: config.pass } } : {}),
    maxConnections: config.poolSize,
    maxMessages: config.maxMessagesPerConnection,
    ...rateWindow(config.rateLimitPerSecond),
    // Bounded waits so a stalled server fails the activity attempt instead of hanging it.
    connectionTimeout: 10_000,
    greetingTimeout: 10_000,
    socketTimeout: 30_000,
    logger: false,
    // Defence in depth: our messages never reference files or URLs as content, and have exactly one recipient.
    disableFileAccess: true,
    disableUrlAccess: true,
    maxRecipients: 1,
  });
}

export function senderFromConfig(config: SmtpConfig): Sender {
  return config.fromName ? { name: config.fromName, address: config.from } : { address: config.from };
}

// ---------------------------------------------------------------------------------------------------
// Messages

/** No control characters at all: this value is written into a header. */
const HeaderText = (max: number) =>
  z
    .string()
    .max(max)
    .refine((value) => value === singleLine(value), { message: 'must be a single line without control characters' });

const AddressSchema = z.object({ name: HeaderText(200).optional(), address: EmailAddressSchema });
export type Sender = z.infer<typeof AddressSchema>;

const MessageIdSchema = z.string().regex(/^<[\w.-]+@[A-Za-z0-9.-]+>$/, 'an RFC 5322 Message-ID like <id@domain>');

/** What the communication log needs besides the Message-ID. */
const MetaSchema = z.object({
  idempotencyKey: z.string().min(1),
  incidentId: z.string().min(1),
  kind: MessageKindSchema,
  revision: z.number().int().nonnegative(),
  customerId: z.string().optional(),
  accountManagerId: z.string().optional(),
});
type Meta = z.infer<typeof MetaSchema>;

/**
 * A ready-to-send email: the nodemailer fields plus what the communication log needs (`meta`).
 * Plain JSON, so it can travel in an activity payload.
 */
export const OutboundEmailSchema = z.object({
  from: AddressSchema,
  to: AddressSchema,
  /** Where a reply goes: the customer's account manager, not the automated sender. */
  replyTo: AddressSchema.optional(),
  subject: HeaderText(250),
  text: z.string(),
  html: z.string(),
  messageId: MessageIdSchema,
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]+$/, 'header name'), HeaderText(300)),
  meta: MetaSchema,
});
export type OutboundEmail = z.infer<typeof OutboundEmailSchema>;

/**
 * A message its recipient's own data cannot make: the CRM holds no address, or one no mail server would
 * take. No retry can fix that, so it is never sent but recorded in the communication log like a refusal,
 * under the same Message-ID, and the account manager's digest names it.
 */
export const UndeliverableMessageSchema = z.object({
  undeliverable: z.literal(true),
  messageId: MessageIdSchema,
  /** The stable recipient key (`customer:C-17`): the address is what is missing or broken. */
  recipient: z.string().min(1).max(300),
  /** Which field could not make the message and why, never its value (see `isUndeliverableDetail`). */
  detail: HeaderText(300),
  meta: MetaSchema,
});
export type UndeliverableMessage = z.infer<typeof UndeliverableMessageSchema>;

/** What delivery takes: an email to send, or an undeliverable one to record. */
export type Message = OutboundEmail | UndeliverableMessage;
const MessageSchema = z.union([OutboundEmailSchema, UndeliverableMessageSchema]);

const UNDELIVERABLE = 'not sent, unusable recipient data';

/** Whether a communication-log detail is that of an undeliverable message (the log itself only says 'rejected'). */
export function isUndeliverableDetail(detail: string | null | undefined): boolean {
  return detail?.startsWith(`${UNDELIVERABLE}: `) ?? false;
}

interface Envelope {
  incidentId: string;
  kind: MessageKind;
  revision: number;
  recipient: string;
  to: { name: string; address: string };
  replyTo?: { name: string; address: string } | undefined;
  from: Sender | string;
  rendered: RenderedEmail;
  customerId?: string;
  accountManagerId?: string;
}

function metaOf(identity: MessageIdentity & { kind: MessageKind }, ids: { customerId?: string; accountManagerId?: string }): Meta {
  return {
    idempotencyKey: idempotencyKeyFor(identity),
    incidentId: identity.incidentId,
    kind: identity.kind,
    revision: identity.revision,
    ...(ids.customerId !== undefined ? { customerId: ids.customerId } : {}),
    ...(ids.accountManagerId !== undefined ? { accountManagerId: ids.accountManagerId } : {}),
  };
}

/**
 * Emails `assemble` made, so validated: delivery does not parse them a second time (a stage's thousands of emails
 * each paid for it twice). Nothing changes a built email (the transport gets copies of what it rewrites:
 * toMailOptions); any other message delivery is handed it parses. Not frozen: nodemailer reads frozen options
 * about a third slower (the incident bench's direct send, 2.8 against 3.4–4.1 ms of CPU an email).
 */
const assembled = new WeakSet<Message>();

function validated(email: OutboundEmail): OutboundEmail {
  assembled.add(email);
  return email;
}

function assemble(e: Envelope): OutboundEmail {
  const identity = { incidentId: e.incidentId, recipient: e.recipient, kind: e.kind, revision: e.revision };
  const from = AddressSchema.parse(typeof e.from === 'string' ? { address: e.from } : e.from);
  return validated(OutboundEmailSchema.parse({
    from,
    to: { name: headerSafe(e.to.name, 120), address: e.to.address },
    ...(e.replyTo ? { replyTo: { name: headerSafe(e.replyTo.name, 120), address: e.replyTo.address } } : {}),
    subject: e.rendered.subject,
    text: e.rendered.text,
    html: e.rendered.html,
    messageId: messageIdFor(identity),
    headers: {
      'X-Stockout-Incident': headerSafe(e.incidentId, 200),
      'X-Stockout-Notice': `${e.kind}; revision=${e.revision}`,
      // RFC 3834: keeps out-of-office responders from answering an automated notice.
      'Auto-Submitted': 'auto-generated',
    },
    meta: metaOf(identity, e),
  }));
}

function undeliverable(
  identity: MessageIdentity & { kind: MessageKind },
  ids: { customerId?: string; accountManagerId?: string },
  reason: string,
): UndeliverableMessage {
  return {
    undeliverable: true,
    messageId: messageIdFor(identity),
    recipient: identity.recipient,
    detail: headerSafe(`${UNDELIVERABLE}: ${reason}`, 300),
    meta: metaOf(identity, ids),
  };
}

/**
 * Parses a notice or digest. When the only invalid field is the recipient's address, that is CRM data no
 * retry can fix: the reason comes back instead of an error. Anything else throws a ZodError naming the field.
 */
function parseUnlessAddress<T>(schema: z.ZodType<T>, input: unknown, address: readonly [string, string]): { value: T } | { unusable: string } {
  const result = schema.safeParse(input);
  if (result.success) return { value: result.data };
  const onAddress = result.error.issues.every((issue) => issue.path[0] === address[0] && issue.path[1] === address[1]);
  if (!onAddress) throw result.error;
  return { unusable: `${address.join('.')}: ${result.error.issues[0]?.message ?? 'invalid'}` };
}

/** The email of a customer notice, or an undeliverable record when the customer has no usable address. */
export function buildCustomerMessage(input: CustomerNotice, from: Sender | string): Message {
  const parsed = parseUnlessAddress(CustomerNoticeSchema, input, ['customer', 'email']);
  // When only the address is wrong, every other field of the input is valid.
  const notice = 'value' in parsed ? parsed.value : input;
  const { customer } = notice;
  const identity = { incidentId: notice.incidentId, recipient: recipientKey('customer', customer.customerId), kind: notice.kind, revision: notice.revision };
  const ids = { customerId: customer.customerId };
  if ('unusable' in parsed) return undeliverable(identity, ids, parsed.unusable);
  if (customer.email === undefined) return undeliverable(identity, ids, 'customer.email: the CRM has no contact for this customer');
  const manager = notice.accountManager;
  return assemble({
    ...identity,
    to: { name: customer.contactName ?? customer.name, address: customer.email },
    ...(manager?.email ? { replyTo: { name: manager.name, address: manager.email } } : {}),
    from,
    rendered: renderParsedNotice(parsed.value),
    ...ids,
  });
}

/** The digest for an account manager, or an undeliverable record when the CRM's address for them is unusable. */
export function buildDigestMessage(input: AccountManagerDigest, from: Sender | string): Message {
  const parsed = parseUnlessAddress(AccountManagerDigestSchema, input, ['accountManager', 'email']);
  if ('unusable' in parsed) {
    const { accountManagerId } = input.accountManager;
    const identity = { incidentId: input.incidentId, recipient: recipientKey('account-manager', accountManagerId), kind: input.kind, revision: input.revision };
    return undeliverable(identity, { accountManagerId }, parsed.unusable);
  }
  const digest = parsed.value;
  const { accountManager } = digest;
  return assemble({
    incidentId: digest.incidentId,
    kind: digest.kind,
    revision: digest.revision,
    recipient: recipientKey('account-manager', accountManager.accountManagerId),
    to: { name: accountManager.name, address: accountManager.email },
    from,
    rendered: renderParsedDigest(digest),
    accountManagerId: accountManager.accountManagerId,
  });
}

export function buildEscalationMessage(input: Escalation, from: Sender | string): OutboundEmail {
  const escalation = EscalationSchema.parse(input);
  return assemble({
    incidentId: escalation.incidentId,
    kind: 'escalation',
    revision: escalation.revision,
    recipient: `planner:${escalation.planner.email.toLowerCase()}`,
    to: { name: escalation.planner.name, address: escalation.planner.email },
    from,
    rendered: renderEscalation(escalation),
  });
}

// ---------------------------------------------------------------------------------------------------
// Delivery

export type DeliveryOutcome = 'sent' | 'skipped-already-sent' | 'rejected' | 'undeliverable';

export interface DeliveryResult {
  messageId: string;
  outcome: DeliveryOutcome;
  detail?: string;
}

/**
 * A delivery that may succeed later (4xx reply, connection or timeout trouble, a refusal that is not about
 * the recipient): the caller retries. Its message names no recipient, so it is safe in logs and workflow history.
 */
export class MailDeliveryError extends Error {
  readonly retryable = true;
  constructor(
    readonly messageId: string,
    readonly code: string | undefined,
    readonly responseCode: number | undefined,
  ) {
    super(`SMTP delivery of ${messageId} did not complete (code ${code ?? 'none'}, reply ${responseCode ?? 'none'}); retry later`);
    this.name = 'MailDeliveryError';
  }
}

/** Failure type of a session the SMTP server refuses for our own configuration (credentials, TLS). */
export const SMTP_CONFIGURATION = 'SmtpConfiguration';

// Replies about the session, whatever command they answer: 530 authentication or TLS required, 534
// mechanism too weak, 535 credentials invalid, 538 encryption required for the mechanism (RFC 4954, 3207).
const SESSION_REFUSALS = new Set([530, 534, 535, 538]);

const isPermanent = (code: number | undefined): code is number => typeof code === 'number' && code >= 500 && code < 600;

/**
 * Our configuration is refused: wrong credentials, or a server that wants TLS or authentication we do not
 * use. Not retried on purpose: the server gives the same answer to every attempt until a person fixes the
 * SMTP settings, and repeated failed logins can get the account locked. The incident parks at once with
 * this message; nothing was recorded, so `resume` after the fix sends everything.
 */
function isConfigurationRefusal(err: NodemailerError): boolean {
  if (isPermanent(err.responseCode) && SESSION_REFUSALS.has(err.responseCode)) return true;
  // EAUTH without a reply: no credentials for the mechanism; a 4xx reply (454) is a temporary failure.
  return err.code === 'EAUTH' && !(typeof err.responseCode === 'number' && err.responseCode < 500);
}

/**
 * A permanent refusal of this message to this recipient: a 5xx reply to RCPT TO, or a 5xx after DATA
 * (each message has exactly one recipient, so that reply concerns it alone; the same bytes would be refused
 * again). 503 (bad sequence) is about the session, which a new one gets past. Everything else (connection,
 * greeting, MAIL FROM refused) says nothing about the recipient and is retried: recording the customer as
 * rejected would mean never trying them again.
 */
export function isRecipientRefusal(err: NodemailerError): boolean {
  if (!isPermanent(err.responseCode) || err.responseCode === 503) return false;
  return (err.code === 'EENVELOPE' && err.command === 'RCPT TO') || (err.code === 'EMESSAGE' && err.command === 'DATA');
}

function configurationFailure(err: NodemailerError): ApplicationFailure {
  const reply = headerSafe(err.response ?? err.message, 200);
  return ApplicationFailure.create({
    type: SMTP_CONFIGURATION,
    nonRetryable: true,
    message:
      `the SMTP server refused our session at ${err.command ?? 'login'} (${reply}): check SMTP_USER, SMTP_PASS, ` +
      'SMTP_SECURE and SMTP_REQUIRE_TLS, then resume the incident',
    details: [{ code: err.code ?? null, responseCode: err.responseCode ?? null, command: err.command ?? null }],
  });
}

/** What the transport is handed: addresses of its own, since nodemailer rewrites them in place (punycode). */
export function toMailOptions(message: OutboundEmail): SendMailOptions {
  const { meta: _meta, from, to, replyTo, ...mail } = message;
  return { ...mail, from: { ...from }, to: { ...to }, ...(replyTo ? { replyTo: { ...replyTo } } : {}) };
}

/** Writes one entry of a delivery to the communication log; resolves once it is logged. */
type LogWrite = (entry: CommunicationEntry) => Promise<void>;

/**
 * Each outcome is written as soon as it is known: at once when no write is in flight, else with every outcome
 * that arrived meanwhile, in the write that follows (at most CRM_BATCH at once). An outcome waits for one write
 * at most before its own starts, so the log trails the sends by a round trip or two, never by a batch; and
 * under load (thousands of sends on a busy process) the CRM is asked once per handful, not once per message.
 *
 * A failure costs each delivery (one batch) no more than its own write would. One the CRM refused (an entry it
 * will not take) is written again entry by entry, so only the refused entry's message fails. Any other failure of
 * a write carrying several deliveries' outcomes is written again once per delivery, side by side, failing only
 * those whose own write fails too: a CRM hiccup fails no batch (it failed every batch in the write). One rewrite,
 * at once, on purpose: waiting and resending is the CRM client's rule (src/http/client.ts), spent already when a
 * failure gets here; under a longer outage a delivery so learns of it after two of the client's budgets, not one.
 */
function groupedRecords(commLog: CommunicationLog): () => LogWrite {
  interface Waiting {
    entry: CommunicationEntry;
    delivery: object;
    done: () => void;
    failed: (error: unknown) => void;
  }
  const waiting: Waiting[] = [];
  let writing = false;
  const settle = async (group: Waiting[]): Promise<void> => {
    try {
      await commLog.recordCommunications({ items: group.map((w) => w.entry) });
      for (const w of group) w.done();
    } catch (error) {
      const deliveries = new Set(group.map((w) => w.delivery));
      if (group.length > 1 && error instanceof ApplicationFailure && error.nonRetryable) {
        for (const w of group) await settle([w]);
      } else if (deliveries.size > 1) {
        await Promise.all([...deliveries].map((delivery) => settle(group.filter((w) => w.delivery === delivery))));
      } else for (const w of group) w.failed(error);
    }
  };
  const write = async () => {
    writing = true;
    while (waiting.length > 0) await settle(waiting.splice(0, CRM_BATCH));
    writing = false;
  };
  return () => {
    const delivery = {};
    return (entry) =>
      new Promise<void>((done, failed) => {
        waiting.push({ entry, delivery, done, failed });
        if (!writing) void write();
      });
  };
}

/** The log's writes are shared by every delivery in the process: parallel batches' outcomes go out together. */
const sharedRecords = new WeakMap<CommunicationLog, () => LogWrite>();
/** The writer of one delivery (a batch, or one message) into the process's shared writes to `commLog`. */
function recordsTo(commLog: CommunicationLog): LogWrite {
  let open = sharedRecords.get(commLog);
  if (!open) sharedRecords.set(commLog, (open = groupedRecords(commLog)));
  return open();
}

function record(log: LogWrite, message: Message, recipient: string, outcome: 'sent' | 'rejected', detail?: string) {
  const { meta, messageId } = message;
  return log({
    idempotencyKey: meta.idempotencyKey,
    incidentId: meta.incidentId,
    recipient,
    ...(meta.customerId !== undefined ? { customerId: meta.customerId } : {}),
    ...(meta.accountManagerId !== undefined ? { accountManagerId: meta.accountManagerId } : {}),
    kind: meta.kind,
    messageId,
    outcome,
    ...(detail !== undefined ? { detail } : {}),
  });
}

/*
 * Exactly once, and the window that remains.
 *
 * 1. Look the deterministic Message-ID up in the communication log: already 'sent' → skip; already
 *    'rejected' → do not try the refused address again.
 * 2. Send with that Message-ID header.
 * 3. Record the outcome under the idempotency key derived from the same identity, as soon as the server
 *    answered: alone, or with the outcomes of the batch that arrived while the previous write was in flight.
 *
 * A crash (or a failed log write; one shared with other deliveries only once this delivery's own rewrite
 * failed too, see groupedRecords) after the server accepted the message but before step 3 leaves no
 * record, so the retry sends again. That second copy carries the SAME Message-ID, which receiving
 * MTAs and mail clients treat as the same message (Gmail, Outlook and most stores collapse it), and
 * its record uses the SAME idempotency key, so the CRM still holds one communication. The window is
 * one SMTP round trip plus at most two CRM writes wide (the one in flight, then its own; a third when
 * that one failed and is written again for the delivery alone): the messages a crash can resend are
 * those in flight to the server or to the log, never a batch's worth.
 *
 * We deliberately write no 'pending' intent before sending. It cannot narrow the window: after a crash
 * a pending record cannot tell "server accepted" from "never reached the server", so the retry must
 * still send (skipping would lose the email, which is worse than a deduplicated copy). Worse, the CRM
 * record is idempotent by key, so a pending (or transient 'failed') row written first could occupy the
 * key and swallow the final 'sent'. For the same reason transient failures are thrown, not recorded;
 * an entry someone else recorded as 'failed' is treated as "not delivered" and sent again.
 */
async function deliverValidated(transport: MailSender, log: LogWrite, message: Message, previous: LoggedOutcome): Promise<DeliveryResult> {
  const { messageId } = message;
  if (previous?.outcome === 'sent') return { messageId, outcome: 'skipped-already-sent' };
  if ('undeliverable' in message) {
    if (previous?.outcome !== 'rejected') await record(log, message, message.recipient, 'rejected', message.detail);
    return { messageId, outcome: 'undeliverable', detail: message.detail };
  }
  if (previous?.outcome === 'rejected') {
    return { messageId, outcome: 'rejected', detail: 'refused on an earlier attempt; not sent again' };
  }

  let result: DeliveryResult;
  try {
    await transport.sendMail(toMailOptions(message));
    result = { messageId, outcome: 'sent' };
  } catch (error) {
    const err = error as NodemailerError;
    if (isConfigurationRefusal(err)) throw configurationFailure(err);
    if (!isRecipientRefusal(err)) throw new MailDeliveryError(messageId, err.code, err.responseCode);
    // The server's reply goes to the CRM record (it may quote the address), never to a log.
    result = { messageId, outcome: 'rejected', detail: headerSafe(`${err.responseCode} ${err.response ?? err.message}`, 300) };
  }

  await record(log, message, message.to.address, result.outcome === 'sent' ? 'sent' : 'rejected', result.detail);
  return result;
}

/**
 * Sends one message unless the log says it already went out. A permanent refusal of the recipient (5xx to
 * RCPT TO or after DATA) is recorded and returned as 'rejected', an undeliverable message is recorded and
 * returned as 'undeliverable'; a refusal of our SMTP configuration throws a non-retryable
 * `SmtpConfiguration` failure; anything else that may pass later throws `MailDeliveryError`. Invalid input
 * throws a ZodError naming the field, before anything is sent.
 */
export async function deliverOnce(transport: MailSender, commLog: CommunicationLog, message: Message): Promise<DeliveryResult> {
  const valid = assembled.has(message) ? message : MessageSchema.parse(message);
  const [previous] = await commLog.findCommunications([valid.messageId]);
  return deliverValidated(transport, recordsTo(commLog), valid, previous ?? null);
}

type LoggedOutcome = Awaited<ReturnType<CommunicationLog['findCommunications']>>[number];

/** Message-IDs the log is asked about, or outcomes it is given, at once: the CRM's batch limit. */
const CRM_BATCH = 500;

export interface BatchOptions {
  /** Messages in flight at once; the transport's pool and rate limit still apply underneath. */
  concurrency?: number;
  /** Called as each message finishes, e.g. to heartbeat an activity. */
  onResult?: (result: DeliveryResult, index: number) => void;
}

/**
 * Delivers a batch (keep it to ~100 so activity payloads stay small) with limited concurrency; results
 * are in input order. The whole batch is validated first, so a bad message sends nothing. On a retryable
 * failure no new message is started, the ones in flight finish (and are recorded), then the error is
 * thrown: a rerun of the same batch skips everything already recorded.
 */
export async function deliverBatch(
  transport: MailSender,
  commLog: CommunicationLog,
  input: Message[],
  options: BatchOptions = {},
): Promise<DeliveryResult[]> {
  const messages = input.every((m) => assembled.has(m)) ? input : z.array(MessageSchema).parse(input);
  // The same Message-ID twice in one batch must not race past the log check: send the first, skip the rest.
  const firstIndex = new Map<string, number>();
  messages.forEach((m, i) => {
    if (!firstIndex.has(m.messageId)) firstIndex.set(m.messageId, i);
  });
  const unique = [...firstIndex.values()];
  const results: Array<DeliveryResult | undefined> = new Array(messages.length);
  // Step 1 for the whole batch in one request per LOOKUP_BATCH, not one per message: within a batch no
  // message's send can change another's entry (their Message-IDs differ).
  const previous = new Map<string, LoggedOutcome>();
  for (let i = 0; i < unique.length; i += CRM_BATCH) {
    const ids = unique.slice(i, i + CRM_BATCH).map((index) => (messages[index] as Message).messageId);
    (await commLog.findCommunications(ids)).forEach((entry, j) => previous.set(ids[j]!, entry));
  }

  const log = recordsTo(commLog);
  await forEachAtOnce(unique, options.concurrency ?? 5, async (index) => {
    const message = messages[index] as Message;
    const result = await deliverValidated(transport, log, message, previous.get(message.messageId) ?? null);
    results[index] = result;
    options.onResult?.(result, index);
  });

  return messages.map((m, i) => {
    const own = results[i];
    if (own) return own;
    const first = results[firstIndex.get(m.messageId) as number] as DeliveryResult;
    const duplicate: DeliveryResult = first.outcome === 'sent' ? { messageId: m.messageId, outcome: 'skipped-already-sent' } : first;
    options.onResult?.(duplicate, i);
    return duplicate;
  });
}
