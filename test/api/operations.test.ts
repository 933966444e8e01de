// The operations layer against the real Temporal dev server, with a stand-in workflow that keeps the
// incident's contract: start vs attach, visibility filters, update ids, and how Temporal's errors read.
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { createIncidentOperations, OperationError, type IncidentOperations } from '../../src/operations/incident-operations';
import type { IncidentStore } from '../../src/incident-store/store';
import { openSqliteStore } from '../../src/incident-store/sqlite-store';
import { createInventoryClient } from '../../src/inventory/http-client';
import { connectDevServer, uniqueTaskQueue } from '../harness/temporal';

describe.skipIf(process.env.SKIP_TEMPORAL === '1')('incident operations on a Temporal server', () => {
  let env: TestWorkflowEnvironment;
  let worker: Worker;
  let running: Promise<void>;
  let ops: IncidentOperations;
  let store: IncidentStore;
  // Unique per run: the dev server lives for the whole test run and visibility is shared.
  const network = uniqueTaskQueue('net');
  const taskQueue = uniqueTaskQueue('ops');

  beforeAll(async () => {
    env = await connectDevServer();
    worker = await Worker.create({
      connection: env.nativeConnection,
      taskQueue,
      workflowsPath: fileURLToPath(new URL('./fixture-incident.ts', import.meta.url)),
    });
    running = worker.run();
    store = openSqliteStore(':memory:');
    ops = createIncidentOperations({ client: env.client, policy: DEFAULT_POLICY, taskQueue, store });
  });

  afterAll(async () => {
    worker?.shutdown();
    await running;
    await store?.close();
    await env?.teardown();
  });

  const trigger = (sku: string, triggerId: string, source: 'webhook' | 'scan' = 'webhook') => ({ triggerId, sku, network, source, reason: 'under critical level' });
  async function endIncident(sku: string) {
    await ops.cancel(`${network}:${sku}`, { reason: 'done', cancelledBy: 'pat' });
    const handle = env.client.workflow.getHandle(`stockout:${network}:${sku}`);
    await handle.result();
    return (await handle.describe()).runId;
  }
  const latestRun = async (sku: string) => (await env.client.workflow.getHandle(`stockout:${network}:${sku}`).describe()).runId;
  const kind = (promise: Promise<unknown>) =>
    promise.then(
      () => 'ok',
      (error: unknown) => (error instanceof OperationError ? `${error.kind}: ${error.message}` : `unexpected: ${String(error)}`),
    );

  it('starts one incident per SKU and network; a second trigger attaches to it', async () => {
    const first = await ops.trigger(trigger('SKU-A', 'evt-1'));
    const second = await ops.trigger(trigger('SKU-A', 'evt-2'));
    const retried = await ops.trigger(trigger('SKU-A', 'evt-2'));
    expect(first).toEqual({ workflowId: `stockout:${network}:SKU-A`, started: true });
    expect(second).toEqual({ workflowId: first.workflowId, started: false });
    expect(retried.started).toBe(false);
    const state = await ops.show(`${network}:SKU-A`);
    expect(state.triggers.map((t) => t.triggerId)).toEqual(['evt-1', 'evt-2']);
  });

  it('lists incidents by the typed search attributes', async () => {
    await ops.trigger(trigger('SKU-B', 'evt-b'));
    // Visibility is eventually consistent.
    let listed = await ops.list({ network, sku: 'SKU-B' });
    for (let attempt = 0; attempt < 50 && listed[0]?.stage !== 'following-up'; attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      listed = await ops.list({ network, sku: 'SKU-B' });
    }
    expect(listed).toHaveLength(1);
    expect(listed[0]).toMatchObject({ workflowId: `stockout:${network}:SKU-B`, sku: 'SKU-B', network, stage: 'following-up', status: 'RUNNING' });
    expect(await ops.list({ network, stage: 'cancelled' })).toEqual([]);
    expect((await ops.list({ network, sku: 'SKU-B', status: 'running' })).map((i) => i.status)).toEqual(['RUNNING']);
    expect(await ops.list({ network, sku: 'SKU-B', status: 'ended' })).toEqual([]);
    expect(await kind(ops.list({ network, status: 'closed' as 'ended' }))).toMatch(/^invalid: filter\.status/);
  });

  it('applies a repeated restock receipt once', async () => {
    const id = `${network}:SKU-A`;
    const first = await ops.restock(id, { receiptId: 'GR-1', quantity: 10 });
    const again = await ops.restock(id, { receiptId: 'GR-1', quantity: 10 });
    expect(again).toEqual(first);
    expect((await ops.show(id)).restockRounds).toBe(1);
  });

  it("reports the incident's own refusal, unknown incidents and bad input in words a person can act on", async () => {
    expect(await kind(ops.decide(`${network}:SKU-A`, { decision: 'approve', planRevision: 0, decidedBy: 'pat' }))).toBe(
      'rejected: decision: no plan is awaiting approval (stage following-up)',
    );
    expect(await kind(ops.show(`${network}:NO-SUCH-SKU`))).toBe(`not-found: no incident stockout:${network}:NO-SUCH-SKU`);
    expect(await kind(ops.restock(`${network}:NO-SUCH-SKU`, { receiptId: 'GR-9', quantity: 1 }))).toMatch(/^not-found/);
    expect(await kind(ops.restock(`${network}:SKU-A`, { receiptId: 'GR-2', quantity: -1 }))).toMatch(/^invalid: restock\.quantity/);
    expect(await kind(ops.simulate(`${network}:SKU-A`, 'not a policy'))).toMatch(/^invalid/);
  });

  it('gives the report once closed, with the full report from the store, and refuses commands after', async () => {
    const id = `${network}:SKU-C`;
    await ops.trigger(trigger('SKU-C', 'evt-c'));
    expect(await kind(ops.report(id))).toMatch(/^rejected: .* is still /);
    await store.put(`stockout:${network}:SKU-C:fixture`, 'report', { recommendations: ['raise safety stock'] });
    await ops.cancel(id, { reason: 'false alarm after all', cancelledBy: 'pat' });
    await env.client.workflow.getHandle(`stockout:${network}:SKU-C`).result();
    const view = await ops.report(id);
    expect(view.summary.outcome).toBe('cancelled');
    expect(view.report).toEqual({ recommendations: ['raise safety stock'] });
    expect(await kind(ops.restock(id, { receiptId: 'GR-3', quantity: 1 }))).toBe(`rejected: incident stockout:${network}:SKU-C is completed: it takes no more commands`);
    expect(await kind(ops.cancel(id, { reason: 'again', cancelledBy: 'pat' }))).toMatch(/^rejected/);
  });

  it("reads an earlier incident of the SKU by its run: its state and report, while the SKU's next incident runs", async () => {
    const id = `${network}:SKU-E`;
    await ops.trigger(trigger('SKU-E', 'evt-e1'));
    const ended = await endIncident('SKU-E');
    await ops.trigger(trigger('SKU-E', 'evt-e2'));
    expect((await ops.show(id)).triggers[0]!.triggerId).toBe('evt-e2');
    expect((await ops.show(id, { runId: ended })).triggers[0]!.triggerId).toBe('evt-e1');
    expect(await kind(ops.report(id))).toMatch(/^rejected: .* is still /);
    expect((await ops.report(id, { runId: ended })).summary.outcome).toBe('cancelled');
    await endIncident('SKU-E');
  });

  it('refuses a resume when no stage is parked, rather than reporting a resume the incident ignores', async () => {
    const id = `${network}:SKU-R`;
    await ops.trigger(trigger('SKU-R', 'evt-r'));
    expect(await kind(ops.resume(id, { resumedBy: 'pat' }))).toBe('rejected: resume: no stage is parked waiting for a person (stage following-up)');
    await endIncident('SKU-R');
  });

  it('opens no second incident for an event retried after its incident ended; a new event or the next scan does', async () => {
    const workflowId = `stockout:${network}:SKU-D`;
    expect(await ops.trigger(trigger('SKU-D', 'evt-d'))).toEqual({ workflowId, started: true });
    const ended = await endIncident('SKU-D');
    expect(await ops.trigger(trigger('SKU-D', 'evt-d'))).toEqual({ workflowId, started: false, alreadyRecorded: true });
    expect(await latestRun('SKU-D')).toBe(ended);
    expect(await ops.trigger(trigger('SKU-D', 'evt-d-2'))).toEqual({ workflowId, started: true });
    expect(await latestRun('SKU-D')).not.toBe(ended);

    // A scan's trigger id is the same every quarter hour: it names the scan, so it opens the SKU's next incident.
    await endIncident('SKU-D');
    const scanned = await ops.trigger(trigger('SKU-D', `scan:${network}:SKU-D`, 'scan'));
    const scannedRun = await endIncident('SKU-D');
    expect(scanned.started).toBe(true);
    expect(await ops.trigger(trigger('SKU-D', `scan:${network}:SKU-D`, 'scan'))).toEqual({ workflowId, started: true });
    expect(await latestRun('SKU-D')).not.toBe(scannedRun);
  });

  it('starts the incident when the inventory system cannot be asked about the SKU', async () => {
    // Nothing listens on port 1: only a definite "unknown SKU" refuses a trigger, never an outage.
    const unreachable = createIncidentOperations({
      client: env.client,
      policy: DEFAULT_POLICY,
      taskQueue,
      inventory: createInventoryClient({ baseUrl: 'http://127.0.0.1:1', timeoutMs: 1_000 }),
    });
    expect(await unreachable.trigger(trigger('SKU-E', 'evt-e'))).toEqual({ workflowId: `stockout:${network}:SKU-E`, started: true });
  });
});
