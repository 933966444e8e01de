// `npm run worker`: a standalone incident worker for a real deployment — Temporal from envconfig
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS), systems and secrets from the environment.
// It logs JSON lines (pino), serves the product's metrics on STOCKOUT_METRICS_PORT and the Temporal SDK's on
// STOCKOUT_SDK_METRICS_PORT, sends traces to OTEL_EXPORTER_OTLP_ENDPOINT when set, brings the threshold-scan
// schedules up to date, then polls the incident and the mail task queues. SIGINT/SIGTERM drain it: running activities finish, incidents continue on the next worker.
import { join } from 'node:path';
import { Runtime, makeTelemetryFilterString } from '@temporalio/worker';
import { operationsFromConfig } from '../src/operations/incident-operations';
import { loadConfig } from '../src/config/env';
import { closeHttpConnections } from '../src/http/client';
import { mailTaskQueue } from '../src/notifications/fleet-mail-rate';
import { readFleet } from '../src/telemetry/fleet';
import { createLogger, sdkLogger } from '../src/telemetry/logging';
import { createProductMetrics, registerFleetGauges, serveMetrics } from '../src/telemetry/metrics';
import { tracingFromConfig } from '../src/telemetry/tracing';
import { configuredDataConverter, connectClient, connectWorker } from '../src/temporal/connection';
import { ensureThresholdScanSchedules, refuseUnknownScanNetworks, scanScheduleOptions } from '../src/temporal/schedules';
import { activityDepsFromConfig } from './activity-deps';
import { createIncidentWorker } from './incident-worker';
import { prebuiltWorkflowBundle, WORKFLOW_BUNDLE_DIR } from './workflow-bundle';

const config = loadConfig();
const log = createLogger({ name: 'worker', level: config.STOCKOUT_LOG_LEVEL });
if (!config.ANSWER_LINK_SECRET) {
  log.fatal('Invalid configuration: env.ANSWER_LINK_SECRET: required to sign customer answer links');
  process.exit(2);
}
const sdkMetricsAddress = config.STOCKOUT_SDK_METRICS_PORT ? `${config.STOCKOUT_METRICS_HOST}:${config.STOCKOUT_SDK_METRICS_PORT}` : null;
Runtime.install({
  logger: sdkLogger(log),
  telemetryOptions: {
    // The native core's lines go through the same logger, so every line is JSON.
    logging: { forward: {}, filter: makeTelemetryFilterString({ core: 'WARN' }) },
    ...(sdkMetricsAddress ? { metrics: { prometheus: { bindAddress: sdkMetricsAddress } } } : {}),
  },
});
const metrics = createProductMetrics('worker');
const buildOperations = operationsFromConfig(config);
const deps = await activityDepsFromConfig(config, { answerLinkSecret: config.ANSWER_LINK_SECRET }, metrics);
try {
  await refuseUnknownScanNetworks(deps.inventory, config.STOCKOUT_SCAN_NETWORKS);
} catch (error) {
  console.error(`[worker] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
const tracing = tracingFromConfig(config, 'worker');
// Traced too: a threshold scan's span is the parent of the incidents it opens.
const client = await connectClient(undefined, tracing);
const incidents = buildOperations({ client, store: deps.store });
registerFleetGauges(metrics, () => readFleet(client));
const metricsServer =
  config.STOCKOUT_METRICS_PORT === undefined ? null : await serveMetrics(metrics.registry, { host: config.STOCKOUT_METRICS_HOST, port: config.STOCKOUT_METRICS_PORT });
if (metricsServer) log.info({ url: metricsServer.url }, 'product metrics served');
if (sdkMetricsAddress) log.info({ url: `http://${sdkMetricsAddress}/metrics` }, 'Temporal SDK metrics served');
if (tracing) log.info('traces sent to the OTLP collector');
for (const { network, outcome } of await ensureThresholdScanSchedules(client, scanScheduleOptions(config))) {
  log.info({ network, outcome, everyMinutes: config.STOCKOUT_SCAN_EVERY_MINUTES }, 'threshold scan schedule');
}
const { connection, namespace } = await connectWorker();
const worker = await createIncidentWorker({
  connection,
  namespace,
  taskQueue: config.STOCKOUT_TASK_QUEUE,
  deps,
  incidents,
  mailRatePerSecond: config.smtp.rateLimitPerSecond,
  metrics,
  dataConverter: configuredDataConverter(),
  tracing,
  workflowBundle: await prebuiltWorkflowBundle(join(config.STOCKOUT_DATA_DIR, WORKFLOW_BUNDLE_DIR), { traced: tracing !== undefined }),
});
log.info(
  { taskQueue: config.STOCKOUT_TASK_QUEUE, mailTaskQueue: mailTaskQueue(config.STOCKOUT_TASK_QUEUE), mailRatePerSecond: config.smtp.rateLimitPerSecond, namespace },
  'polling',
);
try {
  await worker.run();
} finally {
  await metricsServer?.close();
  await deps.close();
  await closeHttpConnections();
  await connection.close();
  await client.connection.close();
  await tracing?.shutdown();
}
