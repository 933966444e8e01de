// The escalation to planners over real SMTP: once per (incident, revision), both parts, hostile text neutralised.
import { afterEach, describe, expect, it } from 'vitest';
import { buildEscalationMessage, createMailTransport, deliverOnce } from '../../src/notifications/mailer';
import type { Escalation } from '../../src/notifications/model';
import { startSmtpSink, type SmtpSink } from '../../src/embedded/smtp-sink';
import { MemoryCommunicationLog } from './memory-communication-log';

let sink: SmtpSink | undefined;
afterEach(async () => {
  await sink?.close();
});

const escalation: Escalation = {
  incidentId: 'stockout:EU:SKU-1:abcd1234',
  workflowId: 'stockout:EU:SKU-1',
  revision: 1,
  planner: { name: 'Supply planners', email: 'planners@example.com' },
  sku: 'SKU-1',
  network: 'EU',
  stage: 'following-up',
  severity: 'high',
  reason: 'backorders open past the 14-day SLA <script>alert(1)</script>\r\nBcc: evil@example.com',
  openBackorderUnits: 120,
  affectedCustomers: 9,
};

describe('escalation email', () => {
  it('reaches the planners once, with both parts, and hostile text neither runs nor injects headers', async () => {
    sink = await startSmtpSink();
    const transport = createMailTransport({ host: sink.host, port: sink.port, from: 'desk@example.com', rateLimitPerSecond: 100 });
    const log = new MemoryCommunicationLog();
    try {
      const message = buildEscalationMessage(escalation, 'desk@example.com');
      expect((await deliverOnce(transport, log, message)).outcome).toBe('sent');
      expect((await deliverOnce(transport, log, buildEscalationMessage(escalation, 'desk@example.com'))).outcome).toBe('skipped-already-sent');
    } finally {
      transport.close();
    }
    const messages = sink.messages();
    expect(messages).toHaveLength(1);
    const [sent] = messages;
    expect(sent!.envelope.to).toEqual(['planners@example.com']);
    expect(sent!.subject).toMatch(/^\[Action needed\] Stockout SKU-1 \(EU\)/);
    expect(sent!.text).toContain('120');
    expect(sent!.html).toContain('&lt;script&gt;');
    expect(sent!.html).not.toContain('<script>');
    expect(sent!.headers.some((h) => h.name.toLowerCase() === 'bcc')).toBe(false);
  });
});
