// The reference inventory/order system over SQLite: reads, and writes that keep the books. Each write
// runs in one transaction, once per idempotency key (./writes), and refuses what would break an
// invariant: stock below zero, reserving more than is free, committing more of a line than was ordered,
// a substitute that does not fit its line, fulfilling more than is backordered, cancelling a shipped transfer.
import type {
  Backorder,
  BackorderPage,
  BooksReport,
  CancelBackordersRequest,
  CoverPosition,
  CoverPositionPage,
  CancelDemandLineRequest,
  ChangeDemandLineQuantityRequest,
  CreateBackordersRequest,
  CreateDemandLineRequest,
  CreateReservationsRequest,
  CreateTransferRequest,
  DemandLine,
  DemandLineChange,
  DemandLineChangePage,
  DemandLinePage,
  FulfilBackordersRequest,
  Item,
  ListBackordersQuery,
  ListCoverPositionsQuery,
  ListDemandLineChangesQuery,
  ListDemandLinesQuery,
  ListReceiptsQuery,
  ListReservationsQuery,
  Location,
  PurchaseOrder,
  Receipt,
  RecordReceiptRequest,
  ReleaseConfirmationsRequest,
  ReleasedConfirmation,
  ReleaseReservationsRequest,
  ReleaseToShippingRequest,
  Reservation,
  ReservationPage,
  Shipment,
  StockPosition,
  Substitute,
  Transfer,
  TransferActionRequest,
  TransferStatus,
  UpdateInboundEtaRequest,
} from '../inventory/contract';
import { substituteQuantityBounds } from '../inventory/contract';
import { checkBooks } from './books';
import { decodeCursor, encodeCursor, keysetPage, keyset } from './cursor';
import { camelCased, currentSeq, nextId, nextSeq, sql, type Db } from './schema';
import { conflict, eachItem, invariant, invariantOn, moveStock, notFound, once, type Write } from './writes';

interface LineRow {
  line_id: string;
  order_id: string;
  customer_id: string;
  sku: string;
  location_id: string;
  quantity: number;
  reserved_quantity: number;
  shipped_quantity: number;
  substituted_quantity: number;
  cancelled_quantity: number;
  backordered_quantity: number;
  requested_date: string;
  order_date: string;
  unit_price: number;
  unit_margin: number;
  pack_size: number;
  partial_allowed: number;
  substitutes_allowed: number;
  status: 'open' | 'closed';
  revision: number;
  change_seq: number;
  last_change: DemandLineChange['change'] | null;
  changed_at: string | null;
}
interface ReservationRow {
  reservation_id: string;
  incident_id: string | null;
  line_id: string;
  sku: string;
  location_id: string;
  quantity: number;
  covers: number;
  status: Reservation['status'];
}
interface BackorderRow {
  backorder_id: string;
  incident_id: string;
  line_id: string;
  customer_id: string;
  sku: string;
  quantity: number;
  fulfilled: number;
  cancelled: number;
  open: number;
  expected_date: string | null;
  created_at: string;
}
interface TransferRow {
  transfer_id: string;
  incident_id: string;
  sku: string;
  from_location_id: string;
  to_location_id: string;
  quantity: number;
  status: TransferStatus;
  created_at: string;
}

interface StockRow {
  sku: string;
  location_id: string;
  on_hand: number;
  reserved: number;
  safety_stock: number;
  in_transit: number;
}
interface SubstituteRow {
  sku: string;
  substitute_sku: string;
  ratio: number;
  price_delta: number;
}
interface ReceiptRow {
  receipt_id: string;
  sku: string;
  location_id: string;
  quantity: number;
  po_id: string | null;
  received_at: string;
}
interface ShipmentRow {
  shipment_id: string;
  reservation_id: string;
  line_id: string;
  sku: string;
  location_id: string;
  quantity: number;
  shipped_at: string;
}
interface PurchaseOrderRow {
  po_id: string;
  sku: string;
  location_id: string;
  quantity: number;
  received_quantity: number;
  eta: string;
  status: PurchaseOrder['status'];
}

/** The sequence demand line changes are numbered in: the change feed's cursor is a position in it. */
const LINE_CHANGES = 'line-change';

type LineChange = Partial<Record<'reserved' | 'shipped' | 'substituted' | 'cancelled' | 'backordered', number>>;

/** Units of a line nothing is committed to yet: what a substitute may still cover. */
const uncommitted = (line: LineRow) =>
  line.quantity - line.reserved_quantity - line.shipped_quantity - line.substituted_quantity - line.cancelled_quantity - line.backordered_quantity;

interface ReserveItem {
  sku: string;
  locationId: string;
  quantity: number;
  covers?: number | undefined;
}
/** The request fields a refused reservation names: a reservation item's own, or a substitute fulfilment's. */
interface ReserveFields {
  sku: string;
  quantity: string;
  covers: string;
  locationId: string;
}
const RESERVATION_FIELDS: ReserveFields = { sku: 'sku', quantity: 'quantity', covers: 'covers', locationId: 'locationId' };
const SUBSTITUTE_FULFILMENT_FIELDS: ReserveFields = { sku: 'substitute.sku', quantity: 'substitute.quantity', covers: 'quantity', locationId: 'locationId' };

export type InventoryStore = ReturnType<typeof createInventoryStore>;

export function createInventoryStore(db: Db, now: () => Date = () => new Date()) {
  const transaction = <T>(fn: (at: string) => T): T => db.transaction(() => fn(now().toISOString())).immediate();

  const requireItem = (sku: string) => {
    const row = sql(db, 'SELECT sku, description, pack_size, unit_price, unit_cost FROM items WHERE sku = ?').get(sku) as
      | { sku: string; description: string; pack_size: number; unit_price: number; unit_cost: number }
      | undefined;
    if (!row) throw notFound(`unknown SKU "${sku}"`);
    return row;
  };
  const requireLocation = (locationId: string) => {
    const row = sql(db, 'SELECT location_id, network FROM locations WHERE location_id = ?').get(locationId) as
      | { location_id: string; network: string }
      | undefined;
    if (!row) throw notFound(`unknown location "${locationId}"`);
    return row;
  };
  const requireLine = (lineId: string) => {
    const row = sql(db, 'SELECT * FROM demand_lines WHERE line_id = ?').get(lineId) as LineRow | undefined;
    if (!row) throw notFound(`unknown demand line "${lineId}"`);
    return row;
  };
  const requireTransfer = (transferId: string) => {
    const row = sql(db, 'SELECT * FROM transfers WHERE transfer_id = ?').get(transferId) as TransferRow | undefined;
    if (!row) throw notFound(`unknown transfer "${transferId}"`);
    return row;
  };
  const requireReservation = (reservationId: string) => {
    const row = sql(db, 'SELECT * FROM reservations WHERE reservation_id = ?').get(reservationId) as ReservationRow | undefined;
    if (!row) throw notFound(`unknown reservation "${reservationId}"`);
    return row;
  };
  const requireBackorder = (backorderId: string) => {
    const row = sql(db, 'SELECT * FROM backorders WHERE backorder_id = ?').get(backorderId) as BackorderRow | undefined;
    if (!row) throw notFound(`unknown backorder "${backorderId}"`);
    return row;
  };

  /** What a line has committed never exceeds what was ordered; it closes when nothing is left to ship. */
  const changeLine = (line: LineRow, change: LineChange, what: string) => {
    const next = {
      reserved: line.reserved_quantity + (change.reserved ?? 0),
      shipped: line.shipped_quantity + (change.shipped ?? 0),
      substituted: line.substituted_quantity + (change.substituted ?? 0),
      cancelled: line.cancelled_quantity + (change.cancelled ?? 0),
      backordered: line.backordered_quantity + (change.backordered ?? 0),
    };
    const committed = next.reserved + next.shipped + next.substituted + next.cancelled + next.backordered;
    if (committed > line.quantity) {
      throw invariant(
        `${what} would commit ${committed} units of line ${line.line_id}, which ordered ${line.quantity} ` +
          `(reserved ${line.reserved_quantity}, shipped ${line.shipped_quantity}, substituted ${line.substituted_quantity}, ` +
          `cancelled ${line.cancelled_quantity}, backordered ${line.backordered_quantity})`,
      );
    }
    const status = next.shipped + next.substituted + next.cancelled >= line.quantity ? 'closed' : 'open';
    sql(
      db,
      `UPDATE demand_lines SET reserved_quantity = ?, shipped_quantity = ?, substituted_quantity = ?, cancelled_quantity = ?,
       backordered_quantity = ?, status = ? WHERE line_id = ?`,
    ).run(next.reserved, next.shipped, next.substituted, next.cancelled, next.backordered, status, line.line_id);
  };

  /**
   * Reserves `quantity` of the line's SKU, or of a substitute that stands in for `covers` units of it. A
   * substitute must be catalogued, allowed by the line, cover no more than the line still needs, and
   * ship what the ratio and its pack call for (substituteQuantityBounds). `fields` names the request's
   * fields in refusals.
   */
  const reserveForLine = (write: Write, line: LineRow, incidentId: string | null, item: ReserveItem, fields: ReserveFields = RESERVATION_FIELDS) => {
    const { sku, locationId, quantity, covers } = item;
    if (line.status === 'closed') throw conflict(`line ${line.line_id} is closed`);
    // Stock of another network cannot serve the line: a network's pool is its own.
    const network = requireLocation(line.location_id).network;
    if (requireLocation(locationId).network !== network) {
      throw invariantOn(fields.locationId, `${locationId} is not in network ${network} of line ${line.line_id}`);
    }
    const substitute = requireItem(sku);
    if (sku === line.sku) {
      if (covers !== undefined && covers !== quantity) {
        throw invariantOn(fields.covers, `must equal quantity (${quantity}) for the line's own SKU ${sku}, got ${covers}`);
      }
      changeLine(line, { reserved: quantity }, `reserving ${quantity}`);
    } else {
      const sub = sql(db, 'SELECT ratio FROM substitutes WHERE sku = ? AND substitute_sku = ?').get(line.sku, sku) as { ratio: number } | undefined;
      if (!sub) throw invariantOn(fields.sku, `${sku} is not a substitute for ${line.sku} (line ${line.line_id})`);
      if (line.substitutes_allowed !== 1) throw invariantOn(fields.sku, `line ${line.line_id} does not allow substitutes: ${sku} cannot stand in for ${line.sku}`);
      if (covers === undefined) {
        throw invariantOn(fields.covers, `required with a substitute: the units of ${line.sku} that ${quantity} × ${sku} stand in for on line ${line.line_id}`);
      }
      const needs = uncommitted(line);
      if (covers > needs) throw invariantOn(fields.covers, `${covers} units of ${line.sku} exceed the ${needs} line ${line.line_id} still needs`);
      const { least, most } = substituteQuantityBounds(covers, sub.ratio, substitute.pack_size);
      if (quantity < least || quantity > most) {
        throw invariantOn(
          fields.quantity,
          `${quantity} × ${sku} cannot stand in for ${covers} × ${line.sku}: ratio ${sub.ratio} and pack size ${substitute.pack_size} ` +
            `call for ${least === most ? least : `${least} to ${most}`}`,
        );
      }
      changeLine(line, { substituted: covers }, `substituting ${quantity} × ${sku}`);
    }
    const reservationId = nextId(db, 'RS');
    moveStock(write, 'reserve', reservationId, sku, locationId, { reserved: quantity });
    sql(
      db,
      `INSERT INTO reservations (reservation_id, incident_id, line_id, sku, location_id, quantity, covers, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, ?, 'active', ?)`,
    ).run(reservationId, incidentId, line.line_id, sku, locationId, quantity, covers ?? quantity, write.now);
    return toReservation(requireReservation(reservationId));
  };

  /**
   * Gives back `excess` units the line has committed beyond what it still orders: its open backordered units
   * first (cancelled on the backorder), then its reservations of its own SKU, newest first (released, or
   * lowered in place). Substitute reservations count as substituted and stay.
   */
  const giveBack = (write: Write, line: LineRow, excess: number): { reserved: number; backordered: number } => {
    let left = excess;
    let backordered = line.backordered_quantity;
    let reserved = line.reserved_quantity;
    const backorders = sql(db, 'SELECT * FROM backorders WHERE line_id = ? AND open > 0 ORDER BY backorder_id DESC').all(line.line_id) as BackorderRow[];
    for (const b of backorders) {
      const quantity = Math.min(b.open, left);
      if (quantity === 0) break;
      sql(db, 'UPDATE backorders SET cancelled = cancelled + ?, open = open - ? WHERE backorder_id = ?').run(quantity, quantity, b.backorder_id);
      backordered -= quantity;
      left -= quantity;
    }
    const reservations = sql(db, "SELECT * FROM reservations WHERE line_id = ? AND sku = ? AND status = 'active' ORDER BY reservation_id DESC").all(
      line.line_id,
      line.sku,
    ) as ReservationRow[];
    for (const r of reservations) {
      const quantity = Math.min(r.quantity, left);
      if (quantity === 0) break;
      moveStock(write, 'release', r.reservation_id, r.sku, r.location_id, { reserved: -quantity });
      if (quantity === r.quantity) sql(db, "UPDATE reservations SET status = 'released' WHERE reservation_id = ?").run(r.reservation_id);
      else sql(db, 'UPDATE reservations SET quantity = quantity - ?, covers = covers - ? WHERE reservation_id = ?').run(quantity, quantity, r.reservation_id);
      reserved -= quantity;
      left -= quantity;
    }
    return { reserved, backordered };
  };

  /** An order change: the line's new figures, its revision counted and its place in the change feed taken. */
  const recordLineChange = (line: LineRow, change: DemandLineChange['change'], at: string, figures: { quantity: number; reserved: number; backordered: number; cancelled: number }) => {
    const status = line.shipped_quantity + line.substituted_quantity + figures.cancelled >= figures.quantity ? 'closed' : 'open';
    sql(
      db,
      `UPDATE demand_lines SET quantity = ?, reserved_quantity = ?, backordered_quantity = ?, cancelled_quantity = ?, status = ?,
       revision = revision + 1, change_seq = ?, last_change = ?, changed_at = ? WHERE line_id = ?`,
    ).run(figures.quantity, figures.reserved, figures.backordered, figures.cancelled, status, nextSeq(db, LINE_CHANGES), change, at, line.line_id);
    return toLineChange(requireLine(line.line_id));
  };

  /** Gives an active reservation's units back to its location and its line. */
  const releaseReservation = (write: Write, r: ReservationRow) => {
    const line = requireLine(r.line_id);
    changeLine(line, r.sku === line.sku ? { reserved: -r.quantity } : { substituted: -r.covers }, 'release');
    moveStock(write, 'release', r.reservation_id, r.sku, r.location_id, { reserved: -r.quantity });
    sql(db, "UPDATE reservations SET status = 'released' WHERE reservation_id = ?").run(r.reservation_id);
  };

  // A transfer's three steps, each its stock movements: created (reserved at the source), shipped (on its way), received.
  const openTransfer = (write: Write, request: Omit<CreateTransferRequest, 'idempotencyKey'>): string => {
    const transferId = nextId(db, 'TR');
    moveStock(write, 'transfer-create', transferId, request.sku, request.fromLocationId, { reserved: request.quantity });
    sql(
      db,
      `INSERT INTO transfers (transfer_id, incident_id, sku, from_location_id, to_location_id, quantity, status, created_at)
       VALUES (?, ?, ?, ?, ?, ?, 'created', ?)`,
    ).run(transferId, request.incidentId, request.sku, request.fromLocationId, request.toLocationId, request.quantity, write.now);
    return transferId;
  };
  const shipMoves = (write: Write, t: Pick<TransferRow, 'transfer_id' | 'sku' | 'from_location_id' | 'to_location_id' | 'quantity'>) => {
    moveStock(write, 'transfer-ship', t.transfer_id, t.sku, t.from_location_id, { on_hand: -t.quantity, reserved: -t.quantity });
    moveStock(write, 'transfer-ship', t.transfer_id, t.sku, t.to_location_id, { in_transit: t.quantity });
  };
  const receiveMoves = (write: Write, t: Pick<TransferRow, 'transfer_id' | 'sku' | 'to_location_id' | 'quantity'>) => {
    moveStock(write, 'transfer-receive', t.transfer_id, t.sku, t.to_location_id, { in_transit: -t.quantity, on_hand: t.quantity });
  };

  const transferAction = (operation: string, request: TransferActionRequest, apply: (write: Write, t: TransferRow) => TransferStatus | null) =>
    transaction((at) =>
      once(db, operation, request, at, (write) => {
        const t = requireTransfer(request.transferId);
        const status = apply(write, t);
        if (status) sql(db, 'UPDATE transfers SET status = ? WHERE transfer_id = ?').run(status, t.transfer_id);
        return toTransfer(requireTransfer(t.transfer_id));
      }),
    );

  return {
    listLocations(): Location[] {
      return (sql(db, "SELECT * FROM locations ORDER BY network, kind = 'spoke', location_id").all() as Record<string, string | null>[]).map((r) => ({
        locationId: r.location_id as string,
        network: r.network as string,
        kind: r.kind as Location['kind'],
        region: r.region as string,
        name: r.name as string,
        ...(r.time_zone ? { timeZone: r.time_zone } : {}),
      }));
    },

    getItem(sku: string): Item {
      const r = requireItem(sku);
      return { sku: r.sku, description: r.description, packSize: r.pack_size, unitPrice: r.unit_price, unitCost: r.unit_cost };
    },

    getStockPositions(sku: string): StockPosition[] {
      requireItem(sku);
      return (sql(db, 'SELECT * FROM stock WHERE sku = ? ORDER BY location_id').all(sku) as StockRow[]).map(camelCased);
    },

    listInbound(sku: string): PurchaseOrder[] {
      requireItem(sku);
      return (sql(db, 'SELECT * FROM purchase_orders WHERE sku = ? ORDER BY eta, po_id').all(sku) as PurchaseOrderRow[]).map(toPurchaseOrder);
    },

    listSubstitutes(sku: string): Substitute[] {
      requireItem(sku);
      return (sql(db, 'SELECT * FROM substitutes WHERE sku = ? ORDER BY substitute_sku').all(sku) as SubstituteRow[]).map(camelCased);
    },

    updateInboundEta(request: UpdateInboundEtaRequest): PurchaseOrder {
      return transaction((at) =>
        once(db, 'updateInboundEta', request, at, () => {
          const po = sql(db, 'SELECT * FROM purchase_orders WHERE po_id = ?').get(request.poId) as PurchaseOrderRow | undefined;
          if (!po) throw notFound(`unknown purchase order "${request.poId}"`);
          if (po.status !== 'open') throw conflict(`purchase order ${request.poId} is ${po.status}: its ETA cannot change`);
          sql(db, 'UPDATE purchase_orders SET eta = ? WHERE po_id = ?').run(request.eta, request.poId);
          return toPurchaseOrder({ ...po, eta: request.eta });
        }),
      );
    },

    recordReceipt(request: RecordReceiptRequest): Receipt {
      return transaction((at) =>
        once(db, 'recordReceipt', request, at, (write) => {
          requireItem(request.sku);
          requireLocation(request.locationId);
          if (request.poId !== undefined) {
            const po = sql(db, 'SELECT sku, status, quantity, received_quantity FROM purchase_orders WHERE po_id = ?').get(request.poId) as
              | { sku: string; status: string; quantity: number; received_quantity: number }
              | undefined;
            if (!po) throw notFound(`unknown purchase order "${request.poId}"`);
            if (po.sku !== request.sku) throw invariant(`purchase order ${request.poId} is for ${po.sku}, not ${request.sku}`);
            if (po.status !== 'open') throw conflict(`purchase order ${request.poId} is ${po.status}`);
            const received = po.received_quantity + request.quantity;
            sql(db, 'UPDATE purchase_orders SET received_quantity = ?, status = ? WHERE po_id = ?').run(
              received,
              received >= po.quantity ? 'received' : 'open',
              request.poId,
            );
          }
          const receiptId = nextId(db, 'RC');
          moveStock(write, 'receipt', receiptId, request.sku, request.locationId, { on_hand: request.quantity });
          sql(db, 'INSERT INTO receipts (receipt_id, sku, location_id, quantity, po_id, received_at) VALUES (?, ?, ?, ?, ?, ?)').run(
            receiptId,
            request.sku,
            request.locationId,
            request.quantity,
            request.poId ?? null,
            write.now,
          );
          return { receiptId, sku: request.sku, locationId: request.locationId, quantity: request.quantity, poId: request.poId ?? null, receivedAt: write.now };
        }),
      );
    },

    listReceipts(query: ListReceiptsQuery): Receipt[] {
      const since = query.since ? new Date(query.since).toISOString() : '';
      return (
        sql(db, 'SELECT * FROM receipts WHERE sku = ? AND received_at >= ? ORDER BY received_at, receipt_id').all(query.sku, since) as ReceiptRow[]
      ).map((r) => ({ receiptId: r.receipt_id, sku: r.sku, locationId: r.location_id, quantity: r.quantity, poId: r.po_id, receivedAt: r.received_at }));
    },

    listCoverPositions(query: ListCoverPositionsQuery): CoverPositionPage {
      const positionOf = ({ sku }: { sku: string }): CoverPosition => {
        const { available } = sql(
          db,
          `SELECT COALESCE(SUM(MAX(0, st.on_hand + st.in_transit - st.reserved - st.safety_stock)), 0) AS available
           FROM stock st JOIN locations l USING (location_id) WHERE st.sku = ? AND l.network = ?`,
        ).get(sku, query.network) as { available: number };
        const demandByDate = sql(
          db,
          `SELECT d.requested_date AS date,
             SUM(d.quantity - d.shipped_quantity - d.substituted_quantity - d.cancelled_quantity - d.reserved_quantity) AS open_units
           FROM demand_lines d JOIN locations l USING (location_id)
           WHERE d.sku = ? AND d.status = 'open' AND l.network = ? AND d.requested_date <= ?
           GROUP BY d.requested_date HAVING open_units > 0 ORDER BY d.requested_date`,
        ).all(sku, query.network, query.requestedUntil) as { date: string; open_units: number }[];
        const { eta } = sql(
          db,
          `SELECT MIN(p.eta) AS eta FROM purchase_orders p JOIN locations l USING (location_id)
           WHERE p.sku = ? AND p.status = 'open' AND l.network = ?`,
        ).get(sku, query.network) as { eta: string | null };
        return { sku, available, demandByDate: demandByDate.map((d) => ({ date: d.date, quantity: d.open_units })), nextInboundEta: eta };
      };
      const stocked = keyset(
        { items: 'positions', key: 'sku', first: '', map: positionOf },
        `SELECT DISTINCT st.sku AS sku FROM stock st JOIN locations l USING (location_id)
         WHERE l.network = @network AND st.sku > @after ORDER BY st.sku LIMIT @limit`,
      );
      return keysetPage(db, stocked, query, { network: query.network });
    },

    listDemandLines(query: ListDemandLinesQuery): DemandLinePage {
      return keysetPage(db, OPEN_LINES, query, { sku: query.sku });
    },

    listDemandLineChanges(query: ListDemandLineChangesQuery): DemandLineChangePage {
      const after = query.cursor === undefined ? 0 : decodeCursor(query.cursor, 'number');
      const since = query.cursor === undefined && query.since !== undefined ? new Date(query.since).toISOString() : '';
      const rows = sql(
        db,
        `SELECT d.* FROM demand_lines d JOIN locations l USING (location_id)
         WHERE d.sku = @sku AND l.network = @network AND d.change_seq > @after AND d.changed_at >= @since ORDER BY d.change_seq LIMIT @limit`,
      ).all({ sku: query.sku, network: query.network, after, since, limit: query.limit + 1 }) as LineRow[];
      const page = rows.slice(0, query.limit);
      const last = page.at(-1);
      // An empty first page still gives a position: every change so far is before it (or before `since`).
      const position = last ? last.change_seq : query.cursor === undefined ? currentSeq(db, LINE_CHANGES) : after;
      const cursor = encodeCursor(position);
      return { changes: page.map(toLineChange), nextCursor: rows.length > query.limit ? cursor : null, cursor };
    },

    createDemandLine(request: CreateDemandLineRequest): DemandLineChange {
      return transaction((at) =>
        once(db, 'createDemandLine', request, at, () => {
          const item = requireItem(request.sku);
          requireLocation(request.locationId);
          if (!sql(db, 'SELECT 1 FROM customers WHERE customer_id = ?').get(request.customerId)) throw notFound(`unknown customer "${request.customerId}"`);
          const lineId = request.lineId ?? nextId(db, 'DL');
          if (sql(db, 'SELECT 1 FROM demand_lines WHERE line_id = ?').get(lineId)) throw conflict(`demand line ${lineId} already exists`);
          sql(
            db,
            `INSERT INTO demand_lines (line_id, order_id, customer_id, sku, location_id, quantity, requested_date, order_date, unit_price, unit_margin,
               pack_size, partial_allowed, substitutes_allowed, status, revision, change_seq, last_change, changed_at)
             VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'open', 1, ?, 'created', ?)`,
          ).run(
            lineId,
            request.orderId,
            request.customerId,
            request.sku,
            request.locationId,
            request.quantity,
            request.requestedDate,
            request.orderDate ?? at.slice(0, 10),
            request.unitPrice,
            request.unitMargin ?? 0,
            request.packSize ?? item.pack_size,
            request.partialAllowed === false ? 0 : 1,
            request.substitutesAllowed === false ? 0 : 1,
            nextSeq(db, LINE_CHANGES),
            at,
          );
          return toLineChange(requireLine(lineId));
        }),
      );
    },

    changeDemandLineQuantity(request: ChangeDemandLineQuantityRequest): DemandLineChange {
      return transaction((at) =>
        once(db, 'changeDemandLineQuantity', request, at, (write) => {
          const line = requireLine(request.lineId);
          if (line.status === 'closed') throw conflict(`line ${line.line_id} is closed: its quantity cannot change`);
          const delivered = line.shipped_quantity + line.substituted_quantity + line.cancelled_quantity;
          if (request.quantity < delivered) {
            throw invariantOn(
              'quantity',
              `line ${line.line_id} already shipped ${line.shipped_quantity}, substituted ${line.substituted_quantity} and cancelled ${line.cancelled_quantity}: it cannot order fewer than ${delivered}`,
            );
          }
          const committed = delivered + line.reserved_quantity + line.backordered_quantity;
          const kept = giveBack(write, line, Math.max(0, committed - request.quantity));
          return recordLineChange(line, 'quantity-changed', at, { quantity: request.quantity, ...kept, cancelled: line.cancelled_quantity });
        }),
      );
    },

    cancelDemandLine(request: CancelDemandLineRequest): DemandLineChange {
      return transaction((at) =>
        once(db, 'cancelDemandLine', request, at, (write) => {
          const line = requireLine(request.lineId);
          if (line.status === 'closed') throw conflict(`line ${line.line_id} is closed: nothing is left to cancel`);
          const kept = giveBack(write, line, line.reserved_quantity + line.backordered_quantity);
          const cancelled = line.quantity - line.shipped_quantity - line.substituted_quantity;
          return recordLineChange(line, 'cancelled', at, { quantity: line.quantity, ...kept, cancelled });
        }),
      );
    },

    createTransfer(request: CreateTransferRequest): Transfer {
      return transaction((at) =>
        once(db, 'createTransfer', request, at, (write) => {
          requireItem(request.sku);
          const from = requireLocation(request.fromLocationId);
          const to = requireLocation(request.toLocationId);
          if (from.location_id === to.location_id) throw invariant('fromLocationId and toLocationId are the same location');
          if (from.network !== to.network) throw invariant(`${from.location_id} and ${to.location_id} are in different networks`);
          return toTransfer(requireTransfer(openTransfer(write, request)));
        }),
      );
    },

    shipTransfer(request: TransferActionRequest): Transfer {
      return transferAction('shipTransfer', request, (write, t) => {
        if (t.status === 'shipped' || t.status === 'received') return null;
        if (t.status === 'cancelled') throw conflict(`transfer ${t.transfer_id} is cancelled: it cannot be shipped`);
        shipMoves(write, t);
        return 'shipped';
      });
    },

    receiveTransfer(request: TransferActionRequest): Transfer {
      return transferAction('receiveTransfer', request, (write, t) => {
        if (t.status === 'received') return null;
        if (t.status !== 'shipped') throw conflict(`transfer ${t.transfer_id} is ${t.status}: only a shipped transfer can be received`);
        receiveMoves(write, t);
        return 'received';
      });
    },

    cancelTransfer(request: TransferActionRequest): Transfer {
      return transferAction('cancelTransfer', request, (write, t) => {
        if (t.status === 'cancelled') return null;
        if (t.status !== 'created') throw conflict(`transfer ${t.transfer_id} is ${t.status}: a shipped transfer cannot be cancelled`);
        moveStock(write, 'transfer-cancel', t.transfer_id, t.sku, t.from_location_id, { reserved: -t.quantity });
        return 'cancelled';
      });
    },

    listTransfers(query: { incidentId: string }): Transfer[] {
      return (sql(db, 'SELECT * FROM transfers WHERE incident_id = ? ORDER BY transfer_id').all(query.incidentId) as TransferRow[]).map(toTransfer);
    },

    createReservations(request: CreateReservationsRequest): Reservation[] {
      return transaction((at) =>
        eachItem(request.items, (item) =>
          once(db, 'createReservation', item, at, (write) =>
            reserveForLine(write, requireLine(item.lineId), item.incidentId, item),
          ),
        ),
      );
    },

    releaseReservations(request: ReleaseReservationsRequest): Reservation[] {
      return transaction((at) =>
        eachItem(request.items, (item) =>
          once(db, 'releaseReservation', item, at, (write) => {
            const r = requireReservation(item.reservationId);
            if (r.status === 'shipped') throw conflict(`reservation ${r.reservation_id} is shipped: it cannot be released`);
            if (r.status === 'active') releaseReservation(write, r);
            return toReservation(requireReservation(r.reservation_id));
          }),
        ),
      );
    },

    releaseConfirmations(request: ReleaseConfirmationsRequest): ReleasedConfirmation[] {
      return transaction((at) =>
        eachItem(request.items, (item) =>
          once(db, 'releaseConfirmations', item, at, (write) => {
            const line = requireLine(item.lineId);
            if (line.sku !== item.sku) throw invariantOn('sku', `line ${line.line_id} is for ${line.sku}, not ${item.sku}`);
            const hub = requireLocation(item.hubId);
            const network = requireLocation(line.location_id).network;
            if (hub.network !== network) throw invariantOn('hubId', `${item.hubId} is not in network ${network} of line ${line.line_id}`);
            const held = sql(
              db,
              "SELECT * FROM reservations WHERE line_id = ? AND incident_id IS NULL AND sku = ? AND status = 'active' ORDER BY reservation_id",
            ).all(line.line_id, item.sku) as ReservationRow[];
            const transfers: Transfer[] = [];
            for (const r of held) {
              releaseReservation(write, r);
              if (r.location_id === hub.location_id) continue;
              const move = { incidentId: item.incidentId, sku: r.sku, fromLocationId: r.location_id, toLocationId: hub.location_id, quantity: r.quantity };
              const transferId = openTransfer(write, move);
              const t = { transfer_id: transferId, sku: r.sku, from_location_id: r.location_id, to_location_id: hub.location_id, quantity: r.quantity };
              shipMoves(write, t);
              receiveMoves(write, t);
              sql(db, "UPDATE transfers SET status = 'received' WHERE transfer_id = ?").run(transferId);
              transfers.push(toTransfer(requireTransfer(transferId)));
            }
            return { lineId: line.line_id, released: held.map((r) => toReservation(requireReservation(r.reservation_id))), transfers };
          }),
        ),
      );
    },

    listReservations(query: ListReservationsQuery): ReservationPage {
      return keysetPage(db, RESERVATIONS, query, { incident: query.incidentId ?? null, line: query.lineId ?? null, status: query.status ?? null });
    },

    createBackorders(request: CreateBackordersRequest): Backorder[] {
      return transaction((at) =>
        eachItem(request.items, (item) =>
          once(db, 'createBackorder', item, at, (write) => {
            const line = requireLine(item.lineId);
            if (line.customer_id !== item.customerId) throw invariant(`line ${line.line_id} is not an order line of customer ${item.customerId}`);
            if (line.sku !== item.sku) throw invariant(`line ${line.line_id} is for ${line.sku}, not ${item.sku}`);
            if (line.status === 'closed') throw conflict(`line ${line.line_id} is closed`);
            changeLine(line, { backordered: item.quantity }, `backordering ${item.quantity}`);
            const backorderId = nextId(db, 'BO');
            sql(
              db,
              `INSERT INTO backorders (backorder_id, incident_id, line_id, customer_id, sku, quantity, open, expected_date, created_at)
               VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`,
            ).run(backorderId, item.incidentId, line.line_id, item.customerId, item.sku, item.quantity, item.quantity, item.expectedDate ?? null, write.now);
            return toBackorder(requireBackorder(backorderId));
          }),
        ),
      );
    },

    fulfilBackorders(request: FulfilBackordersRequest): Backorder[] {
      return transaction((at) =>
        eachItem(request.items, (item) =>
          once(db, 'fulfilBackorder', item, at, (write) => {
            const b = requireBackorder(item.backorderId);
            if (item.quantity > b.open) throw invariant(`backorder ${b.backorder_id} has ${b.open} units open; cannot fulfil ${item.quantity}`);
            const { substitute } = item;
            if (substitute?.sku === b.sku) throw invariantOn('substitute.sku', `${b.sku} is the backorder's own SKU, not a substitute`);
            changeLine(requireLine(b.line_id), { backordered: -item.quantity }, 'fulfilment');
            const line = requireLine(b.line_id);
            if (substitute) {
              const reserve = { sku: substitute.sku, locationId: item.locationId, quantity: substitute.quantity, covers: item.quantity };
              reserveForLine(write, line, b.incident_id, reserve, SUBSTITUTE_FULFILMENT_FIELDS);
            } else reserveForLine(write, line, b.incident_id, { sku: b.sku, locationId: item.locationId, quantity: item.quantity });
            sql(db, 'UPDATE backorders SET fulfilled = fulfilled + ?, open = open - ? WHERE backorder_id = ?').run(item.quantity, item.quantity, b.backorder_id);
            return toBackorder(requireBackorder(b.backorder_id));
          }),
        ),
      );
    },

    cancelBackorders(request: CancelBackordersRequest): Backorder[] {
      return transaction((at) =>
        eachItem(request.items, (item) =>
          once(db, 'cancelBackorder', item, at, () => {
            const b = requireBackorder(item.backorderId);
            const quantity = item.quantity ?? b.open;
            if (quantity > b.open) throw invariant(`backorder ${b.backorder_id} has ${b.open} units open; cannot cancel ${quantity}`);
            if (quantity > 0) {
              const undo = item.withdraw ? { backordered: -quantity } : { backordered: -quantity, cancelled: quantity };
              changeLine(requireLine(b.line_id), undo, item.withdraw ? 'withdrawal' : 'cancellation');
              sql(db, 'UPDATE backorders SET cancelled = cancelled + ?, open = open - ? WHERE backorder_id = ?').run(quantity, quantity, b.backorder_id);
            }
            return toBackorder(requireBackorder(b.backorder_id));
          }),
        ),
      );
    },

    listBackorders(query: ListBackordersQuery): BackorderPage {
      const open = query.status === undefined ? null : query.status === 'open' ? 1 : 0;
      return keysetPage(db, BACKORDERS, query, { incident: query.incidentId ?? null, sku: query.sku ?? null, open });
    },

    releaseToShipping(request: ReleaseToShippingRequest): Shipment[] {
      return transaction((at) =>
        eachItem(request.items, (item) =>
          once(db, 'releaseToShipping', item, at, (write) => {
            const r = requireReservation(item.reservationId);
            if (r.status === 'released') throw conflict(`reservation ${r.reservation_id} is released: nothing to ship`);
            if (r.status === 'active') {
              const line = requireLine(r.line_id);
              if (r.sku === line.sku) changeLine(line, { reserved: -r.quantity, shipped: r.quantity }, 'shipment');
              moveStock(write, 'ship', r.reservation_id, r.sku, r.location_id, { on_hand: -r.quantity, reserved: -r.quantity });
              sql(db, "UPDATE reservations SET status = 'shipped' WHERE reservation_id = ?").run(r.reservation_id);
              sql(db, 'INSERT INTO shipments (shipment_id, reservation_id, line_id, sku, location_id, quantity, shipped_at) VALUES (?, ?, ?, ?, ?, ?, ?)').run(
                nextId(db, 'SH'),
                r.reservation_id,
                r.line_id,
                r.sku,
                r.location_id,
                r.quantity,
                write.now,
              );
            }
            const s = sql(db, 'SELECT * FROM shipments WHERE reservation_id = ?').get(r.reservation_id) as ShipmentRow;
            return {
              shipmentId: s.shipment_id,
              reservationId: s.reservation_id,
              lineId: s.line_id,
              sku: s.sku,
              locationId: s.location_id,
              quantity: s.quantity,
              shippedAt: s.shipped_at,
            };
          }),
        ),
      );
    },

    checkBooks(sku?: string): BooksReport {
      return checkBooks(db, sku);
    },
  };
}

const OPEN_LINES = keyset({ items: 'lines', key: 'line_id', first: '', map: toDemandLine }, "SELECT * FROM demand_lines WHERE sku = @sku AND status = 'open' AND line_id > @after ORDER BY line_id LIMIT @limit");

function toDemandLine(r: LineRow): DemandLine {
  return {
    lineId: r.line_id,
    orderId: r.order_id,
    customerId: r.customer_id,
    sku: r.sku,
    locationId: r.location_id,
    // What is still to ship: ordered less shipped, cancelled and substituted.
    quantity: r.quantity - r.shipped_quantity - r.cancelled_quantity - r.substituted_quantity,
    reservedQuantity: r.reserved_quantity,
    requestedDate: r.requested_date,
    orderDate: r.order_date,
    unitPrice: r.unit_price,
    unitMargin: r.unit_margin,
    packSize: r.pack_size,
    partialAllowed: r.partial_allowed === 1,
    substitutesAllowed: r.substitutes_allowed === 1,
  };
}

function toLineChange(r: LineRow): DemandLineChange {
  const { quantity, reservedQuantity, ...line } = toDemandLine(r);
  return {
    ...line,
    change: r.last_change ?? 'created',
    revision: r.revision,
    // Only changed lines are listed or answered with (a placed line counts as changed).
    changedAt: r.changed_at!,
    orderedQuantity: r.quantity,
    quantity,
    reservedQuantity,
    backorderedQuantity: r.backordered_quantity,
  };
}

const RESERVATIONS = keyset(
  { items: 'reservations', key: 'reservation_id', first: '', map: toReservation },
  `SELECT * FROM reservations WHERE (@incident IS NULL OR incident_id = @incident) AND (@line IS NULL OR line_id = @line)
    AND (@status IS NULL OR status = @status) AND reservation_id > @after ORDER BY reservation_id LIMIT @limit`,
);

function toReservation(r: ReservationRow): Reservation {
  return { reservationId: r.reservation_id, incidentId: r.incident_id, lineId: r.line_id, sku: r.sku, locationId: r.location_id, quantity: r.quantity, status: r.status };
}

const BACKORDERS = keyset(
  { items: 'backorders', key: 'backorder_id', first: '', map: toBackorder },
  `SELECT * FROM backorders WHERE (@incident IS NULL OR incident_id = @incident) AND (@sku IS NULL OR sku = @sku)
    AND (@open IS NULL OR (open > 0) = @open) AND backorder_id > @after ORDER BY backorder_id LIMIT @limit`,
);

function toBackorder({ created_at: _createdAt, ...row }: BackorderRow): Backorder {
  return { ...camelCased(row), status: row.open > 0 ? 'open' : 'closed' };
}

function toTransfer({ created_at: _createdAt, ...row }: TransferRow): Transfer {
  return camelCased(row);
}

function toPurchaseOrder(r: PurchaseOrderRow): PurchaseOrder {
  return { poId: r.po_id, sku: r.sku, locationId: r.location_id, quantity: r.quantity, receivedQuantity: r.received_quantity, eta: r.eta, status: r.status };
}
