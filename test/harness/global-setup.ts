// One Temporal server of each flavour per test run, started through the SDK from paths we provisioned
// ourselves (the SDK's own download needs internet), and one PostgreSQL server for the shared incident store.
// Test files reach them through `inject()`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { registerSearchAttributes } from '../../src/temporal/connection';
import { providePostgres, startPostgresServer } from '../../src/setup/postgres-server';
import { provideTemporalServers } from '../../src/setup/temporal-servers';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

declare module 'vitest' {
  export interface ProvidedContext {
    timeSkippingAddress: string;
    devServerAddress: string;
    workflowBundlePath: string;
    /** The PostgreSQL superuser's URL; test/harness/postgres.ts makes a database per test file. */
    postgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const postgres = await startPostgres();
  project.provide('postgresUrl', postgres.url);
  if (process.env.SKIP_TEMPORAL === '1') return () => postgres.stop();
  try {
    const stopTemporal = await startTemporal(project);
    return async () => {
      await Promise.all([stopTemporal(), postgres.stop()]);
    };
  } catch (error) {
    await postgres.stop();
    throw error;
  }
}

async function startTemporal(project: TestProject): Promise<() => Promise<void>> {
  const servers = await provideTemporalServers((line) => console.log(`[temporal] ${line}`));
  const started = Date.now();
  const devServerStarting = TestWorkflowEnvironment.createLocal({
    server: { executable: servers.devServer.executable, searchAttributes: ALL_SEARCH_ATTRIBUTES },
  });
  // Bundled once for the whole run: each worker would otherwise spend seconds on webpack.
  const bundling = bundleWorkflowCode({ workflowsPath: new URL('./workflows.ts', import.meta.url).pathname, logger: quietLogger });
  // No --enable-time-skipping: the server must start with skipping locked; the SDK's client unlocks it
  // only while a test awaits a result or sleeps, so time never races ahead of a worker.
  const timeSkippingStarting = withRetries(
    () => TestWorkflowEnvironment.createTimeSkipping({ server: { executable: servers.testServer.executable } }),
    Promise.allSettled([devServerStarting, bundling]),
  );
  const [timeSkippingStarted, devServerStarted, bundled] = await Promise.allSettled([timeSkippingStarting, devServerStarting, bundling]);
  if (timeSkippingStarted.status === 'rejected' || devServerStarted.status === 'rejected' || bundled.status === 'rejected') {
    // A server that did start must not outlive the run.
    for (const server of [timeSkippingStarted, devServerStarted]) if (server.status === 'fulfilled') await server.value.teardown();
    throw [timeSkippingStarted, devServerStarted, bundled].find((o) => o.status === 'rejected')!.reason;
  }
  const [timeSkipping, devServer, bundle] = [timeSkippingStarted.value, devServerStarted.value, bundled.value];
  // The dev server takes them as flags; the test server through its operator service.
  await registerSearchAttributes(timeSkipping.connection, 'default');
  const bundleDir = mkdtempSync(join(tmpdir(), 'stockout-bundle-'));
  const workflowBundlePath = join(bundleDir, 'workflows.js');
  writeFileSync(workflowBundlePath, bundle.code);
  console.log(`[temporal] servers up and workflows bundled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('timeSkippingAddress', timeSkipping.address);
  project.provide('devServerAddress', devServer.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  return async () => {
    await Promise.all([timeSkipping.teardown(), devServer.teardown()]);
  };
}

/**
 * The SDK gives the Java test server 5 s to accept connections; a JVM on a loaded machine can take longer
 * while the dev server and webpack compete for the CPU, so a start that timed out is tried again once they are done.
 */
async function withRetries(start: () => Promise<TestWorkflowEnvironment>, calmer: Promise<unknown>, attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !/did not start within/.test(String(error))) throw error;
      console.warn(`[temporal] test server slow to start (attempt ${attempt} of ${attempts}), trying again`);
      await calmer;
    }
  }
}

async function startPostgres() {
  const { binDir, source } = providePostgres((line) => console.log(`[postgres] ${line}`));
  const started = Date.now();
  const server = await startPostgresServer(binDir);
  console.log(`[postgres] ${source} ${binDir}: server up in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  return server;
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
