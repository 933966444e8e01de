// Keyset pagination of open demand lines stays exact while orders come in and lines close between pages:
// every line open throughout is seen once, no line is seen twice.
import { afterAll, beforeAll, expect, it } from 'vitest';
import { generateDataset, PRESETS } from '../../src/dataset/generate';
import type { DemandLine } from '../../src/inventory/contract';
import { createInventoryClient } from '../../src/inventory/http-client';
import { startReferenceService, type ReferenceService } from '../../src/reference-service/service';

const SKU = 'SKU-DEMO-1';
let service: ReferenceService;

beforeAll(async () => {
  service = await startReferenceService({ dataset: generateDataset(PRESETS.demo) });
});
afterAll(async () => {
  await service.close();
});

it('sees every line open throughout exactly once while lines are inserted and closed between pages', async () => {
  const inventory = createInventoryClient({ baseUrl: service.inventoryUrl, timeoutMs: 5_000 });
  const hub = (await inventory.listLocations()).find((l) => l.kind === 'hub')!.locationId;
  await inventory.recordReceipt({ idempotencyKey: 'top-up', sku: SKU, locationId: hub, quantity: 1_000_000 });
  const openNow = async () => new Set((await inventory.listDemandLines({ sku: SKU, limit: 5000 })).lines.map((l) => l.lineId));
  const before = await openNow();
  expect(before.size).toBeGreaterThan(60);

  // Another user's order entry: a new line right after a given one, so it lands before or after the cursor.
  const insertAfter = (line: DemandLine, suffix: string) =>
    service.db
      .prepare(
        `INSERT INTO demand_lines (line_id, order_id, customer_id, sku, location_id, quantity, requested_date, order_date, unit_price,
         unit_margin, pack_size, partial_allowed, substitutes_allowed, status) VALUES (?, 'SO-NEW', ?, ?, ?, 10, ?, ?, 1, 1, 1, 1, 1, 'open')`,
      )
      .run(`${line.lineId}${suffix}`, line.customerId, SKU, line.locationId, line.requestedDate, line.orderDate);
  // Shipping a line in full closes it.
  const close = async (line: DemandLine) => {
    const missing = line.quantity - line.reservedQuantity;
    if (missing > 0) {
      await inventory.createReservations({
        items: [{ idempotencyKey: `close-${line.lineId}`, incidentId: 'OTHER', lineId: line.lineId, sku: SKU, locationId: hub, quantity: missing }],
      });
    }
    const active = await inventory.listReservations({ lineId: line.lineId, status: 'active' });
    await inventory.releaseToShipping({ items: active.map((r) => ({ idempotencyKey: `ship-${r.reservationId}`, reservationId: r.reservationId })) });
  };

  const seen: string[] = [];
  const all = [...before].sort();
  let cursor: string | null = null;
  let page = 0;
  do {
    const result: { lines: DemandLine[]; nextCursor: string | null } = await inventory.listDemandLines({ sku: SKU, limit: 7, ...(cursor ? { cursor } : {}) });
    seen.push(...result.lines.map((l) => l.lineId));
    cursor = result.nextCursor;
    page += 1;
    const last = result.lines[result.lines.length - 1];
    if (!last) continue;
    // Between pages: a line behind the cursor and one ahead of it close, new lines appear on both sides.
    const behind = result.lines[0]!;
    const ahead = all.find((id) => id > last.lineId && id.endsWith('3'));
    await close(behind);
    if (ahead) {
      const aheadLine = (await inventory.listDemandLines({ sku: SKU, limit: 5000 })).lines.find((l) => l.lineId === ahead);
      if (aheadLine) await close(aheadLine);
    }
    insertAfter(behind, `-new${page}`);
    insertAfter(last, `-new${page}`);
  } while (cursor);

  const after = await openNow();
  const throughout = [...before].filter((id) => after.has(id));
  expect(throughout.length).toBeGreaterThan(20);
  expect(new Set(seen).size).toBe(seen.length);
  for (const id of throughout) expect(seen.filter((s) => s === id), id).toHaveLength(1);
  // Lines inserted ahead of the cursor were read; the books still balance after all those writes.
  expect(seen.some((id) => id.includes('-new'))).toBe(true);
  expect(await inventory.checkBooks(SKU)).toMatchObject({ balanced: true });
});
