// The systems a worker's activities talk to, built from configuration: HTTP clients for the inventory and
// CRM systems, the SMTP transport, the incident store, the answer-link signer and the currency; with product
// metrics, the emails' outcomes are counted on their way to the communication log and the SMTP server.
import type { ActivityDeps } from '../activities';
import { createAnswerLinks } from '../src/answer-links';
import { systemsRetryPolicy, type AppConfig } from '../src/config/env';
import { beat, countResend } from '../activities/progress';
import { createCrmClient } from '../src/crm/http-client';
import type { HttpClientOptions } from '../src/http/client';
import { openConfiguredStore } from '../src/incident-store/configured-store';
import { createInventoryClient } from '../src/inventory/http-client';
import { createMailTransport, senderFromConfig } from '../src/notifications/mailer';
import { meterCommunications, meterSendFailures } from '../src/telemetry/mail-metrics';
import type { ProductMetrics } from '../src/telemetry/metrics';

export async function activityDepsFromConfig(
  config: AppConfig,
  secrets: { answerLinkSecret: string },
  metrics?: ProductMetrics,
): Promise<ActivityDeps & { close(): Promise<void> }> {
  const store = await openConfiguredStore(config);
  const transport = createMailTransport(config.smtp);
  const systems = activitySystemsOptions(config);
  const crm = createCrmClient({ baseUrl: config.CRM_URL, ...systems });
  return {
    inventory: createInventoryClient({ baseUrl: config.INVENTORY_URL, ...systems }),
    crm: metrics ? meterCommunications(crm, metrics) : crm,
    store,
    mail: { transport: metrics ? meterSendFailures(transport, metrics) : transport, from: senderFromConfig(config.smtp), plannerEmail: config.PLANNER_EMAIL },
    answerLinks: createAnswerLinks({ secret: secrets.answerLinkSecret, ttlDays: config.ANSWER_LINK_TTL_DAYS, baseUrl: config.PUBLIC_BASE_URL }),
    currency: config.STOCKOUT_CURRENCY,
    async close() {
      transport.close();
      await store.close();
    },
  };
}

/** How activities call the systems: each request timed out and resent by the configured policy, heartbeating and counting meanwhile. */
export function activitySystemsOptions(config: AppConfig): Omit<HttpClientOptions, 'baseUrl'> {
  return { timeoutMs: config.SYSTEMS_TIMEOUT_MS, retry: systemsRetryPolicy(config), heartbeat: beat, onRetry: countResend };
}
