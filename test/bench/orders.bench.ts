// Orders during a large incident: ~20,000 affected lines from ~3,000 customers planned and committed, then
// 2,000 new lines placed in the inventory system during follow-up, in four waves each told by an order event,
// on the Temporal dev server against the reference service and the SMTP sink. Reports each order round's time
// and the history's events and largest payload, which must stay under 10,000 and 512 KB (issue 15).
import { listIncidentBackorders } from '../../activities/paging';
import { orderEventSignal, recordRestockUpdate } from '../../workflows/definitions';
import { benchWorkers, largeShortage, startBenchDevServer, startBenchIncident, startBenchSystems, waitForStage } from '../harness/bench-systems';
import { payloadBytes } from './incident.bench';

const NEW_LINES = 2_000;
const WAVES = 4;

export async function benchOrders(): Promise<Record<string, number | string>> {
  const sku = 'SKU-LARGE-1';
  const dataset = largeShortage(sku, { demandLines: 42_000, customers: 3_500 });
  const env = await startBenchDevServer();
  const systems = await startBenchSystems(dataset, { clients: { timeoutMs: 60_000 }, mail: { rateLimitPerSecond: 5000, poolSize: 4 } });
  const taskQueue = 'bench-orders';
  const worker = await benchWorkers(env, systems.deps, taskQueue);
  try {
    return await worker.runUntil(async () => {
      const handle = await startBenchIncident(env, taskQueue, sku, { triggerId: 'bench-orders', reason: 'orders bench' });
      const state = await waitForStage(handle, 'following-up');
      const hubId = state.pooling!.hubId;
      const customers = [...new Set(dataset.demandLines.filter((l) => l.sku === sku).map((l) => l.customerId))].sort();
      const roundSeconds: number[] = [];
      for (let wave = 0; wave < WAVES; wave++) {
        for (let i = wave * (NEW_LINES / WAVES); i < (wave + 1) * (NEW_LINES / WAVES); i++) {
          const lineId = `BENCH-NEW-${String(i).padStart(5, '0')}`;
          systems.service.inventory.createDemandLine({
            idempotencyKey: `place-${lineId}`,
            lineId,
            orderId: `SO-${lineId}`,
            customerId: customers[(i * 7) % customers.length]!,
            sku,
            locationId: hubId,
            quantity: 1 + (i % 12),
            requestedDate: '2030-01-15',
            unitPrice: 10,
            unitMargin: 0,
          });
        }
        const started = Date.now();
        await handle.signal(orderEventSignal, { eventId: `bench-wave-${wave}`, sku, network: 'BENCH', change: 'created' });
        await waitForStage(handle, 'following-up', { done: (s) => s.orderRounds === wave + 1 && s.pendingEvents === 0 && s.deliveries.some((d) => d.kind === 'new-orders' && d.revision === wave + 1) });
        roundSeconds.push((Date.now() - started) / 1000);
      }
      // From the inventory system: the state's count is refreshed only after the last round's notices.
      const open = (await listIncidentBackorders(systems.deps.inventory, state.incidentId)).reduce((sum, b) => sum + b.open, 0);
      await handle.executeUpdate(recordRestockUpdate, { args: [{ receiptId: 'GR-BENCH-ORDERS', quantity: open }] });
      const closed = await handle.result();
      const events = (await handle.fetchHistory()).events ?? [];
      const largestPayload = Math.max(0, ...events.map(payloadBytes));
      const limits = [
        ['at least 20,000 affected demand lines', state.impact!.affectedLines >= 20_000],
        ['history below 10,000 events', events.length < 10_000],
        ['no payload above 512 KB', largestPayload < 512 * 1024],
        ['closed', closed.outcome === 'closed'],
      ] as const;
      const broken = limits.filter(([, ok]) => !ok).map(([what]) => what);
      if (broken.length > 0) process.exitCode = 1;
      return {
        'affected demand lines': state.impact!.affectedLines,
        'new lines placed during follow-up': NEW_LINES,
        'order rounds': WAVES,
        ...Object.fromEntries(roundSeconds.map((s, i) => [`  → order round ${i + 1} and its notices (s)`, Math.round(s * 100) / 100])),
        'history events': events.length,
        'largest payload (KB)': Math.round((largestPayload / 1024) * 100) / 100,
        'limits (20k lines, 2k new, <10k events, <512 KB, closed)': broken.length === 0 ? 'all met' : `BROKEN: ${broken.join('; ')}`,
      };
    });
  } finally {
    await systems.close();
    await env.teardown();
  }
}
