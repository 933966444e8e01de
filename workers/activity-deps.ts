// The systems a worker's activities talk to, built from configuration: HTTP clients for the inventory and
// CRM systems, the SMTP transport, the incident store, the answer-link signer and the currency.
import type { ActivityDeps } from '../activities';
import { createAnswerLinks } from '../src/answer-links';
import type { AppConfig } from '../src/config/env';
import { createCrmClient } from '../src/crm/http-client';
import { openConfiguredStore } from '../src/incident-store/configured-store';
import { createInventoryClient } from '../src/inventory/http-client';
import { createMailTransport, senderFromConfig } from '../src/notifications/mailer';

export async function activityDepsFromConfig(config: AppConfig, secrets: { answerLinkSecret: string }): Promise<ActivityDeps & { close(): Promise<void> }> {
  const store = await openConfiguredStore(config);
  const transport = createMailTransport(config.smtp);
  return {
    inventory: createInventoryClient({ baseUrl: config.INVENTORY_URL, timeoutMs: config.SYSTEMS_TIMEOUT_MS }),
    crm: createCrmClient({ baseUrl: config.CRM_URL, timeoutMs: config.SYSTEMS_TIMEOUT_MS }),
    store,
    mail: { transport, from: senderFromConfig(config.smtp), plannerEmail: config.PLANNER_EMAIL },
    answerLinks: createAnswerLinks({ secret: secrets.answerLinkSecret, ttlDays: config.ANSWER_LINK_TTL_DAYS, baseUrl: config.PUBLIC_BASE_URL }),
    currency: config.STOCKOUT_CURRENCY,
    async close() {
      transport.close();
      await store.close();
    },
  };
}
