// Real SMTP: nodemailer's pooled transport talking to the embedded smtp-server sink on loopback.
import { readFileSync, rmSync } from 'node:fs';
import { afterEach, describe, expect, it } from 'vitest';
import { ZodError } from 'zod';
import {
  MailDeliveryError,
  SmtpConfigSchema,
  buildCustomerMessage,
  buildDigestMessage,
  createMailTransport,
  deliverBatch,
  deliverOnce,
  type MailTransport,
  type OutboundEmail,
} from '../../src/notifications/mailer';
import { messageIdFor } from '../../src/notifications/model';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../src/notifications/smtp-sink';
import { customerNotice, digest, FROM } from './fixtures';
import { MemoryCommunicationLog } from './memory-communication-log';

const open: Array<{ transport: MailTransport; sink: SmtpSink }> = [];

async function setup(sinkOptions: SmtpSinkOptions = {}, rateLimitPerSecond = 1000) {
  const sink = await startSmtpSink(sinkOptions);
  const transport = createMailTransport({ host: sink.host, port: sink.port, from: FROM.address, rateLimitPerSecond, poolSize: 3 });
  open.push({ transport, sink });
  return { sink, transport, log: new MemoryCommunicationLog() };
}

afterEach(async () => {
  for (const { transport, sink } of open.splice(0)) {
    transport.close();
    await sink.close();
    rmSync(sink.dir, { recursive: true, force: true });
  }
});

const customers = (ids: string[]) => ids.map((customerId) => buildCustomerMessage(customerNotice({ customerId }), FROM));
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

  it('refuses an address with CR/LF and a hand-built message with a multi-line header, sending nothing', async () => {
    const { sink, transport, log } = await setup();
    expect(() =>
      buildCustomerMessage(customerNotice({ customer: { customerId: 'C-E', name: 'Eve', email: 'eve@x.example\r\nBcc: evil@x.com' } }), FROM),
    ).toThrow(ZodError);
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

  it('honours the rate limit', async () => {
    const { sink, transport, log } = await setup({}, 2);
    const started = Date.now();
    await deliverBatch(transport, log, customers(['C-1', 'C-2', 'C-3', 'C-4']));
    expect(Date.now() - started).toBeGreaterThanOrEqual(900); // 2 per second: the second pair waits for the next window
    expect(sink.messages()).toHaveLength(4);
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
