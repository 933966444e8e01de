// Callers told the truth under load, on the Temporal dev server through the HTTP API: 50 webhook calls for
// one SKU at once, with distinct event ids, make one incident, and exactly one answer says it started it;
// a false alarm closed by one webhook is not reopened by the next ones within the quiet period, unless an
// event reports materially lower stock.
import type { Client } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningApi } from '../../src/api/server';
import { incidentWorkflowId } from '../../src/incident/state';
import { startApiWorld, type ApiWorld } from '../harness/api-world';
import { COVERED_SKU, SHORT_SKU, type World } from '../incident/world';

const TOKEN = 'webhook-token-webhook-token';
const CALLS = 50;

describe.skipIf(process.env.SKIP_TEMPORAL === '1')('webhooks at once', () => {
  let stack: ApiWorld;
  let world: World;
  let api: RunningApi;
  let client: Client;

  beforeAll(async () => {
    ({ world, api, client } = stack = await startApiWorld({ token: TOKEN }));
    stack.runWorker();
  });
  afterAll(() => stack?.close());

  async function webhook(sku: string, eventId: string, onHand: number) {
    const response = await fetch(`${api.url}/webhooks/inventory/critical-level`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
      body: JSON.stringify({ sku, network: world.network, onHand, criticalLevel: 100, eventId }),
    });
    return { status: response.status, body: (await response.json()) as { workflowId: string; started: boolean; heldBack?: true; alreadyRecorded?: true } };
  }
  const burst = (sku: string, prefix: string, onHand: number) => Promise.all(Array.from({ length: CALLS }, (_, i) => webhook(sku, `${prefix}-${i}`, onHand)));

  /** Every run of the incident's workflow id, once visibility shows the latest one (it is eventually consistent). */
  async function runsOf(workflowId: string): Promise<string[]> {
    const latest = (await client.workflow.getHandle(workflowId).describe()).runId;
    for (let look = 0; ; look++) {
      const runs: string[] = [];
      for await (const execution of client.workflow.list({ query: `WorkflowId = '${workflowId}'` })) runs.push(execution.runId);
      if (runs.includes(latest) || look >= 50) return runs;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }

  it('50 calls for one SKU make one incident, and exactly one answer says it started', { timeout: 120_000 }, async () => {
    const answers = await burst(SHORT_SKU, 'short', 3);
    expect(answers.map((a) => a.status)).toEqual(Array(CALLS).fill(202));
    const workflowId = incidentWorkflowId(world.network, SHORT_SKU);
    expect(answers.every((a) => a.body.workflowId === workflowId)).toBe(true);
    expect(answers.filter((a) => a.body.started)).toHaveLength(1);
    expect(answers.filter((a) => !a.body.started && !a.body.heldBack && !a.body.alreadyRecorded)).toHaveLength(CALLS - 1);
    expect(await runsOf(workflowId)).toHaveLength(1);
    world.handles.push(client.workflow.getHandle(workflowId));
  });

  it('a false alarm is not reopened by repeat webhooks within the quiet period; materially lower stock reopens it', { timeout: 120_000 }, async () => {
    const workflowId = incidentWorkflowId(world.network, COVERED_SKU);
    // The incident may close as a false alarm while the calls still arrive: the later ones are held back.
    const answers = await burst(COVERED_SKU, 'covered', 40);
    expect(answers.map((a) => a.status)).toEqual(Array(CALLS).fill(202));
    expect(answers.filter((a) => a.body.started)).toHaveLength(1);
    const handle = client.workflow.getHandle(workflowId);
    expect((await handle.result()).outcome).toBe('false-alarm');
    const falseAlarm = (await handle.describe()).runId;

    const repeats = await burst(COVERED_SKU, 'covered-again', 35);
    expect(repeats.filter((a) => a.body.started)).toEqual([]);
    expect(repeats.every((a) => a.body.heldBack)).toBe(true);
    expect((await handle.describe()).runId).toBe(falseAlarm);
    expect(await runsOf(workflowId)).toEqual([falseAlarm]);

    // 32 is a fifth below the lowest stock the false alarm heard of, 40; 35 was not (src/incident/reopen.ts).
    const lower = await webhook(COVERED_SKU, 'covered-lower', 32);
    expect(lower.body).toEqual({ workflowId, started: true });
    expect((await handle.describe()).runId).not.toBe(falseAlarm);
    expect((await handle.result()).outcome).toBe('false-alarm');
  });
});
