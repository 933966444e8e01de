// One Temporal dev server per test run, started through the SDK from a path we provisioned ourselves (the
// SDK's own download needs internet), the time-skipping server's path for each file to start its own, and one
// PostgreSQL server for the shared incident store. Test files reach them through `inject()`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { providePostgres, startPostgresServer } from '../../src/setup/postgres-server';
import { provideTemporalServers, type ServerExecutable } from '../../src/setup/temporal-servers';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

declare module 'vitest' {
  export interface ProvidedContext {
    /** Each file starts its own: the server's clock is one for all its clients, so files would hold each other's time. */
    testServerExecutable: ServerExecutable;
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
  const [devServerStarted, bundled] = await Promise.allSettled([devServerStarting, bundling]);
  if (devServerStarted.status === 'rejected' || bundled.status === 'rejected') {
    // A server that did start must not outlive the run.
    if (devServerStarted.status === 'fulfilled') await devServerStarted.value.teardown();
    throw [devServerStarted, bundled].find((o) => o.status === 'rejected')!.reason;
  }
  const [devServer, bundle] = [devServerStarted.value, bundled.value];
  const bundleDir = mkdtempSync(join(tmpdir(), 'stockout-bundle-'));
  const workflowBundlePath = join(bundleDir, 'workflows.js');
  writeFileSync(workflowBundlePath, bundle.code);
  console.log(`[temporal] dev server up and workflows bundled in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  project.provide('testServerExecutable', servers.testServer.executable);
  project.provide('devServerAddress', devServer.address);
  project.provide('workflowBundlePath', workflowBundlePath);
  return async () => {
    await devServer.teardown();
  };
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
