// `npm run worker`: a standalone incident worker for a real deployment — Temporal from envconfig
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS), systems and secrets from the environment.
// It brings the threshold-scan schedules up to date, then polls. SIGINT/SIGTERM drain it: running
// activities finish, incidents continue on the next worker.
import { operationsFromConfig } from '../src/operations/incident-operations';
import { loadConfig } from '../src/config/env';
import { configuredDataConverter, connectClient, connectWorker } from '../src/temporal/connection';
import { ensureThresholdScanSchedules, refuseUnknownScanNetworks, scanScheduleOptions } from '../src/temporal/schedules';
import { activityDepsFromConfig } from './activity-deps';
import { createIncidentWorker } from './incident-worker';

const config = loadConfig();
if (!config.ANSWER_LINK_SECRET) {
  console.error('[worker] Invalid configuration: env.ANSWER_LINK_SECRET: required to sign customer answer links');
  process.exit(2);
}
const buildOperations = operationsFromConfig(config);
const deps = await activityDepsFromConfig(config, { answerLinkSecret: config.ANSWER_LINK_SECRET });
try {
  await refuseUnknownScanNetworks(deps.inventory, config.STOCKOUT_SCAN_NETWORKS);
} catch (error) {
  console.error(`[worker] ${error instanceof Error ? error.message : String(error)}`);
  process.exit(2);
}
const client = await connectClient();
const incidents = buildOperations({ client, store: deps.store });
for (const { network, outcome } of await ensureThresholdScanSchedules(client, scanScheduleOptions(config))) {
  console.log(`[worker] threshold scan for ${network}: schedule ${outcome}${outcome === 'paused' ? ' (no longer in STOCKOUT_SCAN_NETWORKS)' : ` (every ${config.STOCKOUT_SCAN_EVERY_MINUTES} min)`}`);
}
const { connection, namespace } = await connectWorker();
const worker = await createIncidentWorker({
  connection,
  namespace,
  taskQueue: config.STOCKOUT_TASK_QUEUE,
  deps,
  incidents,
  dataConverter: configuredDataConverter(),
});
console.log(`[worker] polling ${config.STOCKOUT_TASK_QUEUE} in namespace ${namespace}`);
try {
  await worker.run();
} finally {
  await deps.close();
  await connection.close();
  await client.connection.close();
}
