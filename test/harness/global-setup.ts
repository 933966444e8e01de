// One Temporal server of each flavour per test run, started through the SDK from paths we provisioned
// ourselves (the SDK's own download needs internet). Test files reach them through `inject()`.
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { bundleWorkflowCode } from '@temporalio/worker';
import type { TestProject } from 'vitest/node';
import { registerSearchAttributes } from '../../src/temporal/connection';
import { provideTemporalServers } from '../../src/setup/temporal-servers';
import { ALL_SEARCH_ATTRIBUTES } from '../../src/temporal/search-attributes';

declare module 'vitest' {
  export interface ProvidedContext {
    timeSkippingAddress: string;
    devServerAddress: string;
    workflowBundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<(() => Promise<void>) | void> {
  if (process.env.SKIP_TEMPORAL === '1') return;
  const servers = await provideTemporalServers((line) => console.log(`[temporal] ${line}`));
  const started = Date.now();
  const [timeSkipping, devServer, bundle] = await Promise.all([
    // No --enable-time-skipping: the server must start with skipping locked; the SDK's client unlocks it
    // only while a test awaits a result or sleeps, so time never races ahead of a worker.
    startingAgain(() => TestWorkflowEnvironment.createTimeSkipping({ server: { executable: servers.testServer.executable } })),
    startingAgain(() =>
      TestWorkflowEnvironment.createLocal({
        server: { executable: servers.devServer.executable, searchAttributes: ALL_SEARCH_ATTRIBUTES },
      }),
    ),
    // Bundled once for the whole run: each worker would otherwise spend seconds on webpack.
    bundleWorkflowCode({ workflowsPath: new URL('./workflows.ts', import.meta.url).pathname, logger: quietLogger }),
  ]);
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
 * The SDK gives an ephemeral server 5 s to open its port; a loaded machine (a JVM starting beside a build)
 * can take longer, so a start that timed out is tried again before the run fails.
 */
async function startingAgain<T>(start: () => Promise<T>, attempts = 3): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !String(error).includes('did not start within')) throw error;
      console.warn(`[temporal] a server did not start in time (attempt ${attempt} of ${attempts}); trying again`);
    }
  }
}

const quietLogger = {
  log: () => {},
  trace: () => {},
  debug: () => {},
  info: () => {},
  warn: (message: string) => console.warn(message),
  error: (message: string) => console.error(message),
};
