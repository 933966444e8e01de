// SMTP configuration: the schema that reads it from the environment, and the server refusals that say it is
// wrong (credentials, TLS, the sender) rather than anything about a recipient, so nobody is written off.
import { ApplicationFailure } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import { MailDeliveryError, SMTP_CONFIGURATION, SmtpConfigSchema, deliverBatch, deliverOnce } from '../../src/notifications/mailer';
import { customers, smtpFixtures } from './smtp-fixtures';

const smtp = smtpFixtures();

describe('SMTP refusals that are not about the recipient', () => {
  const failureOf = (promise: Promise<unknown>) => promise.then(() => null, (error: unknown) => error);

  it('wrong credentials (535) fail the send as a non-retryable configuration error; nobody is recorded as rejected', async () => {
    const { sink, log } = await smtp.setup({ auth: { user: 'desk', pass: 'right' } });
    const batch = customers(['C-1', 'C-2', 'C-3']);
    const failure = await failureOf(deliverBatch(smtp.transportTo(sink, { user: 'desk', pass: 'wrong' }), log, batch));
    expect(failure).toBeInstanceOf(ApplicationFailure);
    expect(failure).toMatchObject({ type: SMTP_CONFIGURATION, nonRetryable: true });
    expect((failure as Error).message).toMatch(/535 .*SMTP_USER, SMTP_PASS/);
    expect((failure as Error).message).not.toMatch(/customer\.example/);
    expect(log.writes).toHaveLength(0);
    expect(sink.messages()).toHaveLength(0);

    // Once the configuration is fixed the same batch goes out in full: nothing was written off.
    const fixed = await deliverBatch(smtp.transportTo(sink, { user: 'desk', pass: 'right' }), log, batch);
    expect(fixed.map((r) => r.outcome)).toEqual(['sent', 'sent', 'sent']);
    expect(sink.messages()).toHaveLength(3);
  });

  it('no credentials for a server that requires them (530 at MAIL FROM) is the same configuration error', async () => {
    const { sink, transport, log } = await smtp.setup({ auth: { user: 'desk', pass: 'right' } });
    const failure = await failureOf(deliverOnce(transport, log, customers(['C-1'])[0]!));
    expect(failure).toMatchObject({ type: SMTP_CONFIGURATION, nonRetryable: true });
    expect((failure as Error).message).toMatch(/MAIL FROM \(530 /);
    expect(log.writes).toHaveLength(0);
    expect(sink.messages()).toHaveLength(0);
  });

  it('a server that wants TLS first (530) is a configuration error', async () => {
    const { transport, log } = await smtp.setup({ refuseSender: { responseCode: 530, message: 'Must issue a STARTTLS command first' } });
    const failure = await failureOf(deliverBatch(transport, log, customers(['C-1', 'C-2'])));
    expect(failure).toMatchObject({ type: SMTP_CONFIGURATION, nonRetryable: true });
    expect(log.writes).toHaveLength(0);
  });

  it('a refused sender (550 at MAIL FROM) says nothing about the recipient: retryable, nothing recorded', async () => {
    const { sink, transport, log } = await smtp.setup({ refuseSender: { responseCode: 550, message: 'Sender address rejected' } });
    const failure = await failureOf(deliverBatch(transport, log, customers(['C-1', 'C-2'])));
    expect(failure).toBeInstanceOf(MailDeliveryError);
    expect(failure).toMatchObject({ retryable: true, responseCode: 550 });
    expect(log.writes).toHaveLength(0);
    expect(sink.messages()).toHaveLength(0);
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
