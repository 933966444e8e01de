// The main job: everything on embedded defaults — Temporal dev server (persisted, Web UI on), the reference
// inventory/CRM service with a generated dataset, the SMTP sink, the worker and the API — then a demo crisis
// driven end to end the way its users would. `--serve` starts everything and waits; Ctrl-C drains the worker,
// and the next start continues the incidents where they were.
import { randomBytes } from 'node:crypto';
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { configuredPolicy } from './allocation/policy-file';
import { startApi } from './api/server';
import { createIncidentOperations } from './api/operations';
import { loadConfig } from './config';
import { generateDataset, PRESETS } from './dataset/generate';
import { DEMO_NETWORK, runDemo } from './embedded/demo';
import { startDevServer } from './embedded/dev-server';
import { createInventoryClient } from './inventory/http-client';
import { startSmtpSink } from './notifications/smtp-sink';
import { startReferenceService } from './reference-service/service';
import { ensureThresholdScanSchedules, runScanNow, scanScheduleOptions } from './temporal/schedules';
import { activityDepsFromConfig } from '../workers/activity-deps';
import { createIncidentWorker } from '../workers/incident-worker';

const say = (line: string) => console.log(`[stockout] ${line}`);

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log('npm start [-- --serve] [-- --fresh]\n  --serve  start everything and wait (try the CLI and API by hand)\n  --fresh  forget earlier runs (deletes the data folder first)');
    return;
  }
  const started = Date.now();
  // The worker's lifecycle chatter would bury the demo's story; warnings and errors still show.
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const dataDir = resolve(config.STOCKOUT_DATA_DIR);
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // Secrets come from the environment; without them the embedded run makes throwaway ones for this run.
  const apiToken = config.API_TOKEN ?? randomBytes(24).toString('base64url');
  const linkSecret = config.ANSWER_LINK_SECRET ?? randomBytes(32).toString('base64url');
  const policy = configuredPolicy(config.STOCKOUT_POLICY_FILE);

  const cleanups: (() => Promise<void>)[] = [];
  const shutdown = async () => {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  };

  try {
    say('starting the Temporal dev server (data in the data folder, Web UI on)…');
    const devServer = await startDevServer({ dataDir, port: 7233, uiPort: 8233 });
    cleanups.push(() => devServer.stop());

    say('starting the reference inventory and CRM service…');
    const service = await startReferenceService({
      dbFile: join(dataDir, 'reference.sqlite'),
      dataset: generateDataset(PRESETS.demo),
      port: Number(new URL(config.INVENTORY_URL).port),
      crmPort: Number(new URL(config.CRM_URL).port),
    });
    cleanups.push(() => service.close());

    const sink = await startSmtpSink({ port: config.SMTP_PORT, dir: join(dataDir, 'mail') });
    cleanups.push(() => sink.close());
    say(`SMTP sink on port ${sink.port}: every email is kept as an .eml file in ${sink.dir}`);

    const inventory = createInventoryClient({ baseUrl: service.inventoryUrl, timeoutMs: config.SYSTEMS_TIMEOUT_MS });
    // The reference service picked its ports from INVENTORY_URL/CRM_URL, so the worker's config points at it.
    const deps = activityDepsFromConfig({ ...config, STOCKOUT_DATA_DIR: dataDir }, { answerLinkSecret: linkSecret });
    cleanups.push(async () => deps.close());
    const connection = await Connection.connect({ address: devServer.address });
    cleanups.push(() => connection.close());
    const client = new Client({ connection, namespace: 'default' });
    const operations = createIncidentOperations({ client, policy, taskQueue: config.STOCKOUT_TASK_QUEUE, store: deps.store, inventory });
    for (const { network } of await ensureThresholdScanSchedules(client, scanScheduleOptions(config))) {
      say(`threshold scan of network ${network} scheduled every ${config.STOCKOUT_SCAN_EVERY_MINUTES} min (below ${config.STOCKOUT_SCAN_CRITICAL_DAYS} days of cover)`);
    }
    const workerConnection = await NativeConnection.connect({ address: devServer.address });
    const worker = await createIncidentWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: config.STOCKOUT_TASK_QUEUE,
      deps,
      incidents: operations,
    });
    const workerRun = worker.run();
    cleanups.push(async () => {
      worker.shutdown();
      await workerRun;
      await workerConnection.close();
    });

    const api = await startApi({ operations, answerLinks: deps.answerLinks, config: { ...config, API_TOKEN: apiToken } });
    cleanups.push(() => api.close());
    say(`API on ${api.url} (OpenAPI at ${api.url}/openapi.json)${config.API_TOKEN ? '' : `; bearer token for this run: ${apiToken}`}`);
    say(`everything up in ${((Date.now() - started) / 1000).toFixed(1)} s — Temporal Web UI: ${devServer.uiUrl}`);

    // Ctrl-C or SIGTERM at any point: stop what runs here gracefully; the incidents wait in Temporal.
    const stopped = new Promise<'stopped'>((resolveStop) => {
      process.once('SIGINT', () => resolveStop('stopped'));
      process.once('SIGTERM', () => resolveStop('stopped'));
    });
    if (values.serve) {
      say('serving; try `npm run stockout -- list` or the API. Ctrl-C stops (the worker drains first).');
      await stopped;
    } else {
      const scanNow = config.STOCKOUT_SCAN_NETWORKS.includes(DEMO_NETWORK) ? () => runScanNow(client, DEMO_NETWORK) : undefined;
      const demo = runDemo({ apiUrl: api.url, apiToken, operations, inventory, sink, say, uiUrl: devServer.uiUrl, dataDir, ...(scanNow ? { scanNow } : {}) });
      if ((await Promise.race([demo, stopped])) === 'stopped') say('stopped during the demo: the next `npm start` continues it');
      else say(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } finally {
    say('shutting down: the worker drains, incidents continue on the next start');
    await shutdown();
  }
}

main().catch((error: unknown) => {
  console.error(`[stockout] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
