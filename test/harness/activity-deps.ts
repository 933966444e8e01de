// The activities' dependencies as tests and benches build them: HTTP clients of a running reference service,
// an incident store, a real SMTP sink with a transport to it, test answer links; closed together.
import type { ActivityDeps } from '../../activities';
import { createAnswerLinks } from '../../src/answer-links';
import { createCrmClient } from '../../src/crm/http-client';
import { startSmtpSink, type SmtpSink, type SmtpSinkOptions } from '../../src/embedded/smtp-sink';
import type { HttpClientOptions } from '../../src/http/client';
import { openSqliteStore } from '../../src/incident-store/sqlite-store';
import type { IncidentStore } from '../../src/incident-store/store';
import { createInventoryClient } from '../../src/inventory/http-client';
import { createMailTransport } from '../../src/notifications/mailer';
import type { ReferenceService } from '../../src/reference-service/service';

export const DESK = { name: 'Supply Desk', address: 'desk@example.com' };

/** HTTP clients of the reference service's inventory and CRM, timing out and resending as `options` say. */
export function referenceClients(service: Pick<ReferenceService, 'inventoryUrl' | 'crmUrl'>, options: Omit<HttpClientOptions, 'baseUrl'>): Pick<ActivityDeps, 'inventory' | 'crm'> {
  return {
    inventory: createInventoryClient({ baseUrl: service.inventoryUrl, ...options }),
    crm: createCrmClient({ baseUrl: service.crmUrl, ...options }),
  };
}

export interface TestActivityDeps {
  deps: ActivityDeps;
  sink: SmtpSink;
  store: IncidentStore;
  /** Closes the transport, the sink and the store (not the systems: their owner closes them). */
  close(): Promise<void>;
}

export async function testActivityDeps(
  systems: Pick<ActivityDeps, 'inventory' | 'crm'>,
  options: {
    sink?: SmtpSinkOptions;
    /** An incident store file, for a store shared with another process; in memory otherwise. */
    storeFile?: string;
    currency?: string;
    /** The transport's pace: 1,000 messages a second unless a bench asks for more. */
    mail?: { rateLimitPerSecond?: number; poolSize?: number };
  } = {},
): Promise<TestActivityDeps> {
  const sink = await startSmtpSink(options.sink);
  const store = openSqliteStore(options.storeFile ?? ':memory:');
  const transport = createMailTransport({ host: sink.host, port: sink.port, from: DESK.address, rateLimitPerSecond: 1000, ...options.mail });
  const deps: ActivityDeps = {
    ...systems,
    store,
    mail: { transport, from: DESK, plannerEmail: 'planners@example.com' },
    answerLinks: createAnswerLinks({ secret: 'test-secret-test-secret-test-secret!', ttlDays: 14, baseUrl: 'http://127.0.0.1:7300' }),
    currency: options.currency ?? 'EUR',
  };
  return {
    deps,
    sink,
    store,
    async close() {
      transport.close();
      await sink.close();
      await store.close();
    },
  };
}
