// Real SMTP: nodemailer's pooled transport talking to the embedded smtp-server sink on loopback.
import { readFileSync, rmSync } from 'node:fs';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import { createActivities } from '../../activities';
import type { IncidentSnapshot } from '../../activities/shared';
import type { AllocationPlan } from '../../src/allocation/types';
import { createAnswerLinks } from '../../src/answer-links';
import { composeNotices, type AllocatedLine, type NoticeInputs } from '../../src/notifications/notices';
import {
  MailDeliveryError,
  SMTP_CONFIGURATION,
  SmtpConfigSchema,
  buildCustomerMessage,
  buildDigestMessage,
  createMailTransport,
  deliverBatch,
  deliverOnce,
  isUndeliverableDetail,
  type MailSender,
  type MailTransport,
  type Message,
  type OutboundEmail,
  type SmtpConfigInput,
} from '../../src/notifications/mailer';
import { messageIdFor } from '../../src/notifications/model';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../src/embedded/smtp-sink';
import { cancelSignal, changeEtaUpdate, customerAnswerUpdate, decidePlanUpdate, recordRestockUpdate, resumeSignal } from '../../workflows/definitions';
import { connectTimeSkipping } from '../harness/temporal';
import { SHORT_SKU, createWorld, dateAhead, manualTrigger, policyWith, settledState, startIncident, waitForState, type World } from '../incident/world';
import { customerNotice, digest, FROM } from './fixtures';
import { MemoryCommunicationLog } from './memory-communication-log';

const transports: MailTransport[] = [];
const sinks: SmtpSink[] = [];

function transportTo(sink: SmtpSink, options: Partial<SmtpConfigInput> = {}): MailTransport {
  const transport = createMailTransport({ host: sink.host, port: sink.port, from: FROM.address, rateLimitPerSecond: 1000, poolSize: 3, ...options });
  transports.push(transport);
  return transport;
}

async function setup(sinkOptions: SmtpSinkOptions = {}, transportOptions: Partial<SmtpConfigInput> = {}) {
  const sink = await startSmtpSink(sinkOptions);
  sinks.push(sink);
  return { sink, transport: transportTo(sink, transportOptions), log: new MemoryCommunicationLog() };
}

afterEach(async () => {
  for (const transport of transports.splice(0)) transport.close();
  for (const sink of sinks.splice(0)) {
    await sink.close();
    rmSync(sink.dir, { recursive: true, force: true });
  }
});

function sendable(message: Message): OutboundEmail {
  if ('undeliverable' in message) throw new Error(`expected an email, got an undeliverable message: ${message.detail}`);
  return message;
}
const customers = (ids: string[]) => ids.map((customerId) => sendable(buildCustomerMessage(customerNotice({ customerId }), FROM)));
const headerBlock = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n'));
const headerNames = (raw: string) =>
  headerBlock(raw)
    .split('\r\n')
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());

describe('delivery over SMTP', () => {
  it('sends one customer notice per customer and one digest per account manager, multipart text + HTML, logged', async () => {
    const { sink, transport, log } = await setup();
    const messages = [
      ...customers(['C-1', 'C-2', 'C-3']),
      buildDigestMessage(digest(), FROM),
      buildDigestMessage(
        digest({ accountManager: { accountManagerId: 'AM-8', name: 'Sam', email: 'sam@supplier.example' }, personalHeadsUp: [] }),
        FROM,
      ),
    ];
    const results = await deliverBatch(transport, log, messages);

    expect(results.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent', 'sent', 'sent']);
    const stored = sink.messages();
    expect(stored.map((m) => m.to).sort()).toEqual([
      ['alex@supplier.example'],
      ['c-1@customer.example'],
      ['c-2@customer.example'],
      ['c-3@customer.example'],
      ['sam@supplier.example'],
    ]);
    for (const m of stored) {
      expect(m.raw).toMatch(/^Content-Type: multipart\/alternative;/m);
      expect(m.text).toBeTruthy();
      expect(m.html).toContain('<!doctype html>');
      expect(m.envelope.from).toBe(FROM.address);
      expect(readFileSync(m.file, 'utf8')).toBe(m.raw);
    }
    const c1 = stored.find((m) => m.to[0] === 'c-1@customer.example')!;
    expect(c1.messageId).toBe(messageIdFor({ incidentId: 'INC-2025-0042', recipient: 'customer:C-1', kind: 'first-notice', revision: 0 }));
    expect(c1.subject).toBe('Stock shortage on VALVE-12: what it means for your order');
    expect(c1.text).toContain('Expected: Monday, 24 March 2025');
    expect(log.entries()).toHaveLength(5);
    expect(log.entries().find((e) => e.messageId === c1.messageId)).toMatchObject({
      incidentId: 'INC-2025-0042',
      customerId: 'C-1',
      recipient: 'c-1@customer.example',
      kind: 'first-notice',
      outcome: 'sent',
    });
  });

  it('dates reach the customer in their time zone', async () => {
    const { sink, transport, log } = await setup();
    const notice = customerNotice({
      customer: { customerId: 'C-T', name: 'Tokyo Ltd', email: 'buyer@tokyo.example', timeZone: 'Asia/Tokyo' },
      lines: [{ orderId: 'SO-9', lineId: '1', requested: 3, shipNow: 0, backordered: 3, expectedDate: '2025-03-10T23:30:00Z' }],
    });
    await deliverOnce(transport, log, buildCustomerMessage(notice, FROM));
    expect(sink.messages()[0]!.text).toContain('Expected: Tuesday, 11 March 2025');
  });

  it('escapes hostile names and never lets them add a header or a recipient', async () => {
    const { sink, transport, log } = await setup();
    const script = buildCustomerMessage(
      customerNotice({ customer: { customerId: 'C-S', name: '<script>alert(1)</script>', email: 'script@customer.example' } }),
      FROM,
    );
    const crlf = buildCustomerMessage(
      customerNotice({
        customer: { customerId: 'C-B', name: 'Bob\r\nBcc: evil@x.com', email: 'bob@customer.example' },
        sku: 'VALVE-12\r\nX-Injected: yes',
      }),
      FROM,
    );
    await deliverBatch(transport, log, [script, crlf]);

    const stored = sink.messages();
    expect(stored).toHaveLength(2);
    const bob = stored.find((m) => m.to[0] === 'bob@customer.example')!;
    expect(bob.envelope.to).toEqual(['bob@customer.example']);
    expect(headerNames(bob.raw)).not.toContain('bcc');
    expect(headerNames(bob.raw)).not.toContain('x-injected');
    expect(headerBlock(bob.raw)).not.toMatch(/^(Bcc|X-Injected):/im);
    expect(bob.subject).toBe('Stock shortage on VALVE-12 X-Injected: yes: what it means for your order');
    expect(bob.headers.find((h) => h.name === 'To')!.value).toBe('"Bob Bcc: evil@x.com" <bob@customer.example>');
    const scripted = stored.find((m) => m.to[0] === 'script@customer.example')!;
    expect(scripted.html).toContain('Dear &lt;script&gt;alert(1)&lt;/script&gt;,');
    expect(scripted.html).not.toMatch(/<script/i);
  });

  it('a customer without a usable address is recorded as undeliverable, once, and the rest of the batch goes out', async () => {
    const { sink, transport, log } = await setup();
    const unusable = [
      customerNotice({ customer: { customerId: 'C-E', name: 'Eve', email: 'eve@x.example\r\nBcc: evil@x.com' } }),
      customerNotice({ customer: { customerId: 'C-L', name: 'Long', email: `${'a'.repeat(250)}@customer.example` } }),
      customerNotice({ customer: { customerId: 'C-N', name: 'No contact in the CRM' } }),
    ].map((notice) => buildCustomerMessage(notice, FROM));
    const batch = [...customers(['C-1']), ...unusable, ...customers(['C-2'])];

    const results = await deliverBatch(transport, log, batch);
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'undeliverable', 'undeliverable', 'undeliverable', 'sent']);
    // The pool sends in parallel: who arrives first is not the point.
    expect(sink.messages().flatMap((m) => m.envelope.to).sort()).toEqual(['c-1@customer.example', 'c-2@customer.example']);
    for (const id of ['C-E', 'C-L', 'C-N']) {
      const entry = log.entries().find((e) => e.customerId === id)!;
      expect(entry).toMatchObject({ outcome: 'rejected', recipient: `customer:${id}`, kind: 'first-notice' });
      expect(entry.messageId).toBe(messageIdFor({ incidentId: 'INC-2025-0042', recipient: `customer:${id}`, kind: 'first-notice', revision: 0 }));
      expect(isUndeliverableDetail(entry.detail)).toBe(true);
      expect(entry.detail).toMatch(/customer\.email/);
      expect(entry.detail).not.toMatch(/evil|aaaa/); // the field is named, its value never copied
    }

    const writes = log.writes.length;
    const again = await deliverBatch(transport, log, batch);
    expect(again.map((r) => r.outcome)).toEqual(['skipped-already-sent', 'undeliverable', 'undeliverable', 'undeliverable', 'skipped-already-sent']);
    expect(log.writes).toHaveLength(writes);
    expect(sink.messages()).toHaveLength(2);
  });

  it('a digest for an account manager whose CRM address is unusable is recorded as undeliverable, not sent', async () => {
    const { sink, transport, log } = await setup();
    const message = buildDigestMessage(digest({ accountManager: { accountManagerId: 'AM-9', name: 'Al', email: `${'m'.repeat(250)}@supplier.example` } }), FROM);
    expect(await deliverOnce(transport, log, message)).toMatchObject({ outcome: 'undeliverable' });
    expect(log.entries()).toEqual([expect.objectContaining({ accountManagerId: 'AM-9', recipient: 'account-manager:AM-9', outcome: 'rejected' })]);
    expect(isUndeliverableDetail(log.entries()[0]!.detail)).toBe(true);
    expect(sink.messages()).toHaveLength(0);
  });

  it('refuses other bad notice data, naming the field, and a hand-built message with a multi-line header, sending nothing', async () => {
    const { sink, transport, log } = await setup();
    expect(() => buildCustomerMessage(customerNotice({ sku: '' }), FROM)).toThrow(/sku/);
    const [good] = customers(['C-1']);
    const forged: OutboundEmail = { ...good!, subject: 'Hello\r\nBcc: evil@x.com' };
    await expect(deliverOnce(transport, log, forged)).rejects.toThrow(/subject/);
    await expect(deliverBatch(transport, log, [good!, forged])).rejects.toThrow(ZodError);
    expect(sink.messages()).toHaveLength(0);
    expect(log.writes).toHaveLength(0);
  });

  it('delivering the same batch twice (a retry) sends nothing twice', async () => {
    const { sink, transport, log } = await setup();
    const batch = customers(['C-1', 'C-2', 'C-3', 'C-4']);
    await deliverBatch(transport, log, batch);
    const again = await deliverBatch(transport, log, batch);
    expect(again.map((r) => r.outcome)).toEqual(Array(4).fill('skipped-already-sent'));
    expect(sink.messages()).toHaveLength(4);
    expect(log.entries()).toHaveLength(4);
  });

  it('the same message twice inside one batch goes out once', async () => {
    const { sink, transport, log } = await setup();
    const [one] = customers(['C-1']);
    const results = await deliverBatch(transport, log, [one!, one!, one!]);
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'skipped-already-sent', 'skipped-already-sent']);
    expect(sink.messages()).toHaveLength(1);
  });

  it('a batch interrupted by a retryable SMTP failure, then redone, delivers each message exactly once', async () => {
    let deferred = true;
    const { sink, transport, log } = await setup({ deferRecipients: (rcpt) => deferred && rcpt === 'c-4@customer.example' });
    const batch = customers(['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6', 'C-7', 'C-8']);

    const interrupted = deliverBatch(transport, log, batch, { concurrency: 1 });
    await expect(interrupted).rejects.toBeInstanceOf(MailDeliveryError);
    await expect(interrupted).rejects.toMatchObject({ retryable: true, responseCode: 451 });
    await expect(interrupted).rejects.not.toThrow(/customer\.example/); // no address in the error
    expect(sink.messages().map((m) => m.to[0])).toEqual(['c-1@customer.example', 'c-2@customer.example', 'c-3@customer.example']);

    deferred = false;
    const redone = await deliverBatch(transport, log, batch, { concurrency: 1 });
    expect(redone.map((r) => r.outcome)).toEqual([...Array(3).fill('skipped-already-sent'), ...Array(5).fill('sent')]);
    const ids = sink.messages().map((m) => m.messageId);
    expect(ids).toHaveLength(8);
    expect(new Set(ids).size).toBe(8);
    expect(log.entries()).toHaveLength(8);
  });

  it('a crash between SMTP acceptance and the log write resends with the same Message-ID and one log entry', async () => {
    const { sink, transport, log } = await setup();
    const batch = customers(['C-1', 'C-2', 'C-3']);
    log.failNextWrites = 1;
    await expect(deliverBatch(transport, log, batch, { concurrency: 1 })).rejects.toThrow('CRM unavailable');
    await deliverBatch(transport, log, batch, { concurrency: 1 });

    // The known window: C-1 went out twice, but as the same message (same Message-ID), recorded once.
    const ids = sink.messages().map((m) => m.messageId);
    expect(ids).toEqual([batch[0]!.messageId, batch[0]!.messageId, batch[1]!.messageId, batch[2]!.messageId]);
    expect(log.entries()).toHaveLength(3);
  });

  it('a permanently refused recipient is rejected, logged, not thrown, and not tried again', async () => {
    const attempts: string[] = [];
    const { sink, transport, log } = await setup({
      rejectRecipients: (rcpt) => {
        attempts.push(rcpt);
        return rcpt === 'c-2@customer.example';
      },
    });
    const batch = customers(['C-1', 'C-2', 'C-3']);
    const first = await deliverBatch(transport, log, batch);
    expect(first.map((r) => r.outcome)).toEqual(['sent', 'rejected', 'sent']);
    expect(first[1]!.detail).toMatch(/^550 /);
    expect(log.entries().find((e) => e.customerId === 'C-2')).toMatchObject({ outcome: 'rejected', messageId: batch[1]!.messageId });

    const second = await deliverBatch(transport, log, batch);
    expect(second.map((r) => r.outcome)).toEqual(['skipped-already-sent', 'rejected', 'skipped-already-sent']);
    expect(attempts.filter((rcpt) => rcpt === 'c-2@customer.example')).toHaveLength(1);
    expect(sink.messages()).toHaveLength(2);
  });

  it('an unreachable server is a retryable error and leaves no log entry', async () => {
    const sink = await startSmtpSink();
    await sink.close();
    const transport = createMailTransport({ host: sink.host, port: sink.port, from: FROM.address });
    const log = new MemoryCommunicationLog();
    try {
      await expect(deliverOnce(transport, log, customers(['C-1'])[0]!)).rejects.toMatchObject({ name: 'MailDeliveryError', retryable: true });
      expect(log.writes).toHaveLength(0);
    } finally {
      transport.close();
      rmSync(sink.dir, { recursive: true, force: true });
    }
  });

  it('a message refused after DATA (5xx) is a refusal of that message to its one recipient: logged, not retried', async () => {
    const { sink, transport, log } = await setup({ refuseMessages: (rcpt) => rcpt === 'c-2@customer.example' });
    const batch = customers(['C-1', 'C-2', 'C-3']);
    const results = await deliverBatch(transport, log, batch);
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'rejected', 'sent']);
    expect(results[1]!.detail).toMatch(/^554 /);
    expect(log.entries().find((e) => e.customerId === 'C-2')).toMatchObject({ outcome: 'rejected' });
    expect(sink.messages()).toHaveLength(2);
  });

  it('honours the rate limit', async () => {
    const { sink, transport, log } = await setup({}, { rateLimitPerSecond: 2 });
    const started = Date.now();
    await deliverBatch(transport, log, customers(['C-1', 'C-2', 'C-3', 'C-4']));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // 2 per second: the second pair waits for the next window
    expect(sink.messages()).toHaveLength(4);
  });
});

describe('SMTP refusals that are not about the recipient', () => {
  const failureOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

  it('wrong credentials (535) fail the send as a non-retryable configuration error; nobody is recorded as rejected', async () => {
    const { sink, log } = await setup({ auth: { user: 'desk', pass: 'right' } });
    const batch = customers(['C-1', 'C-2', 'C-3']);
    const failure = await failureOf(deliverBatch(transportTo(sink, { user: 'desk', pass: 'wrong' }), log, batch));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: SMTP_CONFIGURATION, nonRetryable: true });
    expect((failure as Error).message).toMatch(/535 .*SMTP_USER, SMTP_PASS/);
    expect((failure as Error).message).not.toMatch(/customer\.example/);
    expect(log.writes).toHaveLength(0);
    expect(sink.messages()).toHaveLength(0);

    // Once the configuration is fixed the same batch goes out in full: nothing was written off.
    const fixed = await deliverBatch(transportTo(sink, { user: 'desk', pass: 'right' }), log, batch);
    expect(fixed.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(sink.messages()).toHaveLength(3);
  });

  it('no credentials for a server that requires them (530 at MAIL FROM) is the same configuration error', async () => {
    const { sink, transport, log } = await setup({ auth: { user: 'desk', pass: 'right' } });
    const failure = await failureOf(deliverOnce(transport, log, customers(['C-1'])[0]!));
    expect(failure).toMatchObject({ type: SMTP_CONFIGURATION, nonRetryable: true });
    expect((failure as Error).message).toMatch(/MAIL FROM \(530 /);
    expect(log.writes).toHaveLength(0);
    expect(sink.messages()).toHaveLength(0);
  });

  it('a server that wants TLS first (530) is a configuration error', async () => {
    const { transport, log } = await setup({ refuseSender: { responseCode: 530, message: 'Must issue a STARTTLS command first' } });
    const failure = await failureOf(deliverBatch(transport, log, customers(['C-1', 'C-2'])));
    expect(failure).toMatchObject({ type: SMTP_CONFIGURATION, nonRetryable: true });
    expect(log.writes).toHaveLength(0);
  });

  it('a refused sender (550 at MAIL FROM) says nothing about the recipient: retryable, nothing recorded', async () => {
    const { sink, transport, log } = await setup({ refuseSender: { responseCode: 550, message: 'Sender address rejected' } });
    const failure = await failureOf(deliverBatch(transport, log, customers(['C-1', 'C-2'])));
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure).toMatchObject({ retryable: true, responseCode: 550 });
    expect(log.writes).toHaveLength(0);
    expect(sink.messages()).toHaveLength(0);
  });
});

describe('answer links over SMTP', () => {
  const answerLinks = createAnswerLinks({ secret: 'answer-link-secret-answer-link-secret', ttlDays: 14, baseUrl: 'https://stockout.example' });
  const now = new Date();
  const inputs: NoticeInputs = {
    incidentId: 'stockout:EU:VALVE-12:abcd1234',
    workflowId: 'stockout:EU:VALVE-12',
    kind: 'first-notice',
    revision: 0,
    sku: 'VALVE-12',
    skuDescription: 'Ball valve 12 mm',
    currency: 'EUR',
    today: '2026-11-24',
    expectedDate: '2026-12-10',
    previousExpectedDate: null,
    allocation: [
      { lineId: 'L-1', customerId: 'C-1', requested: 10, allocated: 4, substitutes: [], backordered: 6, releasedConfirmation: 0, reasons: ['fair-share-floor', 'pool-exhausted'] },
      { lineId: 'L-2', customerId: 'C-2', requested: 5, allocated: 0, substitutes: [], backordered: 5, releasedConfirmation: 0, reasons: ['pool-exhausted'] },
    ],
    totals: null,
    orderLines: [
      { lineId: 'L-1', orderId: 'SO-1', customerId: 'C-1', quantity: 10 },
      { lineId: 'L-2', orderId: 'SO-2', customerId: 'C-2', quantity: 5 },
    ],
    openBackorders: new Map([
      ['L-1', 6],
      ['L-2', 5],
    ]),
    previouslyNotified: new Set(),
    customers: [
      { customerId: 'C-1', name: 'Acme', stage: 'integrated', critical: false, contacts: [{ name: 'Ann', email: 'ann@acme.example' }], accountManagerId: 'AM-1', acceptsSubstitutes: true },
      { customerId: 'C-2', name: 'Bolt', stage: 'basic', critical: false, contacts: [{ name: 'Bo', email: 'bo@bolt.example' }], accountManagerId: 'AM-1', acceptsSubstitutes: false },
    ],
    accountManagers: [{ accountManagerId: 'AM-1', name: 'Alex', email: 'alex@supplier.example' }],
    // VALVE-12A comes first but has too little free stock for 6 units at 2 per unit; VALVE-12B covers them.
    substitutes: [
      { sku: 'VALVE-12B', description: 'Ball valve 12 mm, brass', priceDelta: 1.2, ratio: 1, packSize: 1, available: 40 },
      { sku: 'VALVE-12A', priceDelta: 0, ratio: 2, packSize: 1, available: 3 },
    ],
    credits: new Map(),
    stagesWithHeadsUp: new Set(),
    answerLinks,
    now,
  };
  const tokensIn = (body: string) => [...body.matchAll(/https:\/\/stockout\.example\/answers\/([\w-]+\.[\w-]+)/g)].map((m) => m[1]!);

  it("a customer with one backordered line and a substitute offer gets that line's accept link in text and HTML, signed for it", async () => {
    const { sink, transport, log } = await setup();
    const { notices } = composeNotices(inputs);
    await deliverBatch(transport, log, notices.map((notice) => buildCustomerMessage(notice, FROM)));

    const acme = sink.messages().find((m) => m.envelope.to[0] === 'ann@acme.example')!;
    const html = acme.html!.replace(/&amp;/g, '&');
    const claims = tokensIn(acme.text!).map((token) => answerLinks.verify(token, now));
    expect(claims.map((c) => c.a)).toEqual(['accept-substitute', 'can-wait', 'cancel']);
    for (const c of claims) expect(c).toMatchObject({ w: inputs.workflowId, i: inputs.incidentId, c: 'C-1', l: 'L-1' });
    expect(tokensIn(html)).toEqual(tokensIn(acme.text!));
    const accept = answerLinks.url(tokensIn(acme.text!)[0]!);
    expect(acme.text).toContain(`Order SO-1, line L-1: 6 backordered. An equivalent product is available instead of waiting`);
    expect(acme.text).toContain(`6 × VALVE-12B (Ball valve 12 mm, brass). Price difference: +€1.20 per unit, +€7.20 in total for 6 units.`);
    expect(acme.text).toContain(`  > Accept VALVE-12B instead: ${accept}`);
    expect(html).toContain(`href="${accept}"`);

    // A customer that never takes substitutes is not offered one, but can still cancel or wait, for its own line.
    const bolt = sink.messages().find((m) => m.envelope.to[0] === 'bo@bolt.example')!;
    const boltClaims = tokensIn(bolt.text!).map((token) => answerLinks.verify(token, now));
    expect(boltClaims.map((c) => [c.a, c.c, c.l])).toEqual([
      ['can-wait', 'C-2', 'L-2'],
      ['cancel', 'C-2', 'L-2'],
    ]);
    expect(bolt.text).not.toContain('VALVE-12B');
  });

  it('tells nobody served in full with its own product, and lists whom to call most affected first', async () => {
    const { sink, transport, log } = await setup();
    const customer = (customerId: string, critical: boolean) => ({
      customerId,
      name: `Customer ${customerId}`,
      stage: 'basic',
      critical,
      contacts: [{ name: 'Buyer', email: `${customerId.toLowerCase()}@customer.example` }],
      accountManagerId: 'AM-1',
      acceptsSubstitutes: true,
    });
    const line = (lineId: string, customerId: string, got: Partial<AllocatedLine> = {}): AllocatedLine => ({
      lineId,
      customerId,
      requested: 10,
      allocated: 10,
      substitutes: [],
      backordered: 0,
      releasedConfirmation: 0,
      reasons: [],
      ...got,
    });
    const composed = composeNotices({
      ...inputs,
      allocation: [
        line('L-1', 'C-1'), // served in full, own product: not affected
        line('L-2', 'C-2', { allocated: 7, substitutes: [{ sku: 'VALVE-12B', quantity: 3 }] }), // a substitute
        line('L-3', 'C-3', { allocated: 4, backordered: 6, releasedConfirmation: 2 }), // confirmation taken back
        line('L-4', 'C-4', { allocated: 0, backordered: 10, reasons: ['pool-exhausted'] }), // nothing at all
        line('L-5', 'C-5', { allocated: 8, backordered: 2 }), // critical
        line('L-6', 'C-6', { allocated: 1, backordered: 9 }), // most backordered of the rest
        line('L-7', 'C-7', { allocated: 9, backordered: 1 }),
      ],
      orderLines: ['1', '2', '3', '4', '5', '6', '7'].map((n) => ({ lineId: `L-${n}`, orderId: `SO-${n}`, customerId: `C-${n}`, quantity: 10 })),
      openBackorders: new Map([
        ['L-3', 6],
        ['L-4', 10],
        ['L-5', 2],
        ['L-6', 9],
        ['L-7', 1],
      ]),
      customers: ['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6', 'C-7'].map((id) => customer(id, id === 'C-5')),
    });
    const messages = [...composed.notices.map((n) => buildCustomerMessage(n, FROM)), ...composed.digests.map((d) => buildDigestMessage(d, FROM))];
    await deliverBatch(transport, log, messages);

    const told = sink.messages().flatMap((m) => m.envelope.to).sort();
    expect(told).toEqual(['alex@supplier.example', ...['c-2', 'c-3', 'c-4', 'c-5', 'c-6', 'c-7'].map((c) => `${c}@customer.example`)]);
    const digestText = sink.messages().find((m) => m.envelope.to[0] === 'alex@supplier.example')!.text!;
    expect(digestText).not.toContain('(C-1)');
    const calls = digestText.split(/\r?\n/).filter((l) => /^ {2}\* Customer C-\d \(/.test(l));
    expect(calls).toEqual([
      '  * Customer C-4 (C-4, basic): nothing ships now, 10 backordered',
      '  * Customer C-3 (C-3, basic): 2 confirmed units taken back, 6 backordered',
      '  * Customer C-5 (C-5, basic): critical supply, 2 backordered',
    ]);
    const c4 = sink.messages().find((m) => m.envelope.to[0] === 'c-4@customer.example')!;
    expect(c4.text).toContain('  * Order SO-4, line L-4: The stock ran out before this line was reached');
  });

  it('offers no substitute when none has enough free stock for the backorder', () => {
    const { notices } = composeNotices({ ...inputs, substitutes: inputs.substitutes.map((s) => ({ ...s, available: 1 })) });
    const line = notices.find((n) => n.customer.customerId === 'C-1')!.lines[0]!;
    expect(line.substitute).toBeUndefined();
    expect(Object.keys(line.answers!)).toEqual(['canWait', 'cancel']);
  });
});

describe('SmtpConfigSchema', () => {
  it('reads environment strings and names the field it refuses', () => {
    const config = SmtpConfigSchema.parse({ host: 'smtp.example', port: '587', secure: 'false', from: 'desk@example.com', rateLimitPerSecond: '5' });
    expect(config).toMatchObject({ port: 587, secure: false, rateLimitPerSecond: 5, poolSize: 3, tlsRejectUnauthorized: true });
    const noPass = SmtpConfigSchema.safeParse({ host: 'smtp.example', port: 587, from: 'desk@example.com', user: 'desk' });
    expect(noPass.success ? [] : noPass.error.issues.map((i) => i.path.join('.'))).toEqual(['pass']);
    const badFrom = SmtpConfigSchema.safeParse({ host: 'smtp.example', port: 587, from: 'desk@example.com\r\nBcc: x@y.z' });
    expect(badFrom.success ? [] : badFrom.error.issues.map((i) => i.path.join('.'))).toContain('from');
  });
});

// Whole incidents on the time-skipping server, against the reference inventory/CRM service over HTTP and the
// SMTP sink: who receives what, as the systems of record see it.
describe('notices of a whole incident', () => {
  let env: TestWorkflowEnvironment;
  let world: World | undefined;
  beforeAll(async () => {
    env = await connectTimeSkipping();
  });
  afterAll(async () => {
    await env?.teardown();
  });
  afterEach(async () => {
    await world?.close();
    world = undefined;
  });

  const NO_APPROVAL = policyWith({ approval: { severityThreshold: 'critical' } });
  const APPROVAL = policyWith({ approval: { severityThreshold: 'low', deadlineHours: 24, timeoutAction: 'escalate' } });

  /** Customers with demand for the short SKU, as the reference service holds them. */
  const customersOfShortSku = (w: World) =>
    (w.service.db.prepare('SELECT DISTINCT customer_id AS id FROM demand_lines WHERE sku = ? ORDER BY customer_id').all(SHORT_SKU) as { id: string }[]).map(
      (row) => row.id,
    );

  /** What a CRM user could have typed: the contract accepts any locale, zone, name length and valid-looking address. */
  const editCustomer = (w: World, customerId: string, column: 'locale' | 'time_zone' | 'name' | 'contacts', value: string) =>
    w.service.db.prepare(`UPDATE customers SET ${column} = ? WHERE customer_id = ?`).run(value, customerId);

  /** Every email the sink kept, by its `X-Stockout-Notice` header (kind and revision): the sorted envelope recipients. */
  const recipientsByNotice = (w: World) => {
    const byNotice: Record<string, string[]> = {};
    for (const m of w.sink.messages()) {
      const notice = m.headers.find((h) => h.name.toLowerCase() === 'x-stockout-notice')!.value;
      (byNotice[notice] ??= []).push(...m.envelope.to);
    }
    for (const list of Object.values(byNotice)) list.sort();
    return byNotice;
  };

  /** The addresses an event for these customers must reach: each customer's first contact, and each account manager once. */
  const addressesOf = async (w: World, customerIds: string[]) => {
    const customers = await w.deps.crm.getCustomers(customerIds);
    const managers = await w.deps.crm.getAccountManagers([...new Set(customers.map((c) => c.accountManagerId))]);
    return [...customers.map((c) => c.contacts[0]!.email), ...managers.map((m) => m.email)].sort();
  };

  const customersWith = async (w: World, incidentId: string, has: (b: { open: number; fulfilled: number }) => boolean) =>
    [...new Set((await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter(has).map((b) => b.customerId))].sort();

  const communications = async (w: World, incidentId: string) => (await w.deps.crm.listCommunications({ incidentId, limit: 1000 })).communications;

  const isDigest = (m: { subject?: string | undefined }) => m.subject?.startsWith('[Stockout ') ?? false;
  const emailsOf = (w: World, kind: string) =>
    w.sink.messages().filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith(`${kind};`)));

  /** The rows of an email's plain-text table, each as its labelled fields. */
  const tableRows = (text: string): Record<string, string>[] =>
    text
      .split(/\r?\n/)
      .filter((line) => line.startsWith('  * Order: ') || line.startsWith('  * Customer: '))
      .map((line) => Object.fromEntries(line.slice(4).split(/, (?=[A-Z][\w ]*: )/).map((field) => [field.slice(0, field.indexOf(': ')), field.slice(field.indexOf(': ') + 2)])));
  const units = (value: string | undefined) => Number((value ?? '').replace(/\D/g, ''));
  const customerOfRow = (row: Record<string, string>) => /\(([^()]+)\)$/.exec(row['Customer']!)![1]!;

  /** Per line of the short SKU, as the inventory system's order book has it. */
  const orderBook = (w: World) =>
    new Map(
      (
        w.service.db
          .prepare('SELECT line_id, reserved_quantity AS reserved, shipped_quantity AS shipped, substituted_quantity AS covered, cancelled_quantity AS cancelled FROM demand_lines WHERE sku = ?')
          .all(SHORT_SKU) as { line_id: string; reserved: number; shipped: number; covered: number; cancelled: number }[]
      ).map((row) => [row.line_id, row]),
    );

  /** Call-list entries of a digest, in order: the customer ids. */
  const callList = (text: string) =>
    text
      .split(/\r?\n/)
      .filter((line) => / \([^,()]+, [^)]+\): /.test(line) && line.startsWith('  * '))
      .map((line) => /\(([^,()]+), [^)]+\): /.exec(line)![1]!);

  const digestRow = (text: string, customerId: string) =>
    text.split(/\r?\n/).find((line) => line.startsWith('  * Customer: ') && line.includes(`(${customerId}), `));

  it('tells exactly the customers each event concerns, once each, and each of their account managers once', async () => {
    world = await createWorld(env);
    const w = world;
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const following = await waitForState(handle, 'following-up');
      const { incidentId } = following;

      // Status update: every customer with an open backorder, after the policy's interval (3 days).
      const waiting = await customersWith(w, incidentId, (b) => b.open > 0);
      expect(waiting.length).toBeGreaterThan(2);
      await env.sleep('73 hours');
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'status-update'));
      expect(recipientsByNotice(w)['status-update; revision=1']).toEqual(await addressesOf(w, waiting));

      // Backorders shipped: the customers the restock gave units to, and only them.
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-1', quantity: Math.floor(following.backorders!.openUnits / 3) }] });
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'backorder-shipped'));
      const shipped = await customersWith(w, incidentId, (b) => b.fulfilled > 0);
      expect(shipped.length).toBeGreaterThan(0);
      expect(shipped.length).toBeLessThan(waiting.length);
      expect(recipientsByNotice(w)['backorder-shipped; revision=1']).toEqual(await addressesOf(w, shipped));

      // The rest arrives: the second round ships to everyone still waiting, then the closing notice reaches
      // everyone told at the start, and nobody else.
      const stillWaiting = await customersWith(w, incidentId, (b) => b.open > 0);
      const open = (await settledState(handle)).backorders!.openUnits;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-2', quantity: open }] });
      expect((await handle.result()).outcome).toBe('closed');
      const byNotice = recipientsByNotice(w);
      expect(byNotice['backorder-shipped; revision=2']).toEqual(await addressesOf(w, stillWaiting));
      expect(byNotice['incident-closed; revision=0']).toEqual(byNotice['first-notice; revision=0']);
      expect(byNotice['first-notice; revision=0']!.length).toBeGreaterThan(waiting.length);
      expect(Object.keys(byNotice).sort()).toEqual([
        'backorder-shipped; revision=1',
        'backorder-shipped; revision=2',
        'first-notice; revision=0',
        'incident-closed; revision=0',
        'status-update; revision=1',
      ]);
    });
  });

  it('tells only the customers the shortage touches, says why a line gets nothing now, and ranks whom to call', async () => {
    world = await createWorld(env);
    const w = world;
    // A customer that reports stock it can live on waits: its email says so.
    const { id: holder } = w.service.db
      .prepare(
        `SELECT DISTINCT c.customer_id AS id FROM customers c JOIN demand_lines d ON d.customer_id = c.customer_id
         WHERE d.sku = ? AND c.stage = 'basic' AND c.critical = 0 ORDER BY c.customer_id LIMIT 1`,
      )
      .get(SHORT_SKU) as { id: string };
    await w.deps.crm.reportCustomerStock({ idempotencyKey: 'test|holder', customerId: holder, sku: SHORT_SKU, quantity: 10_000, dailyUsage: 10 });
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const { incidentId } = await waitForState(handle, 'following-up');
      const plan = w.store.get<AllocationPlan>(incidentId, 'plan/0')!;
      const snapshot = w.store.get<IncidentSnapshot>(incidentId, 'snapshot')!;
      const linesOf = (customerId: string) => plan.lines.filter((l) => l.customerId === customerId);

      // Affected: something backordered, a substitute, or a confirmation taken back. The rest hear nothing.
      const affected = [...new Set(plan.lines.filter((l) => l.backordered > 0 || l.substituted > 0 || l.releasedConfirmation > 0).map((l) => l.customerId))].sort();
      expect(affected.length).toBeLessThan(new Set(plan.lines.map((l) => l.customerId)).size);
      expect(recipientsByNotice(w)['first-notice; revision=0']).toEqual(await addressesOf(w, affected));

      // Every line that gets nothing now says why, in a sentence.
      const orderOf = new Map(snapshot.lines.map((l) => [l.lineId, l.orderId]));
      const crm = await w.deps.crm.getCustomers(affected);
      const emailOf = (customerId: string) => w.sink.messages().find((m) => m.envelope.to[0] === crm.find((c) => c.customerId === customerId)!.contacts[0]!.email)!;
      let explained = 0;
      for (const customerId of affected) {
        for (const line of linesOf(customerId).filter((l) => l.allocated === 0)) {
          expect(emailOf(customerId).text).toMatch(new RegExp(`  \\* Order ${orderOf.get(line.lineId)}, line ${line.lineId}: [A-Z][^\\n]+\\.`));
          explained += 1;
        }
      }
      expect(explained).toBeGreaterThan(0);
      expect(linesOf(holder).some((l) => l.allocated === 0 && l.reasons.includes('deferred-holds-stock'))).toBe(true);
      expect(emailOf(holder).text).toContain('You told us you still hold stock of this product, so this line waits');

      // Whom to call: every account that gets nothing, lost confirmed stock or is critical, most affected first.
      const critical = new Set(crm.filter((c) => c.critical).map((c) => c.customerId));
      const impact = (customerId: string) => {
        const lines = linesOf(customerId);
        const nothing = lines.every((l) => l.allocated === 0 && l.substituted === 0);
        const released = lines.some((l) => l.releasedConfirmation > 0);
        return [nothing ? 1 : 0, released ? 1 : 0, critical.has(customerId) ? 1 : 0, lines.reduce((sum, l) => sum + l.backordered, 0)];
      };
      const ranked = (a: string, b: string) => {
        const [x, y] = [impact(a), impact(b)];
        const i = x.findIndex((value, k) => value !== y[k]);
        return i < 0 || x[i]! > y[i]!;
      };
      const digests = emailsOf(w, 'first-notice').filter(isDigest);
      expect(digests.length).toBeGreaterThan(0);
      let called = 0;
      for (const digest of digests) {
        const list = callList(digest.text!);
        const accounts = tableRows(digest.text!).map(customerOfRow);
        for (const customerId of accounts) {
          const [nothing, released, isCritical] = impact(customerId);
          if (nothing || released || isCritical) expect(list).toContain(customerId);
        }
        for (let i = 1; i < list.length; i++) expect(ranked(list[i - 1]!, list[i]!)).toBe(true);
        called += list.length;
      }
      expect(called).toBeGreaterThan(0);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });

  it('the closing notice and digest show how each line was served, as the inventory system records it; an ETA-change digest what shipped so far', async () => {
    world = await createWorld(env);
    const w = world;
    const before = orderBook(w);
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const following = await waitForState(handle, 'following-up');
      const { incidentId } = following;
      const snapshot = w.store.get<IncidentSnapshot>(incidentId, 'snapshot')!;
      const plan = w.store.get<AllocationPlan>(incidentId, 'plan/0')!;
      /** Units of the SKU itself a line got in the incident: what it holds or shipped now, less what had shipped before. */
      const ownUnits = (book: ReturnType<typeof orderBook>, lineId: string) => book.get(lineId)!.reserved + book.get(lineId)!.shipped - before.get(lineId)!.shipped;

      // An ETA change: the digest says what shipped so far, not "ships now".
      const po = (await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.status === 'open')!;
      await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: await dateAhead(env, 45), reason: 'supplier delay' }] });
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'eta-change'));
      const atEta = orderBook(w);
      const etaDigests = emailsOf(w, 'eta-change').filter(isDigest);
      expect(etaDigests.length).toBeGreaterThan(0);
      for (const digest of etaDigests) {
        expect(digest.text).not.toContain('Ships now');
        expect(digest.text).not.toContain('Call these customers first');
        for (const row of tableRows(digest.text!)) {
          const customerId = customerOfRow(row);
          const shipped = snapshot.lines.filter((l) => l.customerId === customerId).reduce((sum, l) => sum + ownUnits(atEta, l.lineId), 0);
          expect(units(row['Shipped so far'])).toBe(shipped);
        }
      }

      // One customer takes a substitute, another cancels, the restock serves the rest.
      const open = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const accepting = new Set((await w.deps.crm.getCustomers([...new Set(open.map((b) => b.customerId))])).filter((c) => c.acceptsSubstitutes).map((c) => c.customerId));
      const allowing = new Set(snapshot.lines.filter((l) => l.substitutesAllowed).map((l) => l.lineId));
      const toSubstitute = open.find((b) => accepting.has(b.customerId) && allowing.has(b.lineId))!;
      const toCancel = open.find((b) => b.customerId !== toSubstitute.customerId)!;
      const substitute = following.substitutes[0]!.sku;
      await w.deps.inventory.recordReceipt({ idempotencyKey: `${incidentId}|substitute-receipt`, sku: substitute, locationId: following.pooling!.hubId, quantity: 5000 });
      for (const [answer, b] of [['accept-substitute', toSubstitute], ['cancel', toCancel]] as const) {
        await handle.executeUpdate(customerAnswerUpdate, { args: [{ answer, answerId: `test-${answer}`, customerId: b.customerId, lineId: b.lineId, incidentId }] });
      }
      await waitForState(handle, 'following-up', (s) => s.answersApplied.length === 2 && s.pendingEvents === 0);
      const rest = (await settledState(handle)).backorders!.openUnits;
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-ALL', quantity: rest }] });
      expect((await handle.result()).outcome).toBe('closed');

      const after = orderBook(w);
      const reservations = await w.deps.inventory.listReservations({ incidentId });
      const closing = emailsOf(w, 'incident-closed');
      const rows = closing.filter((m) => !isDigest(m)).flatMap((m) => tableRows(m.text!));
      expect(rows.length).toBeGreaterThan(0);
      for (const row of rows) {
        const lineId = row['Line']!;
        const atOnce = units(row['Shipped at once']);
        const restocks = units(row['Shipped from restocks']);
        const cancelled = units(row['Cancelled by you']);
        expect(row['Ships now']).toBeUndefined();
        expect(atOnce).toBe(plan.lines.find((l) => l.lineId === lineId)!.allocated);
        expect(atOnce + restocks).toBe(ownUnits(after, lineId));
        expect(cancelled).toBe(after.get(lineId)!.cancelled - before.get(lineId)!.cancelled);
        const substituteUnits = reservations.filter((r) => r.lineId === lineId && r.sku !== SHORT_SKU && r.status !== 'released').reduce((sum, r) => sum + r.quantity, 0);
        expect(units((row['Substituted'] ?? '').split(' × ')[0])).toBe(substituteUnits);
        // Every ordered unit is accounted for: shipped, replaced or cancelled.
        expect(atOnce + restocks + (after.get(lineId)!.covered - before.get(lineId)!.covered) + cancelled).toBe(units(row['Ordered']));
      }
      expect(rows.find((r) => r['Line'] === toSubstitute.lineId)!['Substituted']).toMatch(new RegExp(`^[\\d,]+ × ${substitute}$`));
      expect(units(rows.find((r) => r['Line'] === toCancel.lineId)!['Cancelled by you'])).toBe(toCancel.open);
      expect(rows.some((r) => units(r['Shipped from restocks']) > 0)).toBe(true);

      // The closing digest sums the same figures per account.
      for (const digest of closing.filter(isDigest)) {
        expect(digest.text).not.toContain('Call these customers first');
        for (const row of tableRows(digest.text!)) {
          const lines = snapshot.lines.filter((l) => l.customerId === customerOfRow(row));
          expect(units(row['Shipped at once']) + units(row['Shipped from restocks'])).toBe(lines.reduce((sum, l) => sum + ownUnits(after, l.lineId), 0));
          expect(units(row['Cancelled by customer'])).toBe(lines.reduce((sum, l) => sum + after.get(l.lineId)!.cancelled - before.get(l.lineId)!.cancelled, 0));
        }
      }
    });
  });

  it('substitute stock that frees up is offered in the next status update, per line, and its accept link gets it', async () => {
    world = await createWorld(env);
    const w = world;
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const following = await waitForState(handle, 'following-up');
      const { incidentId } = following;
      const [substitute] = following.substitutes;
      // The plan gave out every free unit of the substitute: the first notice offers none it could not keep.
      const tokensOf = (kind: string) =>
        w.sink
          .messages()
          .filter((m) => m.headers.some((h) => h.name.toLowerCase() === 'x-stockout-notice' && h.value.startsWith(`${kind};`)))
          .flatMap((m) => [...(m.text ?? '').matchAll(/\/answers\/([\w-]+\.[\w-]+)/g)].map((match) => ({ m, token: match[1]! })));
      const accepts = (kind: string) => tokensOf(kind).filter(({ token }) => w.deps.answerLinks.verify(token, new Date()).a === 'accept-substitute');
      expect(accepts('first-notice')).toEqual([]);
      expect(tokensOf('first-notice').length).toBeGreaterThan(0); // cancel and can-wait, per backordered line

      await w.deps.inventory.recordReceipt({ idempotencyKey: `${incidentId}|substitute-receipt`, sku: substitute!.sku, locationId: following.pooling!.hubId, quantity: 5000 });
      await env.sleep('73 hours');
      await waitForState(handle, 'following-up', (s) => s.deliveries.some((d) => d.kind === 'status-update'));
      const offered = accepts('status-update');
      expect(offered.length).toBeGreaterThan(0);
      const open = (await w.deps.inventory.listBackorders({ incidentId, limit: 1000 })).backorders.filter((b) => b.open > 0);
      const accepting = new Set((await w.deps.crm.getCustomers([...new Set(open.map((b) => b.customerId))])).filter((c) => c.acceptsSubstitutes).map((c) => c.customerId));
      // The offer names the substitute as the catalogue describes it, with the price difference for the whole quantity.
      const { description } = await w.deps.inventory.getItem(substitute!.sku);
      expect(description).not.toBe('');
      for (const { m } of offered) {
        expect(m.text).toContain(` × ${substitute!.sku} (${description}). Price difference: `);
        expect(m.text).toMatch(/ per unit, .+ in total for .+ units\./);
      }
      for (const { m, token } of offered) {
        const claims = w.deps.answerLinks.verify(token, new Date());
        expect(claims).toMatchObject({ w: handle.workflowId, i: incidentId });
        expect(accepting.has(claims.c)).toBe(true);
        expect(open.some((b) => b.lineId === claims.l && b.customerId === claims.c)).toBe(true);
        expect(m.html).toContain(`/answers/${token}"`);
      }
      // Every open line of an accepting customer got its offer.
      expect(offered.length).toBe(new Set(open.filter((b) => accepting.has(b.customerId)).map((b) => b.lineId)).size);

      const claims = w.deps.answerLinks.verify(offered[0]!.token, new Date());
      await handle.executeUpdate(customerAnswerUpdate, {
        args: [{ answer: 'accept-substitute', answerId: 'link-1', customerId: claims.c, lineId: claims.l, incidentId: claims.i }],
      });
      const answered = await waitForState(handle, 'following-up', (s) => s.answersApplied.includes('link-1') && s.pendingEvents === 0);
      expect(answered.timeline.find((t) => t.event === 'customer answer: accept-substitute')!.detail).toMatch(/^substituted \d+ units of line /);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });

  it("the account manager's digest says which customer's email bounced, over real SMTP", async () => {
    let bounced = '';
    world = await createWorld(env, { rejectRecipients: (rcpt) => rcpt === bounced });
    const w = world;
    const [customerId] = customersOfShortSku(w);
    const [customer] = await w.deps.crm.getCustomers([customerId!]);
    const [manager] = await w.deps.crm.getAccountManagers([customer!.accountManagerId]);
    bounced = customer!.contacts[0]!.email;
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const state = await waitForState(handle, 'following-up');
      expect(state.deliveries[0]!.rejected).toBe(1);
      const entry = (await communications(w, state.incidentId)).find((c) => c.customerId === customerId)!;
      expect(entry).toMatchObject({ outcome: 'rejected', recipient: bounced });
      expect(entry.detail).toMatch(/^550 /);

      const digest = w.sink.messages().find((m) => m.envelope.to[0] === manager!.email)!;
      expect(digestRow(digest.text!, customerId!)).toMatch(/, Customer email: bounced, please call$/);
      expect(digest.html).toContain('bounced, please call');
      const others = digest.text!.split(/\r?\n/).filter((line) => line.startsWith('  * Customer: ') && !line.includes(`(${customerId}), `));
      for (const row of others) expect(row).toMatch(/, Customer email: sent$/);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });

  it('one bad CRM record holds up nobody: locale, zone and name fall back; a customer without a usable address is logged and its manager asked to call', async () => {
    world = await createWorld(env);
    const w = world;
    await w.worker.runUntil(async () => {
      // The records are edited while the plan awaits approval, for customers it backorders: those are told.
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), APPROVAL);
      const pending = await waitForState(handle, 'awaiting-approval');
      const plan = w.store.get<AllocationPlan>(pending.incidentId, pending.plan!.planRef)!;
      const [posix, windowsZone, noContact, overlongAddress, french] = [...new Set(plan.lines.filter((l) => l.backordered > 0).map((l) => l.customerId))].sort();
      editCustomer(w, posix!, 'locale', 'en_US');
      editCustomer(w, windowsZone!, 'time_zone', 'Eastern Standard Time');
      editCustomer(w, windowsZone!, 'name', `Very Long Name ${'x'.repeat(300)}`);
      editCustomer(w, noContact!, 'contacts', '[]');
      editCustomer(w, overlongAddress!, 'contacts', JSON.stringify([{ name: 'Long', email: `${'a'.repeat(250)}@customer.example` }]));
      editCustomer(w, french!, 'locale', 'fr-FR');
      editCustomer(w, french!, 'time_zone', 'Europe/Paris');
      const [posixCustomer, windowsCustomer, noContactCustomer, , frenchCustomer] = await w.deps.crm.getCustomers([posix!, windowsZone!, noContact!, overlongAddress!, french!]);
      const [manager] = await w.deps.crm.getAccountManagers([noContactCustomer!.accountManagerId]);
      await handle.executeUpdate(decidePlanUpdate, { args: [{ decision: 'approve', planRevision: pending.plan!.revision, decidedBy: 'ann', overrides: [] }] });

      const state = await waitForState(handle, 'following-up');
      expect(state.attention).toBeNull();
      expect(state.timeline.some((t) => t.event === 'needs attention')).toBe(false);
      expect(state.deliveries[0]!.rejected).toBe(2);

      const emailTo = (address: string) => w.sink.messages().find((m) => m.envelope.to[0] === address);
      const posixEmail = emailTo(posixCustomer!.contacts[0]!.email)!;
      expect(posixEmail.html).toContain('<html lang="en-US">');
      expect(posixEmail.text).toMatch(/[A-Z][a-z]+day, [A-Z][a-z]+ \d{1,2}, \d{4}/); // en-US: weekday, month day, year
      // The text is English, so are its dates (in the customer's zone) and the HTML's language.
      const frenchEmail = emailTo(frenchCustomer!.contacts[0]!.email)!;
      expect(frenchEmail.text).toMatch(/Expected: (Mon|Tues|Wednes|Thurs|Fri|Satur|Sun)day, \d{1,2} [A-Z][a-z]+ \d{4}/);
      expect(frenchEmail.text).not.toMatch(/lundi|mardi|mercredi|jeudi|vendredi|samedi|dimanche/);
      expect(frenchEmail.text).toContain('Dates are given in Europe/Paris time.');
      expect(frenchEmail.html).toContain('<html lang="en-GB">');
      const windowsEmail = emailTo(windowsCustomer!.contacts[0]!.email)!;
      expect(windowsEmail.text).toContain('Dates are given in UTC time.');
      const greeting = windowsEmail.text!.split(/\r?\n/).find((line) => line.startsWith('Dear '))!;
      expect(greeting).toMatch(/^Dear Very Long Name x+…,$/);
      expect(greeting.length).toBeLessThanOrEqual('Dear ,'.length + 200);
      expect(w.sink.messages().some((m) => m.envelope.to[0]!.startsWith('aaaa'))).toBe(false);

      const logged = await communications(w, state.incidentId);
      for (const id of [noContact!, overlongAddress!]) {
        const entry = logged.find((c) => c.customerId === id)!;
        expect(entry).toMatchObject({ outcome: 'rejected', recipient: `customer:${id}`, kind: 'first-notice' });
        expect(isUndeliverableDetail(entry.detail)).toBe(true);
      }
      const digest = w.sink.messages().find((m) => m.envelope.to[0] === manager!.email)!;
      expect(digestRow(digest.text!, noContact!)).toMatch(/, Customer email: no usable email address in the CRM, please call$/);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });

  it('wrong SMTP credentials park the incident at once with the reason, write nobody off, and a resume after the fix sends everything', async () => {
    const sink = await startSmtpSink({ auth: { user: 'desk', pass: 'right' } });
    sinks.push(sink);
    const mail = { transport: transportTo(sink, { user: 'desk', pass: 'wrong' }) as MailSender, from: FROM, plannerEmail: 'planners@example.com' };
    world = await createWorld(env, { workerActivities: (deps) => createActivities({ ...deps, mail }) });
    const w = world;
    await w.worker.runUntil(async () => {
      const handle = await startIncident(w, manualTrigger(w, SHORT_SKU), NO_APPROVAL);
      const parked = await waitForState(handle, 'needs-attention');
      expect(parked.attention).toMatchObject({ stage: 'notifying' });
      expect(parked.attention!.reason).toMatch(/^SmtpConfiguration: .*535 .*SMTP_PASS/);
      expect(await communications(w, parked.incidentId)).toEqual([]);
      expect(sink.messages()).toHaveLength(0);

      mail.transport = transportTo(sink, { user: 'desk', pass: 'right' });
      await handle.signal(resumeSignal, { resumedBy: 'ops', note: 'SMTP password fixed' });
      const resumed = await waitForState(handle, 'following-up');
      const delivery = resumed.deliveries[0]!;
      expect(delivery.rejected).toBe(0);
      expect(delivery.sent).toBeGreaterThan(0);
      expect(sink.messages()).toHaveLength(delivery.sent + delivery.digests);
      expect((await communications(w, resumed.incidentId)).every((c) => c.outcome === 'sent')).toBe(true);
      await handle.signal(cancelSignal, { reason: 'test over', cancelledBy: 'test' });
      await handle.result();
    });
  });
});
