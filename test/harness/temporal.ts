// Helpers every Temporal test uses: a time-skipping server of the file's own or the run's shared dev server,
// and a worker with the project's workflows and the activities a test chooses.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';
import { registerSearchAttributes } from '../../src/temporal/connection';

/**
 * A time-skipping test server of the file's own. Its clock is one for every client and moves only while none
 * holds it, so files sharing one would stall each other's timers whenever one of them is busy.
 */
export async function connectTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const env = await startedWithRetries(() => TestWorkflowEnvironment.createTimeSkipping({ server: { executable: inject('testServerExecutable') } }));
  await registerSearchAttributes(env.connection, 'default');
  return env;
}

/**
 * The SDK gives the Java test server 5 s to accept connections; a JVM on a loaded machine (other files' servers
 * and workers) can take longer, so a start that timed out is tried again.
 */
async function startedWithRetries(start: () => Promise<TestWorkflowEnvironment>, attempts = 3): Promise<TestWorkflowEnvironment> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= attempts || !/did not start within/.test(String(error))) throw error;
      console.warn(`[temporal] test server slow to start (attempt ${attempt} of ${attempts}), trying again`);
    }
  }
}

/** An environment on the run's shared dev server (real timers, persistence, search attributes). */
export async function connectDevServer(): Promise<TestWorkflowEnvironment> {
  return TestWorkflowEnvironment.createFromExistingServer({ address: inject('devServerAddress') });
}

export function uniqueTaskQueue(prefix = 'test'): string {
  return `${prefix}-${randomUUID()}`;
}

export type TestWorkerOptions = Omit<WorkerOptions, 'connection' | 'workflowBundle' | 'workflowsPath' | 'taskQueue'> & {
  taskQueue?: string;
};

/** A worker on the given environment with the pre-built workflow bundle. */
export async function createTestWorker(env: TestWorkflowEnvironment, options: TestWorkerOptions = {}): Promise<Worker> {
  return Worker.create({
    connection: env.nativeConnection,
    namespace: env.namespace ?? 'default',
    taskQueue: options.taskQueue ?? uniqueTaskQueue(),
    workflowBundle: { codePath: inject('workflowBundlePath') },
    ...options,
  });
}
