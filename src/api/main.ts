// `npm run api`: the HTTP API as its own process, apart from the workers, as a deployment runs it — Temporal
// from envconfig (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS) with the configured payload
// encryption, systems and secrets from the environment. With payload keys it is also the codec server of the
// Temporal Web UI and CLI; with STOCKOUT_METRICS_PORT it serves the fleet's metrics. SIGINT/SIGTERM close it: requests in flight are answered, then the connection closes.
import { createAnswerLinks } from '../answer-links';
import { loadConfig, type AppConfig } from '../config/env';
import { openExistingStore } from '../incident-store/configured-store';
import { createInventoryClient } from '../inventory/http-client';
import { createCrmClient } from '../crm/http-client';
import { closeHttpConnections } from '../http/client';
import { consoleFromConfig, consoleUrl } from '../console/from-config';
import { loadUsersFile } from '../auth/users';
import { connectClient } from '../temporal/connection';
import { payloadKeysFromEnv } from '../temporal/payload-codec';
import { operationsFromConfig } from '../operations/incident-operations';
import { readFleet } from '../telemetry/fleet';
import { createProductMetrics, registerFleetGauges, serveMetrics } from '../telemetry/metrics';
import { tracingFromConfig } from '../telemetry/tracing';
import { startApi } from './server';

const say = (line: string) => console.log(`[api] ${line}`);

// Installed first: a stop asked for during start-up closes what has started by then.
const stopRequested = new Promise<void>((resolve) => {
  process.on('SIGINT', () => resolve());
  process.on('SIGTERM', () => resolve());
});

/** Bad configuration ends the process with 2, naming the variable. */
function refuse(message: string): never {
  console.error(`[api] ${message}`);
  process.exit(2);
}

let config: AppConfig;
let buildOperations: ReturnType<typeof operationsFromConfig>;
try {
  config = loadConfig();
  buildOperations = operationsFromConfig(config);
  // A bad users file stops the start, naming the field, like any other setting.
  if (config.STOCKOUT_USERS_FILE) loadUsersFile(config.STOCKOUT_USERS_FILE);
  // Read again by connectClient; checked here so bad keys stop the start before anything connects.
  payloadKeysFromEnv();
} catch (error) {
  refuse(error instanceof Error ? error.message : String(error));
}
const apiToken = config.API_TOKEN ?? refuse('Invalid configuration: env.API_TOKEN: required to serve the operator endpoints (at least 16 characters)');
const linkSecret = config.ANSWER_LINK_SECRET ?? refuse('Invalid configuration: env.ANSWER_LINK_SECRET: required to check customer answer links');

const cleanups: (() => Promise<void> | void)[] = [];
try {
  // Full reports are read from the workers' store: the shared database, or their file when it is on this machine.
  const store = await openExistingStore(config);
  if (store) cleanups.push(() => store.close());
  // Pushed before the client, so closed after it: the last spans are sent once nothing makes more.
  const tracing = tracingFromConfig(config, 'api');
  if (tracing) cleanups.push(() => tracing.shutdown());
  const client = await connectClient(undefined, tracing);
  cleanups.push(() => client.connection.close());
  // Pushed before the API, so closed after it: no request of its handlers is still calling the systems.
  cleanups.push(closeHttpConnections);
  // The inventory system tells a mistyped SKU before an incident starts for it, and the console its purchase orders.
  const inventory = createInventoryClient({ baseUrl: config.INVENTORY_URL, timeoutMs: config.SYSTEMS_TIMEOUT_MS });
  const operations = buildOperations({ client, store, inventory });
  const consoleOptions = consoleFromConfig(config, { operations, inventory, crm: createCrmClient({ baseUrl: config.CRM_URL, timeoutMs: config.SYSTEMS_TIMEOUT_MS }) });
  const payloadCodecs = client.options.loadedDataConverter.payloadCodecs;
  const api = await startApi({
    operations,
    answerLinks: createAnswerLinks({ secret: linkSecret, ttlDays: config.ANSWER_LINK_TTL_DAYS, baseUrl: config.PUBLIC_BASE_URL }),
    config: { ...config, API_TOKEN: apiToken },
    codec: { payloadCodecs, uiOrigin: config.TEMPORAL_UI_ORIGIN },
    ...(consoleOptions ? { console: consoleOptions } : {}),
  });
  cleanups.push(() => api.close());
  if (config.STOCKOUT_METRICS_PORT !== undefined) {
    // The fleet's gauges, read from Temporal at each scrape (src/telemetry/metrics.ts).
    const metrics = createProductMetrics('api');
    registerFleetGauges(metrics, () => readFleet(client));
    const metricsServer = await serveMetrics(metrics.registry, { host: config.STOCKOUT_METRICS_HOST, port: config.STOCKOUT_METRICS_PORT });
    cleanups.push(() => metricsServer.close());
    say(`metrics on ${metricsServer.url}`);
  }
  say(`listening on ${api.url} (OpenAPI at ${api.url}/openapi.json), Temporal namespace ${client.options.namespace}`);
  say(consoleOptions ? `console for planners at ${consoleUrl(config.PUBLIC_BASE_URL)}` : 'no console: set STOCKOUT_USERS_FILE to serve it');
  if (tracing) say('traces sent to the OTLP collector (OTEL_EXPORTER_OTLP_ENDPOINT)');
  if (payloadCodecs.length > 0) say(`codec server for the Temporal Web UI at ${api.url}/codec (browser origin ${config.TEMPORAL_UI_ORIGIN})`);
  await stopRequested;
  say('stopping');
} catch (error) {
  console.error(`[api] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
} finally {
  for (const cleanup of cleanups.reverse()) await cleanup();
}
