// The product as its users reach it, for the end-to-end files: a test world on the run's dev server, the incident
// operations over it and the HTTP API (with the console, when a file gives its options), torn down together.
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { startApi, type ApiOptions, type RunningApi } from '../../src/api/server';
import type { IncidentState } from '../../src/incident/state';
import { createIncidentOperations, type IncidentOperations } from '../../src/operations/incident-operations';
import { createWorld, type World } from '../incident/world';
import type { WorldOptions } from './incident-worlds';
import { connectDevServer } from './temporal';

export interface ApiWorld {
  env: TestWorkflowEnvironment;
  world: World;
  client: Client;
  operations: IncidentOperations;
  api: RunningApi;
  /** Runs the world's worker until close (a file that runs it for a step only uses `world.worker.runUntil`). */
  runWorker(): void;
  /** Stops the API and the worker, closes the world and leaves the dev server. */
  close(): Promise<void>;
}

export async function startApiWorld(options: {
  token: string;
  world?: WorldOptions;
  console?: (operations: IncidentOperations, world: World) => NonNullable<ApiOptions['console']>;
}): Promise<ApiWorld> {
  const env = await connectDevServer();
  const world = await createWorld(env, options.world);
  const client = new Client({ connection: env.connection, namespace: 'default' });
  const operations = createIncidentOperations({ client, policy: DEFAULT_POLICY, taskQueue: world.taskQueue, store: world.store, inventory: world.deps.inventory });
  const api = await startApi({
    operations,
    answerLinks: world.deps.answerLinks,
    config: { API_TOKEN: options.token, API_HOST: '127.0.0.1', API_PORT: 0 },
    ...(options.console ? { console: options.console(operations, world) } : {}),
  });
  let running: Promise<void> | undefined;
  return {
    env,
    world,
    client,
    operations,
    api,
    runWorker() {
      running = world.worker.run();
    },
    async close() {
      await api.close();
      if (running) {
        world.worker.shutdown();
        await running;
      }
      await world.close();
      await env.teardown();
    },
  };
}

/** Reads the incident through the operations until `done` holds; a minute at most, then the test fails naming where it is. */
export async function waitForShown(operations: IncidentOperations, id: string, done: (state: IncidentState) => boolean): Promise<IncidentState> {
  const deadline = Date.now() + 60_000;
  for (;;) {
    const state = await operations.show(id);
    if (done(state)) return state;
    if (Date.now() > deadline) throw new Error(`timed out; stage ${state.stage}, attention ${state.attention?.reason ?? 'none'}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
