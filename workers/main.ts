// `npm run worker`: a standalone incident worker for a real deployment — Temporal from envconfig
// (TEMPORAL_ADDRESS, TEMPORAL_NAMESPACE, TEMPORAL_API_KEY, TLS), systems and secrets from the environment.
// SIGINT/SIGTERM drain it: running activities finish, incidents continue on the next worker.
import { loadConfig } from '../src/config';
import { connectWorker } from '../src/temporal/connection';
import { activityDepsFromConfig } from './activity-deps';
import { createIncidentWorker } from './incident-worker';

const config = loadConfig();
if (!config.ANSWER_LINK_SECRET) {
  console.error('[worker] Invalid configuration: env.ANSWER_LINK_SECRET: required to sign customer answer links');
  process.exit(2);
}
const deps = activityDepsFromConfig(config, { answerLinkSecret: config.ANSWER_LINK_SECRET });
const { connection, namespace } = await connectWorker();
const worker = await createIncidentWorker({ connection, namespace, taskQueue: config.STOCKOUT_TASK_QUEUE, deps });
console.log(`[worker] polling ${config.STOCKOUT_TASK_QUEUE} in namespace ${namespace}`);
try {
  await worker.run();
} finally {
  deps.close();
  await connection.close();
}
