// Loads a generated data set into the reference service's database: one transaction, prepared
// statements, opening balances written to the movements ledger so the books balance from the start.
import type { Dataset } from '../dataset/generate';
import { sql, type Db } from './schema';

/** The load is itself an idempotent write: loading the same data set twice changes nothing. */
export function datasetKey(dataset: Pick<Dataset, 'seed' | 'network' | 'asOf'>) {
  return `dataset|${dataset.network}|${dataset.seed}|${dataset.asOf}`;
}

export function loadDataset(db: Db, dataset: Dataset, now: Date = new Date()): { loaded: boolean } {
  const key = datasetKey(dataset);
  return db
    .transaction(() => {
      if (sql(db, 'SELECT 1 FROM idempotency WHERE idempotency_key = ?').get(key)) return { loaded: false };
      const insert = (table: string, columns: string[]) => {
        const statement = db.prepare(`INSERT INTO ${table} (${columns.join(', ')}) VALUES (${columns.map((c) => `@${c}`).join(', ')})`);
        return (row: Record<string, unknown>) => statement.run(row);
      };
      const location = insert('locations', ['location_id', 'network', 'kind', 'region', 'name', 'time_zone']);
      for (const l of dataset.locations) {
        location({ location_id: l.locationId, network: l.network, kind: l.kind, region: l.region, name: l.name, time_zone: l.timeZone ?? null });
      }

      const item = insert('items', ['sku', 'description', 'pack_size', 'unit_price', 'unit_cost']);
      for (const i of dataset.items) item({ sku: i.sku, description: i.description, pack_size: i.packSize, unit_price: i.unitPrice, unit_cost: i.unitCost });

      const stock = insert('stock', ['sku', 'location_id', 'on_hand', 'reserved', 'safety_stock', 'in_transit']);
      const movement = insert('movements', ['idempotency_key', 'kind', 'sku', 'location_id', 'bucket', 'delta', 'ref']);
      let movements = 0;
      for (const s of dataset.stock) {
        stock({ sku: s.sku, location_id: s.locationId, on_hand: s.onHand, reserved: s.reserved, safety_stock: s.safetyStock, in_transit: s.inTransit });
        for (const [bucket, delta] of [['on_hand', s.onHand], ['reserved', s.reserved], ['in_transit', s.inTransit]] as const) {
          if (delta === 0) continue;
          movement({ idempotency_key: key, kind: 'opening', sku: s.sku, location_id: s.locationId, bucket, delta, ref: key });
          movements += 1;
        }
      }

      const substitute = insert('substitutes', ['sku', 'substitute_sku', 'ratio', 'price_delta']);
      for (const s of dataset.substitutes) substitute({ sku: s.sku, substitute_sku: s.substituteSku, ratio: s.ratio, price_delta: s.priceDelta });

      const po = insert('purchase_orders', ['po_id', 'sku', 'location_id', 'quantity', 'received_quantity', 'eta', 'status']);
      for (const p of dataset.purchaseOrders) {
        po({ po_id: p.poId, sku: p.sku, location_id: p.locationId, quantity: p.quantity, received_quantity: p.receivedQuantity, eta: p.eta, status: p.status });
      }

      const line = insert('demand_lines', [
        'line_id', 'order_id', 'customer_id', 'sku', 'location_id', 'quantity', 'reserved_quantity', 'requested_date', 'order_date',
        'unit_price', 'unit_margin', 'pack_size', 'partial_allowed', 'substitutes_allowed', 'status',
      ]);
      // Confirmations made before any incident are reservations without one.
      const reservation = insert('reservations', ['reservation_id', 'incident_id', 'line_id', 'sku', 'location_id', 'quantity', 'covers', 'status', 'created_at']);
      const at = now.toISOString();
      for (const l of dataset.demandLines) {
        line({
          line_id: l.lineId, order_id: l.orderId, customer_id: l.customerId, sku: l.sku, location_id: l.locationId, quantity: l.quantity,
          reserved_quantity: l.reservedQuantity, requested_date: l.requestedDate, order_date: l.orderDate, unit_price: l.unitPrice,
          unit_margin: l.unitMargin, pack_size: l.packSize, partial_allowed: l.partialAllowed ? 1 : 0, substitutes_allowed: l.substitutesAllowed ? 1 : 0,
          status: 'open',
        });
        if (l.reservedQuantity > 0) {
          reservation({
            reservation_id: `RS-${l.lineId}`, incident_id: null, line_id: l.lineId, sku: l.sku, location_id: l.locationId,
            quantity: l.reservedQuantity, covers: l.reservedQuantity, status: 'active', created_at: at,
          });
        }
      }

      const manager = insert('account_managers', ['account_manager_id', 'name', 'email', 'phone', 'locale', 'time_zone']);
      for (const m of dataset.accountManagers) {
        manager({ account_manager_id: m.accountManagerId, name: m.name, email: m.email, phone: m.phone ?? null, locale: m.locale ?? null, time_zone: m.timeZone ?? null });
      }
      const customer = insert('customers', [
        'customer_id', 'name', 'stage', 'critical', 'accepts_substitutes', 'accepts_partial', 'contacts', 'locale', 'time_zone',
        'account_manager_id', 'revenue_12m', 'margin_12m',
      ]);
      const reported = insert('customer_stock', ['customer_id', 'sku', 'quantity', 'daily_usage', 'reported_at']);
      for (const c of dataset.customers) {
        customer({
          customer_id: c.customerId, name: c.name, stage: c.stage, critical: c.critical ? 1 : 0, accepts_substitutes: c.acceptsSubstitutes ? 1 : 0,
          accepts_partial: c.acceptsPartial ? 1 : 0, contacts: JSON.stringify(c.contacts), locale: c.locale, time_zone: c.timeZone,
          account_manager_id: c.accountManagerId, revenue_12m: c.revenue12m, margin_12m: c.margin12m,
        });
        for (const r of c.reportedStock) reported({ customer_id: c.customerId, sku: r.sku, quantity: r.quantity, daily_usage: r.dailyUsage, reported_at: r.reportedAt });
      }

      sql(db, 'INSERT INTO idempotency (idempotency_key, operation, request_hash, response, movements, applied_at) VALUES (?, ?, ?, ?, ?, ?)').run(
        key,
        'loadDataset',
        key,
        JSON.stringify({ loaded: true }),
        movements,
        at,
      );
      return { loaded: true };
    })
    .immediate();
}
