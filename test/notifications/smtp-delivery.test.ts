// Delivery over real SMTP: nodemailer's pooled transport talking to the embedded smtp-server sink on loopback.
// Each message goes out once, with its deterministic Message-ID, across retries, crashes and refusals.
import { readFileSync, rmSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  MailDeliveryError,
  buildCustomerMessage,
  buildDigestMessage,
  createMailTransport,
  deliverBatch,
  deliverOnce,
  isUndeliverableDetail,
  type MailSender,
  type OutboundEmail,
} from '../../src/notifications/mailer';
import type { CommunicationLog } from '../../src/notifications/communication-log';
import { messageIdFor } from '../../src/notifications/model';
import { startSmtpSink } from '../../src/embedded/smtp-sink';
import { customerNotice, digest, FROM } from './fixtures';
import { MemoryCommunicationLog } from './memory-communication-log';
import { customers, smtpFixtures } from './smtp-fixtures';

const smtp = smtpFixtures();

const headerBlock = (raw: string) => raw.slice(0, raw.indexOf('\r\n\r\n'));
const headerNames = (raw: string) =>
  headerBlock(raw)
    .split('\r\n')
    .filter((line) => !/^[ \t]/.test(line))
    .map((line) => line.slice(0, line.indexOf(':')).toLowerCase());

/** A sender through `transport` that holds the log's first write until the server accepted `count` messages, so their outcomes queue behind it. */
function holdingLogWrites(transport: MailSender, log: MemoryCommunicationLog, count: number): MailSender {
  let release!: () => void;
  log.holdWrites = new Promise((resolve) => (release = resolve));
  let accepted = 0;
  return {
    async sendMail(mail) {
      const info = await transport.sendMail(mail);
      if (++accepted === count) setImmediate(release);
      return info;
    },
  };
}

describe('delivery over SMTP', () => {
  it('sends one customer notice per customer and one digest per account manager, multipart text + HTML, logged', async () => {
    const { sink, transport, log } = await smtp.setup();
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
    const { sink, transport, log } = await smtp.setup();
    const notice = customerNotice({
      customer: { customerId: 'C-T', name: 'Tokyo Ltd', email: 'buyer@tokyo.example', timeZone: 'Asia/Tokyo' },
      lines: [{ orderId: 'SO-9', lineId: '1', requested: 3, shipNow: 0, backordered: 3, expectedDate: '2025-03-10T23:30:00Z' }],
    });
    await deliverOnce(transport, log, buildCustomerMessage(notice, FROM));
    expect(sink.messages()[0]!.text).toContain('Expected: Tuesday, 11 March 2025');
  });

  it('escapes hostile names and never lets them add a header or a recipient', async () => {
    const { sink, transport, log } = await smtp.setup();
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
    const { sink, transport, log } = await smtp.setup();
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
    const { sink, transport, log } = await smtp.setup();
    const message = buildDigestMessage(digest({ accountManager: { accountManagerId: 'AM-9', name: 'Al', email: `${'m'.repeat(250)}@supplier.example` } }), FROM);
    expect(await deliverOnce(transport, log, message)).toMatchObject({ outcome: 'undeliverable' });
    expect(log.entries()).toEqual([expect.objectContaining({ accountManagerId: 'AM-9', recipient: 'account-manager:AM-9', outcome: 'rejected' })]);
    expect(isUndeliverableDetail(log.entries()[0]!.detail)).toBe(true);
    expect(sink.messages()).toHaveLength(0);
  });

  it('refuses other bad notice data, naming the field, and a hand-built message with a multi-line header, sending nothing', async () => {
    const { sink, transport, log } = await smtp.setup();
    expect(() => buildCustomerMessage(customerNotice({ sku: '' }), FROM)).toThrow(/sku/);
    const [good] = customers(['C-1']);
    const forged: OutboundEmail = { ...good!, subject: 'Hello\r\nBcc: evil@x.com' };
    await expect(deliverOnce(transport, log, forged)).rejects.toThrow(/subject/);
    await expect(deliverBatch(transport, log, [good!, forged])).rejects.toThrow(ZodError);
    expect(sink.messages()).toHaveLength(0);
    expect(log.writes).toHaveLength(0);
  });

  it('delivering the same batch twice (a retry) sends nothing twice', async () => {
    const { sink, transport, log } = await smtp.setup();
    const batch = customers(['C-1', 'C-2', 'C-3', 'C-4']);
    await deliverBatch(transport, log, batch);
    const again = await deliverBatch(transport, log, batch);
    expect(again.map((r) => r.outcome)).toEqual(Array(4).fill('skipped-already-sent'));
    expect(sink.messages()).toHaveLength(4);
    expect(log.entries()).toHaveLength(4);
  });

  it('the same message twice inside one batch goes out once', async () => {
    const { sink, transport, log } = await smtp.setup();
    const [one] = customers(['C-1']);
    const results = await deliverBatch(transport, log, [one!, one!, one!]);
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'skipped-already-sent', 'skipped-already-sent']);
    expect(sink.messages()).toHaveLength(1);
  });

  it('a batch interrupted by a retryable SMTP failure, then redone, delivers each message exactly once', async () => {
    let deferred = true;
    const { sink, transport, log } = await smtp.setup({ deferRecipients: (rcpt) => deferred && rcpt === 'c-4@customer.example' });
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
    const { sink, transport, log } = await smtp.setup();
    const batch = customers(['C-1', 'C-2', 'C-3']);
    log.failNextWrites = 1;
    await expect(deliverBatch(transport, log, batch, { concurrency: 1 })).rejects.toThrow('CRM unavailable');
    await deliverBatch(transport, log, batch, { concurrency: 1 });

    // The known window: C-1 went out twice, but as the same message (same Message-ID), recorded once.
    const ids = sink.messages().map((m) => m.messageId);
    expect(ids).toEqual([batch[0]!.messageId, batch[0]!.messageId, batch[1]!.messageId, batch[2]!.messageId]);
    expect(log.entries()).toHaveLength(3);
  });

  it('outcomes that arrive while a log write is in flight go to the log together, in the write after it', async () => {
    const { sink, transport, log } = await smtp.setup();
    const batch = customers(['C-1', 'C-2', 'C-3', 'C-4', 'C-5', 'C-6']);
    const counting = holdingLogWrites(transport, log, batch.length);
    const results = await deliverBatch(counting, log, batch, { concurrency: batch.length });
    expect(results.map((r) => r.outcome)).toEqual(Array(6).fill('sent'));
    expect(log.requests.map((items) => items.length)).toEqual([1, 5]);
    expect(log.entries().map((e) => e.messageId).sort()).toEqual(batch.map((m) => m.messageId).sort());
    expect(sink.messages()).toHaveLength(6);
  });

  it('an entry the log refuses fails only its own message: the outcomes written with it are written again one by one', async () => {
    const { transport, log } = await smtp.setup();
    const batch = customers(['C-1', 'C-2', 'C-3', 'C-4']);
    const counting = holdingLogWrites(transport, log, batch.length);
    log.refuse = (entry) => entry.customerId === 'C-3';
    await expect(deliverBatch(counting, log, batch, { concurrency: batch.length })).rejects.toThrow(/unknown customer "C-3"/);
    expect(log.entries().map((e) => e.customerId).sort()).toEqual(['C-1', 'C-2', 'C-4']);
  });

  it('a failed write shared by parallel batches is written again per batch, and fails only the batch whose own write fails too', async () => {
    const { sink, transport, log } = await smtp.setup();
    const batches = [customers(['C-1', 'C-2']), customers(['C-3', 'C-4']), customers(['C-5', 'C-6'])];
    const counting = holdingLogWrites(transport, log, 6);
    // The CRM fails the shared write (the second: the first, held, carries one outcome) and the first rewrite after it.
    let calls = 0;
    const flaky: CommunicationLog = {
      findCommunications: (ids) => log.findCommunications(ids),
      recordCommunications: (request) => (++calls === 2 || calls === 3 ? Promise.reject(new Error('CRM unavailable')) : log.recordCommunications(request)),
    };
    const settled = await Promise.allSettled(batches.map((batch) => deliverBatch(counting, flaky, batch)));

    expect(calls).toBe(5); // the held write, the shared one, then one per batch
    expect(log.requests).toHaveLength(3); // those that reached the log: the held one and two batches' own
    const failed = settled.flatMap((s, b) => (s.status === 'rejected' ? [b] : []));
    expect(failed).toHaveLength(1);
    const lost = batches[failed[0]!]!.filter((m) => !log.entries().some((e) => e.messageId === m.messageId));
    expect(lost.length).toBeGreaterThan(0);
    expect(log.entries()).toHaveLength(6 - lost.length);

    // The failed batch's rerun resends what it had accepted without a record, under the same Message-ID: its own window, no other batch's.
    await deliverBatch(transport, log, batches[failed[0]!]!);
    expect(sink.messages()).toHaveLength(6 + lost.length);
    expect(log.entries()).toHaveLength(6);
  });

  it('a permanently refused recipient is rejected, logged, not thrown, and not tried again', async () => {
    const attempts: string[] = [];
    const { sink, transport, log } = await smtp.setup({
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
    const { sink, transport, log } = await smtp.setup({ refuseMessages: (rcpt) => rcpt === 'c-2@customer.example' });
    const batch = customers(['C-1', 'C-2', 'C-3']);
    const results = await deliverBatch(transport, log, batch);
    expect(results.map((r) => r.outcome)).toEqual(['sent', 'rejected', 'sent']);
    expect(results[1]!.detail).toMatch(/^554 /);
    expect(log.entries().find((e) => e.customerId === 'C-2')).toMatchObject({ outcome: 'rejected' });
    expect(sink.messages()).toHaveLength(2);
  });

  it('honours the rate limit', async () => {
    const { sink, transport, log } = await smtp.setup({}, { rateLimitPerSecond: 2 });
    const started = Date.now();
    await deliverBatch(transport, log, customers(['C-1', 'C-2', 'C-3', 'C-4']));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // 2 per second: the second pair waits for the next window
    expect(sink.messages()).toHaveLength(4);
  });
});
