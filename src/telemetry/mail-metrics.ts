// Emails counted where their outcome is decided: a 'sent' or 'rejected' record in the CRM communication log
// (undeliverable messages are recorded as rejected too), and a send attempt that failed in a way that is retried.
import type { NodemailerError } from 'nodemailer';
import type { CrmSystem } from '../crm/system';
import { isRecipientRefusal, type MailSender } from '../notifications/mailer';
import type { ProductMetrics } from './metrics';

export function meterCommunications(crm: CrmSystem, metrics: ProductMetrics): CrmSystem {
  const recordCommunication: CrmSystem['recordCommunication'] = async (input) => {
    const recorded = await crm.recordCommunication(input);
    metrics.emails.inc({ kind: input.kind, outcome: input.outcome });
    return recorded;
  };
  const recordCommunications: CrmSystem['recordCommunications'] = async (input) => {
    const recorded = await crm.recordCommunications(input);
    for (const item of input.items) metrics.emails.inc({ kind: item.kind, outcome: item.outcome });
    return recorded;
  };
  const metered: Record<string | symbol, unknown> = { recordCommunication, recordCommunications };
  // Every other method is the client's own, called on it.
  return new Proxy(crm, {
    get(target, property) {
      if (property in metered) return metered[property];
      const value: unknown = Reflect.get(target, property, target);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  });
}

/** The notice kind is read from the header every message carries (`X-Stockout-Notice: first-notice; revision=0`). */
export function meterSendFailures(transport: MailSender, metrics: ProductMetrics): MailSender {
  return {
    async sendMail(mail) {
      try {
        return await transport.sendMail(mail);
      } catch (error) {
        if (!isRecipientRefusal(error as NodemailerError)) {
          const header = (mail.headers as Record<string, string> | undefined)?.['X-Stockout-Notice'] ?? 'unknown';
          metrics.emails.inc({ kind: header.split(';')[0]!.trim(), outcome: 'failed' });
        }
        throw error;
      }
    },
  };
}
