import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { connectDevServer, connectTimeSkipping, createTestWorker, uniqueTaskQueue } from '../harness/temporal';
import { waitOneDay } from '../harness/fixture-workflows';
import { recordHistory } from '../harness/replay';

describe('time-skipping test server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectTimeSkipping();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('skips a simulated day: the server clock moves a day while the workflow waits on a timer', async () => {
    const taskQueue = uniqueTaskQueue('day');
    const worker = await createTestWorker(env, { taskQueue });
    const before = await env.currentTimeMs();
    // No wall-clock bound (timings belong in benches): without skipping, the day-long timer outlasts the test timeout.
    const result = await worker.runUntil(env.client.workflow.execute(waitOneDay, { taskQueue, workflowId: `wait-a-day-${taskQueue}` }));
    const skippedMs = (await env.currentTimeMs()) - before;
    expect(result).toBe('a day later');
    expect(skippedMs).toBeGreaterThanOrEqual(24 * 3600 * 1000);
    if (process.env.RECORD_HISTORIES === '1') await recordHistory(env.client.workflow.getHandle(`wait-a-day-${taskQueue}`), 'harness-wait-one-day');
  });
});

describe('dev server', () => {
  let env: TestWorkflowEnvironment;
  beforeAll(async () => {
    env = await connectDevServer();
  });
  afterAll(async () => {
    await env?.teardown();
  });

  it('runs a workflow and keeps its history', async () => {
    const taskQueue = uniqueTaskQueue('dev');
    const worker = await createTestWorker(env, { taskQueue });
    const handle = await env.client.workflow.start(waitOneDay, { taskQueue, workflowId: `dev-${taskQueue}` });
    await worker.runUntil(async () => {
      // Real timers on the dev server: cancel instead of waiting a day, then read the history back.
      await handle.cancel();
      await expect(handle.result()).rejects.toThrow();
    });
    const history = await handle.fetchHistory();
    expect(history.events?.length).toBeGreaterThan(3);
  });
});
