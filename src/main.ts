// The main job: everything on embedded defaults — Temporal dev server (persisted, Web UI on), the reference
// inventory/CRM service with a generated dataset, the SMTP sink, the worker and the API — then a demo crisis
// driven end to end the way its users would. `--serve` starts everything and waits; `--scenario NAME` stages a
// new crisis on the reference data (src/embedded/scenarios), then waits; Ctrl-C drains the worker, and the next
// start continues the incidents where they were.
import { mkdirSync, rmSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime } from '@temporalio/worker';
import { isLoopback, startApi } from './api/server';
import { operationsFromConfig } from './operations/incident-operations';
import { loadConfig } from './config/env';
import { generateDataset, PRESETS } from './dataset/generate';
import { DEMO_NETWORK, runDemo } from './embedded/demo';
import { startDevServer } from './embedded/dev-server';
import { loadOrCreateSecrets, secretsFile } from './embedded/secrets';
import { ensureFirstAdmin, FIRST_ADMIN } from './embedded/first-admin';
import { consoleFromConfig, consoleUrl } from './console/from-config';
import { createCrmClient } from './crm/http-client';
import { closeHttpConnections } from './http/client';
import { createInventoryClient, createOrderEntryClient } from './inventory/http-client';
import { isScenarioName, runScenario, SCENARIO_NAMES, SCENARIOS } from './embedded/scenarios';
import { startSmtpSink } from './embedded/smtp-sink';
import { storeLocation } from './incident-store/configured-store';
import { startReferenceService } from './reference-service/service';
import { configuredDataConverter } from './temporal/connection';
import { tracedClientOptions, tracingFromConfig } from './telemetry/tracing';
import { ensureThresholdScanSchedules, refuseUnknownScanNetworks, runScanNow, scanScheduleOptions } from './temporal/schedules';
import { activityDepsFromConfig } from '../workers/activity-deps';
import { createIncidentWorker } from '../workers/incident-worker';
import { prebuiltWorkflowBundle, WORKFLOW_BUNDLE_DIR } from '../workers/workflow-bundle';

const say = (line: string) => console.log(`[stockout] ${line}`);

async function main(): Promise<void> {
  // Installed before anything starts: a Ctrl-C or SIGTERM at any point, start-up included, stops what runs here
  // gracefully; the incidents wait in Temporal. Repeats are ignored (npm relays the terminal's Ctrl-C a second time).
  const stop = new AbortController();
  const onSignal = () => {
    if (stop.signal.aborted) say('still shutting down: the worker drains first');
    else stop.abort(new Error('stop requested'));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  const stopped = new Promise<'stopped'>((resolveStop) => stop.signal.addEventListener('abort', () => resolveStop('stopped'), { once: true }));

  const { values } = parseArgs({
    options: {
      serve: { type: 'boolean', default: false },
      fresh: { type: 'boolean', default: false },
      scenario: { type: 'string' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(
      [
        'npm start [-- --serve] [-- --fresh] [-- --scenario NAME]',
        '  --serve          start everything and wait (try the CLI and API by hand)',
        '  --fresh          forget earlier runs (deletes the data folder first)',
        '  --scenario NAME  stage a new crisis instead of the demo, then wait; NAME is one of:',
        ...SCENARIO_NAMES.map((name) => `      ${name.padEnd(15)} ${SCENARIOS[name].summary}`),
      ].join('\n'),
    );
    return;
  }
  const scenario = values.scenario;
  if (scenario !== undefined && !isScenarioName(scenario)) {
    console.error(`[stockout] --scenario: "${scenario}" is not a scenario; one of ${SCENARIO_NAMES.join(', ')} (npm start -- --help says what each stages)`);
    process.exitCode = 2;
    return;
  }
  const started = Date.now();
  // The worker's lifecycle chatter would bury the demo's story; warnings and errors still show. No shutdown
  // signals for the SDK: the shutdown below drains the worker before it closes what the worker uses.
  Runtime.install({ logger: new DefaultLogger('WARN'), shutdownSignals: [] });
  const config = loadConfig();
  const dataDir = resolve(config.STOCKOUT_DATA_DIR);
  if (values.fresh) rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  // Secrets come from the environment; what it lacks is made once and kept in the data folder.
  const { API_TOKEN, ANSWER_LINK_SECRET } = config;
  const kept = API_TOKEN && ANSWER_LINK_SECRET ? { apiToken: API_TOKEN, answerLinkSecret: ANSWER_LINK_SECRET } : loadOrCreateSecrets(dataDir);
  const apiToken = API_TOKEN ?? kept.apiToken;
  const linkSecret = ANSWER_LINK_SECRET ?? kept.answerLinkSecret;
  const buildOperations = operationsFromConfig(config);
  // The console's people: the deployment's users file, or a first admin made here and kept in the data folder.
  const firstAdmin = config.STOCKOUT_USERS_FILE ? null : await ensureFirstAdmin(dataDir);
  const usersFile = config.STOCKOUT_USERS_FILE ?? firstAdmin!.usersFile;
  const dataConverter = configuredDataConverter();
  const payloadCodecs = dataConverter.payloadCodecs ?? [];

  const cleanups: (() => Promise<void>)[] = [];
  /** Keeps what just started for the shutdown; a stop asked for meanwhile ends the start-up here. */
  const keep = (cleanup: () => Promise<void>) => {
    cleanups.push(cleanup);
    stop.signal.throwIfAborted();
  };

  try {
    say('starting the Temporal dev server (data in the data folder, Web UI on)…');
    const devServer = await startDevServer({
      dataDir,
      port: config.STOCKOUT_DEV_SERVER_PORT,
      uiPort: config.STOCKOUT_DEV_SERVER_UI_PORT,
      // With payload encryption the Web UI decodes through the API's codec server (PUBLIC_BASE_URL is the API's address).
      ...(payloadCodecs.length > 0 ? { codecEndpoint: `${config.PUBLIC_BASE_URL.replace(/\/$/, '')}/codec` } : {}),
    });
    // Pushed first, so stopped last: after the worker has drained.
    keep(() => devServer.stop());

    say('starting the reference inventory and CRM service…');
    const service = await startReferenceService({
      dbFile: join(dataDir, 'reference.sqlite'),
      dataset: generateDataset(PRESETS.showcase),
      port: Number(new URL(config.INVENTORY_URL).port),
      crmPort: Number(new URL(config.CRM_URL).port),
    });
    keep(() => service.close());
    // Kept after the service, so closed before it, once everything that calls it has stopped.
    keep(closeHttpConnections);

    const sink = await startSmtpSink({ port: config.SMTP_PORT, dir: join(dataDir, 'mail') });
    keep(() => sink.close());
    say(`SMTP sink on port ${sink.port}: every email is kept as an .eml file in ${sink.dir}`);

    const inventory = createInventoryClient({ baseUrl: service.inventoryUrl, timeoutMs: config.SYSTEMS_TIMEOUT_MS });
    // The reference service picked its ports from INVENTORY_URL/CRM_URL, so the worker's config points at it.
    const deps = await activityDepsFromConfig({ ...config, STOCKOUT_DATA_DIR: dataDir }, { answerLinkSecret: linkSecret });
    keep(() => deps.close());
    // Kept before the client and the worker, so shut down after them: the last spans are sent.
    const tracing = tracingFromConfig(config, 'main');
    if (tracing) keep(() => tracing.shutdown());
    const connection = await Connection.connect({ address: devServer.address });
    keep(() => connection.close());
    const client = new Client({ connection, namespace: 'default', dataConverter, ...tracedClientOptions(tracing) });
    const operations = buildOperations({ client, store: deps.store, inventory });
    await refuseUnknownScanNetworks(inventory, config.STOCKOUT_SCAN_NETWORKS);
    for (const { network, outcome } of await ensureThresholdScanSchedules(client, scanScheduleOptions(config))) {
      say(
        outcome === 'paused'
          ? `threshold scan of network ${network} paused: it is no longer in STOCKOUT_SCAN_NETWORKS`
          : `threshold scan of network ${network} scheduled every ${config.STOCKOUT_SCAN_EVERY_MINUTES} min (below ${config.STOCKOUT_SCAN_CRITICAL_DAYS} days of cover)`,
      );
    }
    const workerConnection = await NativeConnection.connect({ address: devServer.address });
    const worker = await createIncidentWorker({
      connection: workerConnection,
      namespace: 'default',
      taskQueue: config.STOCKOUT_TASK_QUEUE,
      deps,
      incidents: operations,
      mailRatePerSecond: config.smtp.rateLimitPerSecond,
      dataConverter,
      tracing,
      workflowBundle: await prebuiltWorkflowBundle(join(dataDir, WORKFLOW_BUNDLE_DIR), { traced: tracing !== undefined }),
    });
    const workerRun = worker.run();
    keep(async () => {
      if (worker.getState() === 'RUNNING') worker.shutdown();
      await workerRun;
      await workerConnection.close();
    });

    const consoleOptions = consoleFromConfig(
      { ...config, STOCKOUT_USERS_FILE: usersFile },
      { operations, inventory, crm: createCrmClient({ baseUrl: service.crmUrl, timeoutMs: config.SYSTEMS_TIMEOUT_MS }) },
    );
    const api = await startApi({
      operations,
      answerLinks: deps.answerLinks,
      config: { ...config, API_TOKEN: apiToken },
      ...(consoleOptions ? { console: consoleOptions } : {}),
      // The Web UI here is our dev server's, whatever TEMPORAL_UI_ORIGIN says; it sends no token, so on a
      // loopback-only setup its requests are trusted (src/api/server.ts, trustLoopbackUi).
      codec: { payloadCodecs, uiOrigin: devServer.uiUrl, trustLoopbackUi: isLoopback(config.API_HOST) },
    });
    keep(() => api.close());
    say(`API on ${api.url} (OpenAPI at ${api.url}/openapi.json)${API_TOKEN ? '' : `; its bearer token (apiToken) is kept in ${secretsFile(dataDir)}`}`);
    say(
      `console for planners at ${consoleUrl(api.url)}${firstAdmin ? `; sign in as ${FIRST_ADMIN}, its password is kept in ${firstAdmin.credentialsFile} (add people to ${firstAdmin.usersFile})` : ` (users from ${usersFile})`}`,
    );
    say(`everything up in ${((Date.now() - started) / 1000).toFixed(1)} s — Temporal Web UI: ${devServer.uiUrl}`);

    if (scenario !== undefined) {
      await runScenario({
        name: scenario,
        systems: {
          inventory,
          orders: createOrderEntryClient({ baseUrl: service.inventoryUrl, timeoutMs: config.SYSTEMS_TIMEOUT_MS }),
          network: DEMO_NETWORK,
          today: new Date().toISOString().slice(0, 10),
          runId: new Date().toISOString().replace(/[^0-9]/g, '').slice(0, 14),
        },
        apiUrl: api.url,
        apiToken,
        operations,
        consoleUrl: consoleUrl(api.url),
        say,
      });
    }
    if (values.serve || scenario !== undefined) {
      say('serving; try `npm run stockout -- list` or the API. Ctrl-C stops (the worker drains first).');
      // A worker that fails ends the job instead of leaving an API whose incidents no longer move.
      await Promise.race([stopped, workerRun]);
    } else {
      const scanNow = config.STOCKOUT_SCAN_NETWORKS.includes(DEMO_NETWORK) ? () => runScanNow(client, DEMO_NETWORK) : undefined;
      const demo = runDemo({ apiUrl: api.url, apiToken, operations, inventory, sink, say, uiUrl: devServer.uiUrl, storeLocation: storeLocation({ ...config, STOCKOUT_DATA_DIR: dataDir }), ...(scanNow ? { scanNow } : {}) });
      if ((await Promise.race([demo, stopped])) === 'stopped') say('stopped during the demo: the next `npm start` continues it');
      else say(`demo finished in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    }
  } catch (error) {
    if (error !== stop.signal.reason) throw error;
    say('stopped during start-up');
  } finally {
    say('shutting down: the worker drains, incidents continue on the next start');
    for (const cleanup of cleanups.reverse()) {
      await cleanup().catch((error: unknown) => say(`while shutting down: ${error instanceof Error ? error.message : String(error)}`));
    }
  }
}

main().catch((error: unknown) => {
  console.error(`[stockout] failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exit(1);
});
