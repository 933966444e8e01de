// The order-change contract over real HTTP against the reference service: lines placed, changed and cancelled
// (order entry), read back from the change feed by SKU and network after a cursor, commitments given back when
// a line asks for less, bad input refused naming the field, and books that balance.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { DemandLineChange } from '../../src/inventory/contract';
import { createOrderEntryClient } from '../../src/inventory/http-client';
import type { InventorySystem, OrderEntry } from '../../src/inventory/system';
import type { ReferenceService } from '../../src/reference-service/service';
import { failureOf, post, startWithClients } from '../reference-service/fixture';

let service: ReferenceService;
let inventory: InventorySystem;
let orders: OrderEntry;
/** The service's clock: a test moves it on. */
let clock: Date;

beforeEach(async () => {
  clock = new Date('2026-11-25T08:00:00.000Z');
  ({ service, inventory } = await startWithClients({ now: () => clock }));
  orders = createOrderEntryClient({ baseUrl: service.inventoryUrl, timeoutMs: 2_000 });
});
afterEach(async () => {
  await service.close();
});

const place = (key: string, lineId: string, quantity: number, extra: { customerId?: string; locationId?: string } = {}) =>
  orders.createDemandLine({
    idempotencyKey: key,
    lineId,
    orderId: `SO-${lineId}`,
    customerId: extra.customerId ?? 'C2',
    sku: 'A',
    locationId: extra.locationId ?? 'N-HUB',
    quantity,
    requestedDate: '2026-12-03',
    orderDate: '2026-11-25',
    unitPrice: 10,
    unitMargin: 3,
  });
const changesSince = async (cursor?: string, limit = 100) => inventory.listDemandLineChanges({ sku: 'A', network: 'N', limit, ...(cursor ? { cursor } : {}) });
const summary = (c: DemandLineChange) => `${c.lineId} ${c.change} r${c.revision}: ordered ${c.orderedQuantity}, open ${c.quantity}, reserved ${c.reservedQuantity}, backordered ${c.backorderedQuantity}`;
const expectBalanced = async () => expect(await inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });

describe('order entry and the change feed', () => {
  it('lists placed lines of the SKU and network once each, after the cursor, oldest change first', async () => {
    const start = await changesSince();
    expect(start.changes).toEqual([]);
    expect(start.nextCursor).toBeNull();

    const placed = await place('o-1', 'NEW-1', 12);
    expect(placed).toMatchObject({ lineId: 'NEW-1', change: 'created', revision: 1, orderedQuantity: 12, quantity: 12, packSize: 1, partialAllowed: true });
    // The same key again answers the first reply and places nothing more.
    expect(await place('o-1', 'NEW-1', 12)).toEqual(placed);
    await place('o-2', 'NEW-2', 5, { customerId: 'C1' });
    // Another network's line is not this feed's.
    await place('o-3', 'OTHER-1', 7, { locationId: 'M-HUB' });

    const first = await changesSince(start.cursor, 1);
    expect(first.changes.map(summary)).toEqual(['NEW-1 created r1: ordered 12, open 12, reserved 0, backordered 0']);
    expect(first.nextCursor).toBe(first.cursor);
    const second = await changesSince(first.nextCursor!, 1);
    expect(second.changes.map(summary)).toEqual(['NEW-2 created r1: ordered 5, open 5, reserved 0, backordered 0']);
    expect(second.nextCursor).toBeNull();
    expect((await changesSince(second.cursor)).changes).toEqual([]);
    // The new lines are open demand like any other.
    expect((await inventory.listDemandLines({ sku: 'A', limit: 100 })).lines.map((l) => l.lineId)).toEqual(['L1', 'L2', 'L3', 'NEW-1', 'NEW-2', 'OTHER-1']);

    // A line changed again is listed again, at its latest revision, after the cursor it was last seen at.
    await orders.changeDemandLineQuantity({ idempotencyKey: 'q-1', lineId: 'NEW-1', quantity: 20 });
    expect((await changesSince(second.cursor)).changes.map(summary)).toEqual(['NEW-1 quantity-changed r2: ordered 20, open 20, reserved 0, backordered 0']);
    await expectBalanced();
  });

  it('reads from an instant when there is no cursor yet', async () => {
    await place('o-1', 'NEW-1', 12);
    clock = new Date('2026-11-25T09:00:00.000Z');
    const later = '2026-11-25T10:00:00+01:00';
    await place('o-2', 'NEW-2', 5);
    expect((await inventory.listDemandLineChanges({ sku: 'A', network: 'N', since: later, limit: 10 })).changes.map((c) => c.lineId)).toEqual(['NEW-2']);
    const empty = await inventory.listDemandLineChanges({ sku: 'A', network: 'N', since: '2026-11-26T00:00:00.000Z', limit: 10 });
    expect(empty.changes).toEqual([]);
    // The position of an empty first read is after every change so far.
    await place('o-3', 'NEW-3', 1);
    expect((await changesSince(empty.cursor)).changes.map((c) => c.lineId)).toEqual(['NEW-3']);
  });

  it('gives back open backorder units first, then reservations newest first, when a line asks for less', async () => {
    await place('o-1', 'NEW-1', 30);
    await inventory.createReservations({ items: [{ idempotencyKey: 'r-1', incidentId: 'INC-1', lineId: 'NEW-1', sku: 'A', locationId: 'N-HUB', quantity: 8 }] });
    await inventory.createReservations({ items: [{ idempotencyKey: 'r-2', incidentId: 'INC-1', lineId: 'NEW-1', sku: 'A', locationId: 'N-HUB', quantity: 7 }] });
    const [backorder] = await inventory.createBackorders({
      items: [{ idempotencyKey: 'b-1', incidentId: 'INC-1', lineId: 'NEW-1', customerId: 'C2', sku: 'A', quantity: 15 }],
    });
    const reservedAtHub = async () => (await inventory.getStockPositions('A')).find((p) => p.locationId === 'N-HUB')!.reserved;
    expect(await reservedAtHub()).toBe(10 + 15);

    const lowered = await orders.changeDemandLineQuantity({ idempotencyKey: 'q-1', lineId: 'NEW-1', quantity: 10 });
    expect(summary(lowered)).toBe('NEW-1 quantity-changed r2: ordered 10, open 10, reserved 10, backordered 0');
    // 15 backordered units cancelled, then 5 of the newest reservation (7) released; the 8 stay.
    expect((await inventory.listBackorders({ incidentId: 'INC-1', limit: 10 })).backorders).toEqual([
      { ...backorder, cancelled: 15, open: 0, status: 'closed' },
    ]);
    expect((await inventory.listReservations({ lineId: 'NEW-1', status: 'active' })).map((r) => r.quantity)).toEqual([8, 2]);
    expect(await reservedAtHub()).toBe(10 + 10);
    await expectBalanced();

    const cancelled = await orders.cancelDemandLine({ idempotencyKey: 'c-1', lineId: 'NEW-1' });
    expect(summary(cancelled)).toBe('NEW-1 cancelled r3: ordered 10, open 0, reserved 0, backordered 0');
    expect(await inventory.listReservations({ lineId: 'NEW-1', status: 'active' })).toEqual([]);
    expect(await reservedAtHub()).toBe(10);
    expect((await inventory.listDemandLines({ sku: 'A', limit: 100 })).lines.map((l) => l.lineId)).not.toContain('NEW-1');
    expect((await changesSince()).changes.map(summary)).toEqual(['NEW-1 cancelled r3: ordered 10, open 0, reserved 0, backordered 0']);
    await expectBalanced();
  });

  it('refuses what cannot be right: fewer than shipped, a closed line, unknown references, a reused key', async () => {
    await place('o-1', 'NEW-1', 10);
    const [reservation] = await inventory.createReservations({
      items: [{ idempotencyKey: 'r-1', incidentId: 'INC-1', lineId: 'NEW-1', sku: 'A', locationId: 'N-HUB', quantity: 6 }],
    });
    await inventory.releaseToShipping({ items: [{ idempotencyKey: 's-1', reservationId: reservation!.reservationId }] });
    const fewer = await post(service.inventoryUrl, '/demand-lines/quantity', { idempotencyKey: 'q-1', lineId: 'NEW-1', quantity: 5 });
    expect(fewer.status).toBe(422);
    expect(fewer.body.issues?.map((i) => i.path)).toEqual(['quantity']);
    expect(fewer.body.error).toContain('cannot order fewer than 6');

    await orders.cancelDemandLine({ idempotencyKey: 'c-1', lineId: 'NEW-1' });
    expect((await failureOf(orders.cancelDemandLine({ idempotencyKey: 'c-2', lineId: 'NEW-1' }))).message).toContain('is closed');
    expect((await failureOf(orders.changeDemandLineQuantity({ idempotencyKey: 'q-2', lineId: 'NOPE', quantity: 1 }))).message).toContain('unknown demand line "NOPE"');
    expect((await failureOf(place('o-2', 'NEW-2', 1, { customerId: 'NOBODY' }))).message).toContain('unknown customer "NOBODY"');
    expect((await failureOf(place('o-3', 'NEW-1', 1))).message).toContain('already exists');
    expect((await failureOf(place('o-1', 'NEW-9', 3))).message).toContain('idempotency key "o-1" was already used');
    await expectBalanced();
  });

  it('answers 400 naming the field', async () => {
    const body = { idempotencyKey: 'k', orderId: 'SO', customerId: 'C1', sku: 'A', locationId: 'N-HUB', quantity: 2, requestedDate: '2026-12-01', unitPrice: 1 };
    for (const [field, value] of [
      ['quantity', 0],
      ['requestedDate', '1 Dec'],
      ['unitPrice', -1],
      ['partialAllowed', 'yes'],
    ] as const) {
      const refused = await post(service.inventoryUrl, '/demand-lines', { ...body, [field]: value });
      expect(refused.status, field).toBe(400);
      expect(refused.body.issues?.map((i) => i.path)).toEqual([`body.${field}`]);
    }
    const change = await post(service.inventoryUrl, '/demand-lines/quantity', { idempotencyKey: 'k', lineId: 'L1', quantity: 2.5 });
    expect(change.body.issues?.map((i) => i.path)).toEqual(['body.quantity']);
    const cancel = await post(service.inventoryUrl, '/demand-lines/cancel', { idempotencyKey: 'k' });
    expect(cancel.body.issues?.map((i) => i.path)).toEqual(['body.lineId']);
    const noNetwork = await fetch(`${service.inventoryUrl}/demand-lines/changes?sku=A&limit=5`);
    expect(noNetwork.status).toBe(400);
    expect(((await noNetwork.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['query.network']);
    const cursor = await fetch(`${service.inventoryUrl}/demand-lines/changes?sku=A&network=N&limit=5&cursor=nonsense`);
    expect(await cursor.json()).toMatchObject({ issues: [{ path: 'query.cursor' }] });
    // Nothing was placed.
    expect((await changesSince()).changes).toEqual([]);
  });
});
