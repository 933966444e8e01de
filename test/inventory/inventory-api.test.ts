// The inventory contract over real HTTP against the reference service and its SQLite database:
// reads, idempotent writes, refused invariant violations, field-naming 400s, and books that balance.
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { InventorySystem } from '../../src/inventory/system';
import { REJECTED } from '../../src/http/errors';
import type { ReferenceService } from '../../src/reference-service/service';
import { failureOf, post, startWithClients } from '../reference-service/fixture';

let service: ReferenceService;
let inventory: InventorySystem;

beforeEach(async () => {
  ({ service, inventory } = await startWithClients());
});
afterEach(async () => {
  await service.close();
});

const position = async (sku: string, locationId: string) => (await inventory.getStockPositions(sku)).find((p) => p.locationId === locationId)!;
const expectBalanced = async () => expect(await inventory.checkBooks()).toMatchObject({ balanced: true, issues: [] });
const openLine = async (lineId: string) => (await inventory.listDemandLines({ sku: 'A', limit: 100 })).lines.find((l) => l.lineId === lineId);

describe('reads', () => {
  it('lists locations with one hub per network, hub first', async () => {
    const locations = await inventory.listLocations();
    expect(locations.map((l) => `${l.network}/${l.kind}/${l.locationId}`)).toEqual(['M/hub/M-HUB', 'N/hub/N-HUB', 'N/spoke/N-S1']);
  });

  it('answers items, stock, inbound and substitutes', async () => {
    expect(await inventory.getItem('A')).toEqual({ sku: 'A', description: 'gloves', packSize: 1, unitPrice: 10, unitCost: 7 });
    expect(await position('A', 'N-HUB')).toEqual({ locationId: 'N-HUB', sku: 'A', onHand: 100, reserved: 10, safetyStock: 5, inTransit: 0 });
    expect((await inventory.listInbound('A')).map((po) => [po.poId, po.eta, po.status])).toEqual([
      ['PO-1', '2026-12-08', 'open'],
      ['PO-2', '2026-12-22', 'open'],
    ]);
    expect(await inventory.listSubstitutes('A')).toEqual([{ sku: 'A', substituteSku: 'B', ratio: 2, priceDelta: 2 }]);
  });

  it('refuses an unknown SKU with a non-retryable error naming it', async () => {
    const error = await failureOf(inventory.getItem('NOPE'));
    expect(error).toMatchObject({ type: REJECTED, nonRetryable: true });
    expect(error.message).toContain('unknown SKU "NOPE"');
  });

  it('lists open demand lines with their confirmations', async () => {
    const { lines, nextCursor } = await inventory.listDemandLines({ sku: 'A', limit: 10 });
    expect(nextCursor).toBeNull();
    expect(lines.map((l) => [l.lineId, l.quantity, l.reservedQuantity, l.partialAllowed])).toEqual([
      ['L1', 30, 10, true],
      ['L2', 20, 0, true],
      ['L3', 80, 0, false],
    ]);
  });
});

describe('cover positions (the threshold scan reads them)', () => {
  it('gives each SKU of one network its available units and open demand by date, paged by SKU', async () => {
    const first = await inventory.listCoverPositions({ network: 'N', requestedUntil: '2026-12-31', limit: 1 });
    const second = await inventory.listCoverPositions({ network: 'N', requestedUntil: '2026-12-31', limit: 1, cursor: first.nextCursor! });
    // A: hub 100 − 10 reserved − 5 safety, spoke 50 − 5 safety; demand L1 30 less 10 reserved, L2 20, L3 80.
    expect(first.positions).toEqual([{ sku: 'A', available: 130, demandByDate: [{ date: '2026-12-01', quantity: 120 }], nextInboundEta: '2026-12-08' }]);
    // Network M's stock of A is not N's; C has no stock in N at all.
    expect(second).toEqual({ positions: [{ sku: 'B', available: 40, demandByDate: [], nextInboundEta: null }], nextCursor: null });
  });

  it('leaves out demand requested after the given date', async () => {
    const { positions } = await inventory.listCoverPositions({ network: 'N', requestedUntil: '2026-11-30', limit: 10 });
    expect(positions.map((p) => [p.sku, p.demandByDate])).toEqual([
      ['A', []],
      ['B', []],
    ]);
  });
});

describe('purchase orders and receipts', () => {
  it('changes an ETA once per key and refuses the key with another ETA', async () => {
    const first = await inventory.updateInboundEta({ idempotencyKey: 'eta-1', poId: 'PO-1', eta: '2026-12-15' });
    expect(first.eta).toBe('2026-12-15');
    expect(await inventory.updateInboundEta({ idempotencyKey: 'eta-1', poId: 'PO-1', eta: '2026-12-15' })).toEqual(first);
    const conflict = await failureOf(inventory.updateInboundEta({ idempotencyKey: 'eta-1', poId: 'PO-1', eta: '2027-01-05' }));
    expect(conflict.message).toMatch(/409.*idempotency key "eta-1" was already used for a different updateInboundEta request/);
    expect((await inventory.listInbound('A')).find((po) => po.poId === 'PO-1')?.eta).toBe('2026-12-15');
  });

  it('books goods in once: on hand rises, a replay changes nothing, the PO is received when complete', async () => {
    const receipt = await inventory.recordReceipt({ idempotencyKey: 'rc-1', sku: 'A', locationId: 'N-HUB', quantity: 60, poId: 'PO-1' });
    expect(await inventory.recordReceipt({ idempotencyKey: 'rc-1', sku: 'A', locationId: 'N-HUB', quantity: 60, poId: 'PO-1' })).toEqual(receipt);
    expect((await position('A', 'N-HUB')).onHand).toBe(160);
    expect((await inventory.listInbound('A')).find((po) => po.poId === 'PO-1')).toMatchObject({ status: 'received', receivedQuantity: 60 });
    expect(await inventory.listReceipts({ sku: 'A', since: receipt.receivedAt })).toEqual([receipt]);
    expect(await inventory.listReceipts({ sku: 'A', since: new Date(Date.parse(receipt.receivedAt) + 1).toISOString() })).toEqual([]);
    const again = await failureOf(inventory.recordReceipt({ idempotencyKey: 'rc-2', sku: 'A', locationId: 'N-HUB', quantity: 1, poId: 'PO-1' }));
    expect(again.message).toContain('purchase order PO-1 is received');
    const wrongSku = await failureOf(inventory.recordReceipt({ idempotencyKey: 'rc-3', sku: 'B', locationId: 'N-HUB', quantity: 1, poId: 'PO-2' }));
    expect(wrongSku.message).toMatch(/422.*PO-2 is for A, not B/);
    await expectBalanced();
  });
});

describe('transfers', () => {
  const transfer = (key: string, quantity: number) =>
    inventory.createTransfer({ idempotencyKey: key, incidentId: 'INC-1', sku: 'A', fromLocationId: 'N-S1', toLocationId: 'N-HUB', quantity });

  it('holds the units at the source so they cannot be spent twice, then ships and receives them', async () => {
    const t = await transfer('tr-1', 45);
    expect(t).toMatchObject({ status: 'created', fromLocationId: 'N-S1', toLocationId: 'N-HUB', quantity: 45 });
    expect(await position('A', 'N-S1')).toMatchObject({ onHand: 50, reserved: 45 });
    const doubleSpend = await failureOf(transfer('tr-2', 10));
    expect(doubleSpend).toMatchObject({ type: REJECTED, nonRetryable: true });
    expect(doubleSpend.message).toMatch(/422.*not enough free stock of A at N-S1 \(on hand 50, reserved 45, free 5/);

    expect(await inventory.shipTransfer({ idempotencyKey: 'ship-1', transferId: t.transferId })).toMatchObject({ status: 'shipped' });
    expect(await position('A', 'N-S1')).toMatchObject({ onHand: 5, reserved: 0 });
    expect(await position('A', 'N-HUB')).toMatchObject({ onHand: 100, inTransit: 45 });
    expect((await failureOf(inventory.cancelTransfer({ idempotencyKey: 'cancel-1', transferId: t.transferId }))).message).toMatch(
      /409.*a shipped transfer cannot be cancelled/,
    );
    expect(await inventory.receiveTransfer({ idempotencyKey: 'recv-1', transferId: t.transferId })).toMatchObject({ status: 'received' });
    expect(await position('A', 'N-HUB')).toMatchObject({ onHand: 145, inTransit: 0 });
    expect(await inventory.listTransfers({ incidentId: 'INC-1' })).toHaveLength(1);
    await expectBalanced();
  });

  it('gives the units back when a transfer is cancelled before shipping, and replays the first reply', async () => {
    const t = await transfer('tr-1', 20);
    const cancelled = await inventory.cancelTransfer({ idempotencyKey: 'cancel-1', transferId: t.transferId });
    expect(cancelled.status).toBe('cancelled');
    expect(await position('A', 'N-S1')).toMatchObject({ onHand: 50, reserved: 0 });
    expect(await transfer('tr-1', 20)).toEqual(t); // the first reply, not a second transfer
    expect(await inventory.listTransfers({ incidentId: 'INC-1' })).toHaveLength(1);
    const notShipped = await failureOf(inventory.receiveTransfer({ idempotencyKey: 'recv-1', transferId: t.transferId }));
    expect(notShipped.message).toContain('only a shipped transfer can be received');
    await expectBalanced();
  });

  it('refuses transfers between networks or to the same place', async () => {
    const across = await failureOf(
      inventory.createTransfer({ idempotencyKey: 'x', incidentId: 'INC-1', sku: 'A', fromLocationId: 'N-S1', toLocationId: 'M-HUB', quantity: 1 }),
    );
    expect(across.message).toContain('in different networks');
    const same = await failureOf(
      inventory.createTransfer({ idempotencyKey: 'y', incidentId: 'INC-1', sku: 'A', fromLocationId: 'N-S1', toLocationId: 'N-S1', quantity: 1 }),
    );
    expect(same.message).toContain('the same location');
  });
});

describe('reservations, backorders, shipping', () => {
  const reserve = (key: string, lineId: string, quantity: number, sku = 'A', covers?: number) => ({
    idempotencyKey: key,
    incidentId: 'INC-1',
    lineId,
    sku,
    locationId: 'N-HUB',
    quantity,
    ...(covers === undefined ? {} : { covers }),
  });

  it('reserves a batch in one transaction: one refused item leaves nothing written', async () => {
    const refused = await failureOf(inventory.createReservations({ items: [reserve('r-1', 'L2', 20), reserve('r-2', 'L3', 80)] }));
    expect(refused.message).toMatch(/422.*items\.1 \(r-2\).*not enough free stock of A at N-HUB/);
    expect(await position('A', 'N-HUB')).toMatchObject({ reserved: 10 });
    expect(await inventory.listReservations({ incidentId: 'INC-1' })).toEqual([]);

    const made = await inventory.createReservations({ items: [reserve('r-1', 'L2', 20), reserve('r-2', 'L3', 60)] });
    expect(made.map((r) => [r.lineId, r.quantity, r.status])).toEqual([
      ['L2', 20, 'active'],
      ['L3', 60, 'active'],
    ]);
    expect(await inventory.createReservations({ items: [reserve('r-1', 'L2', 20), reserve('r-2', 'L3', 60)] })).toEqual(made);
    expect(await position('A', 'N-HUB')).toMatchObject({ onHand: 100, reserved: 90 });
    expect((await openLine('L3'))?.reservedQuantity).toBe(60);
    await expectBalanced();
  });

  it("reserves only stock of the line's own network", async () => {
    const elsewhere = await failureOf(inventory.createReservations({ items: [{ ...reserve('r-m', 'L2', 5), locationId: 'M-HUB' }] }));
    expect(elsewhere.message).toMatch(/422.*locationId: M-HUB is not in network N of line L2/);
    expect(await inventory.listReservations({ lineId: 'L2' })).toEqual([]);
  });

  it('never commits more of a line than was ordered', async () => {
    const over = await failureOf(inventory.createReservations({ items: [reserve('r-1', 'L1', 21)] }));
    expect(over.message).toMatch(/422.*would commit 31 units of line L1, which ordered 30/);
    await inventory.createBackorders({
      items: [{ idempotencyKey: 'b-1', incidentId: 'INC-1', lineId: 'L1', customerId: 'C1', sku: 'A', quantity: 20 }],
    });
    const more = await failureOf(
      inventory.createBackorders({ items: [{ idempotencyKey: 'b-2', incidentId: 'INC-1', lineId: 'L1', customerId: 'C1', sku: 'A', quantity: 1 }] }),
    );
    expect(more.message).toContain('would commit 31 units of line L1');
    const wrongCustomer = await failureOf(
      inventory.createBackorders({ items: [{ idempotencyKey: 'b-3', incidentId: 'INC-1', lineId: 'L2', customerId: 'C2', sku: 'A', quantity: 1 }] }),
    );
    expect(wrongCustomer.message).toContain('line L2 is not an order line of customer C2');
  });

  it('substitutes only with a catalogued substitute, and the line then asks for less', async () => {
    const notSubstitute = await failureOf(inventory.createReservations({ items: [reserve('s-1', 'L2', 5, 'C', 5)] }));
    expect(notSubstitute.message).toContain('C is not a substitute for A');
    // B replaces A two for one: 20 units of B stand for 10 units of line L2.
    await inventory.createReservations({ items: [reserve('s-2', 'L2', 20, 'B', 10)] });
    expect((await openLine('L2'))?.quantity).toBe(10);
    expect(await position('B', 'N-HUB')).toMatchObject({ reserved: 20 });
    const [released] = await inventory.listReservations({ lineId: 'L2' });
    await inventory.releaseReservations({ items: [{ idempotencyKey: 'rel-1', reservationId: released!.reservationId }] });
    expect((await openLine('L2'))?.quantity).toBe(20);
    await expectBalanced();
  });

  describe('a substitute says which units of the line it covers', () => {
    const refusal = async (item: ReturnType<typeof reserve>) => {
      const { status, body } = await post(service.inventoryUrl, '/reservations/batch', { items: [item] });
      return { status, error: body.error, paths: body.issues?.map((i) => i.path) };
    };
    const untouched = async () => {
      expect(await position('B', 'N-HUB')).toMatchObject({ reserved: 0 });
      expect((await openLine('L2'))?.quantity).toBe(20);
      await expectBalanced();
    };

    it('requires covers with a substitute, naming the field', async () => {
      expect(await refusal(reserve('s-1', 'L2', 20, 'B'))).toMatchObject({ status: 422, paths: ['body.items.0.covers'], error: expect.stringMatching(/covers: required with a substitute/) });
      // Zero covers nothing: refused by the contract before the service looks at the line.
      expect(await refusal(reserve('s-2', 'L2', 2, 'B', 0))).toMatchObject({ status: 400, paths: ['body.items.0.covers'] });
      await untouched();
    });

    it('never covers more than the line still needs, however much of the substitute is reserved', async () => {
      // 20 units of L2, 15 of them reserved in A: 5 are left for a substitute.
      await inventory.createReservations({ items: [reserve('r-1', 'L2', 15)] });
      expect(await refusal(reserve('s-1', 'L2', 12, 'B', 6))).toMatchObject({ status: 422, paths: ['body.items.0.covers'], error: expect.stringContaining('6 units of A exceed the 5 line L2 still needs') });
      await inventory.createReservations({ items: [reserve('s-2', 'L2', 10, 'B', 5)] });
      expect(await openLine('L2')).toMatchObject({ quantity: 15, reservedQuantity: 15 });
      await expectBalanced();
    });

    it('ships what the ratio calls for, rounded up to the substitute’s pack and no further', async () => {
      // Two B per A: 3 B cover only 1.5 A, so they cannot be credited with 2.
      expect(await refusal(reserve('s-1', 'L2', 3, 'B', 2))).toMatchObject({ status: 422, paths: ['body.items.0.quantity'], error: expect.stringContaining('call for 4') });
      expect(await refusal(reserve('s-2', 'L2', 5, 'B', 2))).toMatchObject({ status: 422, paths: ['body.items.0.quantity'] });
      service.db.prepare("UPDATE items SET pack_size = 6 WHERE sku = 'B'").run();
      // 7 A take 14 B; in packs of 6 that is 18.
      expect(await refusal(reserve('s-3', 'L2', 13, 'B', 7))).toMatchObject({ status: 422, error: expect.stringContaining('call for 14 to 18') });
      expect(await refusal(reserve('s-4', 'L2', 19, 'B', 7))).toMatchObject({ status: 422, paths: ['body.items.0.quantity'] });
      await untouched();
      await inventory.createReservations({ items: [reserve('s-5', 'L2', 18, 'B', 7)] });
      expect((await openLine('L2'))?.quantity).toBe(13);
      await expectBalanced();
    });

    it('refuses a substitute on a line that does not allow one', async () => {
      service.db.prepare("UPDATE demand_lines SET substitutes_allowed = 0 WHERE line_id = 'L2'").run();
      expect(await refusal(reserve('s-1', 'L2', 20, 'B', 10))).toMatchObject({ status: 422, paths: ['body.items.0.sku'], error: expect.stringContaining('line L2 does not allow substitutes') });
      await untouched();
    });

    it('refuses covers that differ from the quantity of the line’s own SKU', async () => {
      expect(await refusal(reserve('r-1', 'L2', 5, 'A', 10))).toMatchObject({ status: 422, paths: ['body.items.0.covers'] });
      await inventory.createReservations({ items: [reserve('r-2', 'L2', 5, 'A', 5)] });
      expect((await openLine('L2'))?.reservedQuantity).toBe(5);
    });

    it('fulfils a backorder with a substitute: the line counts the units substituted, not cancelled', async () => {
      const [backorder] = await inventory.createBackorders({
        items: [{ idempotencyKey: 'b-1', incidentId: 'INC-1', lineId: 'L2', customerId: 'C1', sku: 'A', quantity: 20 }],
      });
      const fulfil = (key: string, substitute: { sku: string; quantity: number }) =>
        inventory.fulfilBackorders({ items: [{ idempotencyKey: key, backorderId: backorder!.backorderId, quantity: 20, locationId: 'N-HUB', substitute }] });
      expect((await failureOf(fulfil('f-1', { sku: 'B', quantity: 39 }))).message).toMatch(/422.*substitute\.quantity: 39 × B cannot stand in for 20 × A/);
      expect((await failureOf(fulfil('f-2', { sku: 'A', quantity: 20 }))).message).toContain("substitute.sku: A is the backorder's own SKU");
      expect(await fulfil('f-3', { sku: 'B', quantity: 40 })).toEqual([expect.objectContaining({ fulfilled: 20, cancelled: 0, open: 0, status: 'closed' })]);
      expect(await openLine('L2')).toBeUndefined(); // fully substituted: nothing left to ship of A
      expect((await inventory.listReservations({ lineId: 'L2' })).map((r) => [r.sku, r.quantity, r.status])).toEqual([['B', 40, 'active']]);
      await expectBalanced();
    });

    it('is backed by the schema: a reservation covering nothing cannot be stored', () => {
      const insert = () =>
        service.db
          .prepare("INSERT INTO reservations (reservation_id, incident_id, line_id, sku, location_id, quantity, covers, status, created_at) VALUES ('RS-X', 'I', 'L2', 'B', 'N-HUB', 2, 0, 'active', 'now')")
          .run();
      expect(insert).toThrow(/CHECK constraint failed/);
    });
  });

  it('fulfils backorders from restock, never more than is open, and cancels the rest', async () => {
    const [backorder] = await inventory.createBackorders({
      items: [{ idempotencyKey: 'b-1', incidentId: 'INC-1', lineId: 'L3', customerId: 'C2', sku: 'A', quantity: 80, expectedDate: '2026-12-08' }],
    });
    expect(backorder).toMatchObject({ quantity: 80, open: 80, fulfilled: 0, status: 'open', expectedDate: '2026-12-08' });
    const tooMuch = await failureOf(
      inventory.fulfilBackorders({ items: [{ idempotencyKey: 'f-0', backorderId: backorder!.backorderId, quantity: 81, locationId: 'N-HUB' }] }),
    );
    expect(tooMuch.message).toMatch(/422.*has 80 units open; cannot fulfil 81/);

    await inventory.recordReceipt({ idempotencyKey: 'rc-1', sku: 'A', locationId: 'N-HUB', quantity: 60, poId: 'PO-1' });
    const [fulfilled] = await inventory.fulfilBackorders({
      items: [{ idempotencyKey: 'f-1', backorderId: backorder!.backorderId, quantity: 50, locationId: 'N-HUB' }],
    });
    expect(fulfilled).toMatchObject({ fulfilled: 50, open: 30, status: 'open' });
    expect(await openLine('L3')).toMatchObject({ quantity: 80, reservedQuantity: 50 });
    const [cancelled] = await inventory.cancelBackorders({ items: [{ idempotencyKey: 'c-1', backorderId: backorder!.backorderId }] });
    expect(cancelled).toMatchObject({ fulfilled: 50, cancelled: 30, open: 0, status: 'closed' });
    expect(await openLine('L3')).toMatchObject({ quantity: 50, reservedQuantity: 50 });

    expect((await inventory.listBackorders({ incidentId: 'INC-1', status: 'open', limit: 10 })).backorders).toEqual([]);
    expect((await inventory.listBackorders({ incidentId: 'INC-1', status: 'closed', limit: 10 })).backorders).toEqual([cancelled]);
    await expectBalanced();
  });

  it('ships reserved stock once; a fully shipped line closes and leaves the open list', async () => {
    const [reservation] = await inventory.createReservations({ items: [reserve('r-1', 'L1', 20)] });
    const confirmations = await inventory.listReservations({ lineId: 'L1', status: 'active' });
    expect(confirmations.map((r) => `${r.incidentId ?? 'before any incident'}: ${r.quantity}`).sort()).toEqual(['INC-1: 20', 'before any incident: 10']);
    const items = confirmations.map((r) => ({ idempotencyKey: `ship-${r.reservationId}`, reservationId: r.reservationId }));
    const shipments = await inventory.releaseToShipping({ items });
    expect(await inventory.releaseToShipping({ items })).toEqual(shipments);
    expect(shipments.map((s) => s.quantity).sort()).toEqual([10, 20]);
    expect(await position('A', 'N-HUB')).toMatchObject({ onHand: 70, reserved: 0 });
    expect(await openLine('L1')).toBeUndefined();
    const release = await failureOf(inventory.releaseReservations({ items: [{ idempotencyKey: 'rel', reservationId: reservation!.reservationId }] }));
    expect(release.message).toContain('is shipped: it cannot be released');
    expect((await inventory.checkBooks('A')).totals).toMatchObject({ shippedToCustomers: 30, onHand: 150 });
    await expectBalanced();
  });
});

describe('confirmations given back to an incident (the commit releases taken-back confirmations through it)', () => {
  const giveBack = (key: string, lineId: string, fields: { sku?: string; hubId?: string } = {}) => ({
    idempotencyKey: key,
    incidentId: 'INC-1',
    lineId,
    sku: 'A',
    hubId: 'N-HUB',
    ...fields,
  });
  const confirm = (lineId: string, locationId: string, quantity: number, incidentId: string | null = null) => ({
    idempotencyKey: `confirm-${lineId}-${locationId}-${incidentId}`,
    incidentId,
    lineId,
    sku: 'A',
    locationId,
    quantity,
  });

  it("releases each line's confirmations made before any incident and moves those held at a spoke to the hub, once per line key", async () => {
    // L2 holds a confirmation at the spoke and one an incident made, which is not the line's to give back.
    await inventory.createReservations({ items: [confirm('L2', 'N-S1', 15), confirm('L2', 'N-HUB', 5, 'INC-0')] });
    const items = [giveBack('g-L1', 'L1'), giveBack('g-L2', 'L2'), giveBack('g-L3', 'L3')];
    const replies = await inventory.releaseConfirmations({ items });
    expect(
      replies.map((r) => [r.lineId, r.released.map((x) => `${x.locationId} ${x.quantity} ${x.status}`), r.transfers.map((t) => `${t.fromLocationId}→${t.toLocationId} ${t.quantity} ${t.status}`)]),
    ).toEqual([
      ['L1', ['N-HUB 10 released'], []],
      ['L2', ['N-S1 15 released'], ['N-S1→N-HUB 15 received']],
      ['L3', [], []],
    ]);
    expect(replies[1]!.transfers[0]!.incidentId).toBe('INC-1');
    const after = { hub: await position('A', 'N-HUB'), spoke: await position('A', 'N-S1') };
    // Hub: 100 + 15 moved in, the incident's 5 still reserved; spoke: 50 − 15 moved out, nothing reserved.
    expect(after).toMatchObject({ hub: { onHand: 115, reserved: 5, inTransit: 0 }, spoke: { onHand: 35, reserved: 0 } });
    expect(await openLine('L1')).toMatchObject({ reservedQuantity: 0 });
    expect(await openLine('L2')).toMatchObject({ reservedQuantity: 5 });

    // The same keys again (a retried commit): the first replies, nothing released or moved twice.
    expect(await inventory.releaseConfirmations({ items })).toEqual(replies);
    expect({ hub: await position('A', 'N-HUB'), spoke: await position('A', 'N-S1') }).toEqual(after);
    expect(await inventory.listTransfers({ incidentId: 'INC-1' })).toHaveLength(1);
    const conflict = await failureOf(inventory.releaseConfirmations({ items: [giveBack('g-L1', 'L1', { hubId: 'N-S1' })] }));
    expect(conflict.message).toMatch(/409.*idempotency key "g-L1" was already used for a different releaseConfirmations request/);
    await expectBalanced();
  });

  it('refuses a line of another SKU or a hub outside its network, naming the item and field, and writes nothing of the batch', async () => {
    const otherSku = await post(service.inventoryUrl, '/reservations/confirmations/release', { items: [giveBack('a', 'L1'), giveBack('b', 'L2', { sku: 'B' })] });
    expect(otherSku.status).toBe(422);
    expect(otherSku.body.issues?.map((i) => i.path)).toEqual(['body.items.1.sku']);
    expect(otherSku.body.error).toContain('line L2 is for A, not B');
    const otherNetwork = await post(service.inventoryUrl, '/reservations/confirmations/release', { items: [giveBack('c', 'L1', { hubId: 'M-HUB' })] });
    expect(otherNetwork.status).toBe(422);
    expect(otherNetwork.body.issues?.map((i) => i.path)).toEqual(['body.items.0.hubId']);
    expect(await openLine('L1')).toMatchObject({ reservedQuantity: 10 });
    expect(await position('A', 'N-HUB')).toMatchObject({ onHand: 100, reserved: 10 });

    const { hubId: _hubId, ...withoutHub } = giveBack('d', 'L1');
    const missing = await post(service.inventoryUrl, '/reservations/confirmations/release', { items: [withoutHub] });
    expect(missing.status).toBe(400);
    expect(missing.body.issues?.map((i) => i.path)).toEqual(['body.items.0.hubId']);
    const tooMany = await post(service.inventoryUrl, '/reservations/confirmations/release', { items: Array.from({ length: 501 }, (_, i) => giveBack(`k${i}`, 'L1')) });
    expect(tooMany.status).toBe(400);
    expect(tooMany.body.issues?.map((i) => i.path)).toEqual(['body.items']);
  });
});

describe('bad requests', () => {
  it('answers 400 naming the field', async () => {
    const single = await post(service.inventoryUrl, '/receipts', { idempotencyKey: 'k', sku: 'A', locationId: 'N-HUB', quantity: -1 });
    expect(single.status).toBe(400);
    expect(single.body.issues?.map((i) => i.path)).toEqual(['body.quantity']);
    expect(single.body.error).toContain('body.quantity');

    const batch = await post(service.inventoryUrl, '/reservations/batch', {
      items: [
        { idempotencyKey: 'a', incidentId: 'I', lineId: 'L1', sku: 'A', locationId: 'N-HUB', quantity: 1 },
        { idempotencyKey: 'b', incidentId: 'I', lineId: 'L1', sku: 'A', locationId: 'N-HUB', quantity: 1.5 },
      ],
    });
    expect(batch.body.issues?.map((i) => i.path)).toEqual(['body.items.1.quantity']);

    const tooMany = Array.from({ length: 501 }, (_, i) => ({ idempotencyKey: `k${i}`, reservationId: 'R' }));
    const big = await post(service.inventoryUrl, '/reservations/release', { items: tooMany });
    expect(big.status).toBe(400);
    expect(big.body.issues?.map((i) => i.path)).toEqual(['body.items']);

    const query = await fetch(`${service.inventoryUrl}/demand-lines?sku=A&limit=0&cursor=nonsense`);
    expect(query.status).toBe(400);
    expect(((await query.json()) as { issues: { path: string }[] }).issues.map((i) => i.path)).toEqual(['query.limit']);
    const cursor = await fetch(`${service.inventoryUrl}/demand-lines?sku=A&limit=5&cursor=nonsense`);
    expect(await cursor.json()).toMatchObject({ issues: [{ path: 'query.cursor' }] });

    const notJson = await post(service.inventoryUrl, '/receipts', '{"sku": ');
    expect(notJson.status).toBe(400);
    expect(notJson.body.issues?.[0]?.path).toBe('body');
  });
});

describe('the books', () => {
  it('balance after a series of writes and catch a unit that appears from nowhere', async () => {
    const t = await inventory.createTransfer({ idempotencyKey: 't', incidentId: 'I', sku: 'A', fromLocationId: 'N-S1', toLocationId: 'N-HUB', quantity: 30 });
    await inventory.shipTransfer({ idempotencyKey: 's', transferId: t.transferId });
    await inventory.createReservations({ items: [{ idempotencyKey: 'r', incidentId: 'I', lineId: 'L3', sku: 'A', locationId: 'N-HUB', quantity: 50 }] });
    await inventory.createBackorders({ items: [{ idempotencyKey: 'b', incidentId: 'I', lineId: 'L3', customerId: 'C2', sku: 'A', quantity: 30 }] });
    await inventory.recordReceipt({ idempotencyKey: 'rc', sku: 'A', locationId: 'N-HUB', quantity: 10 });
    await expectBalanced();
    // SKU A in both networks: opening 100 + 50 + 30, 30 of it on the road to the hub.
    expect(await inventory.checkBooks('A')).toMatchObject({ balanced: true, totals: { opening: 180, received: 10, onHand: 160, inTransit: 30, reserved: 60 } });

    service.db.prepare("UPDATE stock SET on_hand = on_hand + 1 WHERE sku = 'A' AND location_id = 'N-S1'").run();
    const broken = await inventory.checkBooks();
    expect(broken.balanced).toBe(false);
    expect(broken.issues).toContain('on_hand of A at N-S1 is 21, but the ledger sums to 20');

    service.db.prepare("UPDATE demand_lines SET reserved_quantity = 0 WHERE line_id = 'L3'").run();
    expect((await inventory.checkBooks('A')).issues).toContain(
      'line L3 (ordered 80) records reserved 0/shipped 0/substituted 0/backordered 30/cancelled 0; reservations and backorders say 50/0/0/30',
    );
  });
});
