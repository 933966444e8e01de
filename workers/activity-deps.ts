// The systems a worker's activities talk to, built from configuration: HTTP clients for the inventory and
// CRM systems, the SMTP transport, the incident store, the answer-link signer and the currency; with product
// metrics, the emails' outcomes are counted on their way to the communication log and the SMTP server.
import { join } from 'node:path';
import type { ActivityDeps } from '../activities';
import { createAnswerLinks } from '../src/answer-links';
import type { AppConfig } from '../src/config/env';
import { createCrmClient } from '../src/crm/http-client';
import { INCIDENT_STORE_FILE, openIncidentStore } from '../src/incident-store/store';
import { createInventoryClient } from '../src/inventory/http-client';
import { createMailTransport, senderFromConfig } from '../src/notifications/mailer';
import { meterCommunications, meterSendFailures } from '../src/telemetry/mail-metrics';
import type { ProductMetrics } from '../src/telemetry/metrics';

export function activityDepsFromConfig(config: AppConfig, secrets: { answerLinkSecret: string }, metrics?: ProductMetrics): ActivityDeps & { close(): void } {
  const store = openIncidentStore(join(config.STOCKOUT_DATA_DIR, INCIDENT_STORE_FILE));
  const transport = createMailTransport(config.smtp);
  const crm = createCrmClient({ baseUrl: config.CRM_URL, timeoutMs: config.SYSTEMS_TIMEOUT_MS });
  return {
    inventory: createInventoryClient({ baseUrl: config.INVENTORY_URL, timeoutMs: config.SYSTEMS_TIMEOUT_MS }),
    crm: metrics ? meterCommunications(crm, metrics) : crm,
    store,
    mail: { transport: metrics ? meterSendFailures(transport, metrics) : transport, from: senderFromConfig(config.smtp), plannerEmail: config.PLANNER_EMAIL },
    answerLinks: createAnswerLinks({ secret: secrets.answerLinkSecret, ttlDays: config.ANSWER_LINK_TTL_DAYS, baseUrl: config.PUBLIC_BASE_URL }),
    currency: config.STOCKOUT_CURRENCY,
    close() {
      transport.close();
      store.close();
    },
  };
}
