// Real SMTP for the notification tests: nodemailer's pooled transport talking to the embedded smtp-server sink
// on loopback, each sink and transport closed (and the sink's files removed) after the test that opened it.
import { rmSync } from 'node:fs';
import { afterEach } from 'vitest';
import { buildCustomerMessage, createMailTransport, type MailTransport, type Message, type OutboundEmail, type SmtpConfigInput } from '../../src/notifications/mailer';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../src/embedded/smtp-sink';
import { customerNotice, FROM } from './fixtures';
import { MemoryCommunicationLog } from './memory-communication-log';

/** Registers the clean-up of the file (or describe block) that calls it. */
export function smtpFixtures() {
  const transports: MailTransport[] = [];
  const sinks: SmtpSink[] = [];
  afterEach(async () => {
    for (const transport of transports.splice(0)) transport.close();
    for (const sink of sinks.splice(0)) {
      await sink.close();
      rmSync(sink.dir, { recursive: true, force: true });
    }
  });

  async function sink(options: SmtpSinkOptions = {}): Promise<SmtpSink> {
    const started = await startSmtpSink(options);
    sinks.push(started);
    return started;
  }
  function transportTo(to: SmtpSink, options: Partial<SmtpConfigInput> = {}): MailTransport {
    const transport = createMailTransport({ host: to.host, port: to.port, from: FROM.address, rateLimitPerSecond: 1000, poolSize: 3, ...options });
    transports.push(transport);
    return transport;
  }
  return {
    sink,
    transportTo,
    /** A sink, a transport to it and an empty communication log. */
    async setup(sinkOptions: SmtpSinkOptions = {}, transportOptions: Partial<SmtpConfigInput> = {}) {
      const opened = await sink(sinkOptions);
      return { sink: opened, transport: transportTo(opened, transportOptions), log: new MemoryCommunicationLog() };
    },
  };
}

export function sendable(message: Message): OutboundEmail {
  if ('undeliverable' in message) throw new Error(`expected an email, got an undeliverable message: ${message.detail}`);
  return message;
}

/** The first notice of each of these customers, as emails. */
export const customers = (ids: string[]) => ids.map((customerId) => sendable(buildCustomerMessage(customerNotice({ customerId }), FROM)));
