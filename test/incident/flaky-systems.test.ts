// A whole incident against a flaky inventory system and CRM, on the Temporal dev server: the reference
// service answers one request in five 503, adds latency and lets 2 % hang. Pooling from several spokes,
// commit, notices, an ETA change, the restock and the close all ride it out without a person: no stage
// parks, the books balance, and nothing is written or emailed twice (counted at the real SMTP sink, in the
// inventory system and in the CRM).
import { Client } from '@temporalio/client';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { everyPage, listIncidentBackorders } from '../../activities/paging';
import { loadConfig } from '../../src/config/env';
import { createIncidentOperations } from '../../src/operations/incident-operations';
import { changeEtaUpdate, recordRestockUpdate, stateQuery } from '../../workflows/definitions';
import type { stockoutIncident } from '../../workflows/incident';
import { activitySystemsOptions } from '../../workers/activity-deps';
import { connectDevServer } from '../harness/temporal';
import { createWorld, expectBooksBalanced, policyWith, SHORT_SKU, waitForState, type World } from './world';

/** The faults of `reference-service --error-rate 0.2 --latency-ms 50 --hang-rate 0.02`. */
const FAULTS = { errorRate: 0.2, latencyMs: 50, hangRate: 0.02 };
/** The worker's own defaults (2 s per request, 8 attempts from 100 ms): what a deployment rides the faults out with. */
const SYSTEMS = activitySystemsOptions(loadConfig({}));
const PATIENCE_MS = 150_000;

describe.skipIf(process.env.SKIP_TEMPORAL === '1')('an incident against flaky systems', () => {
  let env: TestWorkflowEnvironment;
  let world: World;

  beforeAll(async () => {
    env = await connectDevServer();
    world = await createWorld(env, { faults: FAULTS, systems: SYSTEMS });
  });
  afterAll(async () => {
    await world?.close();
    await env?.teardown();
  });

  it('finishes without needs-attention, balanced, with no write and no email twice', { timeout: 300_000 }, async () => {
    const w = world;
    const operations = createIncidentOperations({
      client: new Client({ connection: env.connection, namespace: 'default' }),
      policy: policyWith({ approval: { severityThreshold: 'critical' } }),
      taskQueue: w.taskQueue,
      store: w.store,
      inventory: w.deps.inventory,
    });
    await w.worker.runUntil(async () => {
      const trigger = { triggerId: 'flaky-evt-1', sku: SHORT_SKU, network: w.network, source: 'webhook' as const, reason: 'under critical level', onHand: 3 };
      const { workflowId, started } = await operations.trigger(trigger);
      expect(started).toBe(true);
      const handle = env.client.workflow.getHandle<typeof stockoutIncident>(workflowId);
      w.handles.push(handle);

      const committed = await waitForState(handle, ['following-up', 'needs-attention'], () => true, PATIENCE_MS);
      expect(committed.attention).toBeNull();
      expect(committed.stage).toBe('following-up');
      // Pooling from several spokes, every transfer arrived once.
      expect(committed.pooling!.transfers.length).toBeGreaterThan(1);
      expect(committed.pooling!.transfers.every((t) => t.status === 'received')).toBe(true);
      // The commit reserved once: one reservation per line and SKU, adding up to what the commit reports.
      const reservations = await w.deps.inventory.listReservations({ incidentId: committed.incidentId });
      const reservedFor = reservations.map((r) => `${r.lineId}|${r.sku}`);
      expect(new Set(reservedFor).size).toBe(reservedFor.length);
      const units = (own: boolean) => reservations.filter((r) => (r.sku === SHORT_SKU) === own).reduce((sum, r) => sum + r.quantity, 0);
      expect(units(true)).toBe(committed.commit!.reservedUnits);
      expect(units(false)).toBe(committed.commit!.substituteUnits);

      const po = (await w.deps.inventory.listInbound(SHORT_SKU)).find((p) => p.status === 'open')!;
      await handle.executeUpdate(changeEtaUpdate, { args: [{ poId: po.poId, eta: '2027-02-01', reason: 'supplier delay' }] });
      const afterEta = await waitForState(handle, ['following-up', 'needs-attention'], (s) => s.attention !== null || s.deliveries.some((d) => d.kind === 'eta-change'), PATIENCE_MS);
      expect(afterEta.attention).toBeNull();

      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-flaky', quantity: afterEta.backorders!.openUnits }] });
      expect((await handle.result()).outcome).toBe('closed');
      const closed = await handle.query(stateQuery);
      expect(closed.timeline.filter((e) => e.event === 'needs attention')).toEqual([]);
      expect(closed.backorders!.openUnits).toBe(0);
      // The faults were met and ridden out: the timeline says which stage needed retries.
      expect(closed.timeline.some((e) => e.event === 'retried')).toBe(true);

      // Nothing twice in the inventory system: one pool transfer per spoke, one backorder per line.
      const transfers = await w.deps.inventory.listTransfers({ incidentId: closed.incidentId });
      const pooled = transfers.filter((t) => committed.pooling!.transfers.some((p) => p.transferId === t.transferId));
      expect(new Set(pooled.map((t) => t.fromLocationId)).size).toBe(pooled.length);
      expect(pooled).toHaveLength(committed.pooling!.transfers.length);
      const backorders = await listIncidentBackorders(w.deps.inventory, closed.incidentId);
      expect(new Set(backorders.map((b) => b.lineId)).size).toBe(backorders.length);
      // Nothing twice in the CRM: one record per message, one credit per customer.
      const communications = await everyPage((page) => w.deps.crm.listCommunications({ incidentId: closed.incidentId, ...page }), (p) => p.communications);
      expect(new Set(communications.map((c) => c.messageId)).size).toBe(communications.length);
      const credits = await w.deps.crm.listCredits({ incidentId: closed.incidentId });
      expect(new Set(credits.map((c) => c.customerId)).size).toBe(credits.length);
      // No email twice at the SMTP server, and every one recorded as sent.
      const messageIds = w.sink.messages().map((m) => m.messageId);
      expect(new Set(messageIds).size).toBe(messageIds.length);
      expect(communications.filter((c) => c.outcome === 'sent')).toHaveLength(messageIds.length);
      for (const kind of ['first-notice', 'eta-change', 'backorder-shipped', 'incident-closed']) {
        expect(closed.deliveries.some((d) => d.kind === kind && d.sent + d.skipped > 0), kind).toBe(true);
      }
    });
    await expectBooksBalanced(w);
  });
});
