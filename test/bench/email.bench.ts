// Throughput of customer notices: 2,000 recipients rendered, sent over real SMTP to the local sink through
// deliverBatch in batches of 100 (as the activity would), each checked against and recorded in a log.
import { rmSync } from 'node:fs';
import { buildCustomerMessage, createMailTransport, deliverBatch } from '../../src/notifications/mailer';
import { startSmtpSink } from '../../src/embedded/smtp-sink';
import { customerNotice, FROM } from '../notifications/fixtures';
import { MemoryCommunicationLog } from '../notifications/memory-communication-log';

const RECIPIENTS = 2000;
const BATCH = 100;
const POOL_SIZE = 4;

export async function benchEmail(): Promise<Record<string, number | string>> {
  const sink = await startSmtpSink();
  // A rate limit far above what loopback can do, so the figure measures the pipeline, not the throttle.
  const transport = createMailTransport({ host: sink.host, port: sink.port, from: FROM.address, poolSize: POOL_SIZE, rateLimitPerSecond: 10_000 });
  const log = new MemoryCommunicationLog();
  try {
    const started = performance.now();
    const messages = Array.from({ length: RECIPIENTS }, (_, i) => buildCustomerMessage(customerNotice({ customerId: `C-${i}` }), FROM));
    const built = performance.now();
    let sent = 0;
    for (let offset = 0; offset < messages.length; offset += BATCH) {
      const results = await deliverBatch(transport, log, messages.slice(offset, offset + BATCH), { concurrency: POOL_SIZE });
      sent += results.filter((r) => r.outcome === 'sent').length;
    }
    const finished = performance.now();
    if (sent !== RECIPIENTS || sink.messages().length !== RECIPIENTS) {
      throw new Error(`expected ${RECIPIENTS} emails, sent ${sent}, sink holds ${sink.messages().length}`);
    }
    const seconds = (finished - started) / 1000;
    return {
      recipients: RECIPIENTS,
      batchSize: BATCH,
      poolConnections: POOL_SIZE,
      renderMsPerEmail: Number(((built - started) / RECIPIENTS).toFixed(3)),
      totalSeconds: Number(seconds.toFixed(2)),
      emailsPerSecond: Math.round(RECIPIENTS / seconds),
    };
  } finally {
    transport.close();
    await sink.close();
    rmSync(sink.dir, { recursive: true, force: true });
  }
}
