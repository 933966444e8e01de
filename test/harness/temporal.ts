// Helpers every Temporal test uses: connect to the run's shared servers and run a worker with the
// project's workflows and the activities a test chooses.
import { randomUUID } from 'node:crypto';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker, type WorkerOptions } from '@temporalio/worker';
import { inject } from 'vitest';

type CreateEnv = (opts: {
  server: { type: 'existing' };
  address: string;
  supportsTimeSkipping: boolean;
  namespace: string;
}) => Promise<TestWorkflowEnvironment>;

/**
 * An environment on the run's shared time-skipping server. The SDK only offers time skipping on a server it
 * started itself, so this goes through its internal factory (pinned SDK version; the harness tests cover it).
 */
export async function connectTimeSkipping(): Promise<TestWorkflowEnvironment> {
  const create = (TestWorkflowEnvironment as unknown as { create: CreateEnv }).create.bind(TestWorkflowEnvironment);
  return create({ server: { type: 'existing' }, address: inject('timeSkippingAddress'), supportsTimeSkipping: true, namespace: 'default' });
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
