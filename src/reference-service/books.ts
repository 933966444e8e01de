// The audit behind `GET /books`: stock, reservations, transfers, lines, backorders and the movements
// ledger must all tell the same story. Any disagreement is listed as an issue; `balanced` means none.
import type { BooksReport } from '../inventory/contract';
import type { Db } from './schema';

const MAX_ISSUES = 50;

export function checkBooks(db: Db, sku?: string): BooksReport {
  const issues: string[] = [];
  const s = sku ?? null;
  const rows = <T>(query: string): T[] => db.prepare(query).all({ sku: s }) as T[];
  const check = (query: string, describe: (r: Record<string, number | string>) => string) => {
    for (const r of rows<Record<string, number | string>>(query)) issues.push(describe(r));
  };
  const forSku = (column = 'sku') => `(@sku IS NULL OR ${column} = @sku)`;

  check(`SELECT sku, location_id, on_hand, reserved, in_transit FROM stock WHERE ${forSku()} AND (on_hand < 0 OR reserved < 0 OR in_transit < 0 OR reserved > on_hand)`, (r) =>
    `stock of ${r.sku} at ${r.location_id}: on hand ${r.on_hand}, reserved ${r.reserved}, in transit ${r.in_transit}`,
  );
  // Reserved = active reservations + transfers created but not shipped (their units are held at the source).
  check(
    `SELECT st.sku, st.location_id, st.reserved, COALESCE(r.q, 0) + COALESCE(t.q, 0) AS held FROM stock st
     LEFT JOIN (SELECT sku, location_id, SUM(quantity) AS q FROM reservations WHERE status = 'active' GROUP BY sku, location_id) r
       ON r.sku = st.sku AND r.location_id = st.location_id
     LEFT JOIN (SELECT sku, from_location_id AS location_id, SUM(quantity) AS q FROM transfers WHERE status = 'created' GROUP BY sku, from_location_id) t
       ON t.sku = st.sku AND t.location_id = st.location_id
     WHERE ${forSku('st.sku')} AND st.reserved != held`,
    (r) => `reserved ${r.sku} at ${r.location_id} is ${r.reserved}, but reservations and created transfers hold ${r.held}`,
  );
  check(
    `SELECT st.sku, st.location_id, st.in_transit, COALESCE(t.q, 0) AS shipped FROM stock st
     LEFT JOIN (SELECT sku, to_location_id AS location_id, SUM(quantity) AS q FROM transfers WHERE status = 'shipped' GROUP BY sku, to_location_id) t
       ON t.sku = st.sku AND t.location_id = st.location_id
     WHERE ${forSku('st.sku')} AND st.in_transit != shipped`,
    (r) => `in transit to ${r.location_id} of ${r.sku} is ${r.in_transit}, but shipped transfers carry ${r.shipped}`,
  );
  // Every bucket is the sum of its ledger entries.
  check(
    `SELECT st.sku, st.location_id, b.bucket, CASE b.bucket WHEN 'on_hand' THEN st.on_hand WHEN 'reserved' THEN st.reserved ELSE st.in_transit END AS value,
       COALESCE(m.total, 0) AS ledger
     FROM stock st CROSS JOIN (SELECT 'on_hand' AS bucket UNION ALL SELECT 'reserved' UNION ALL SELECT 'in_transit') b
     LEFT JOIN (SELECT sku, location_id, bucket, SUM(delta) AS total FROM movements GROUP BY sku, location_id, bucket) m
       ON m.sku = st.sku AND m.location_id = st.location_id AND m.bucket = b.bucket
     WHERE ${forSku('st.sku')} AND value != ledger`,
    (r) => `${r.bucket} of ${r.sku} at ${r.location_id} is ${r.value}, but the ledger sums to ${r.ledger}`,
  );
  // Lines: each commitment matches the records behind it and never exceeds what was ordered.
  check(
    `SELECT l.line_id, l.quantity, l.reserved_quantity, l.shipped_quantity, l.substituted_quantity, l.backordered_quantity, l.cancelled_quantity,
       COALESCE(r.active, 0) AS active, COALESCE(r.shipped, 0) AS shipped, COALESCE(r.substituted, 0) AS substituted, COALESCE(b.open, 0) AS open_backorders
     FROM demand_lines l
     LEFT JOIN (SELECT r.line_id,
         SUM(CASE WHEN r.sku = dl.sku AND r.status = 'active' THEN r.quantity ELSE 0 END) AS active,
         SUM(CASE WHEN r.sku = dl.sku AND r.status = 'shipped' THEN r.quantity ELSE 0 END) AS shipped,
         SUM(CASE WHEN r.sku != dl.sku AND r.status != 'released' THEN r.covers ELSE 0 END) AS substituted
       FROM reservations r JOIN demand_lines dl ON dl.line_id = r.line_id GROUP BY r.line_id) r ON r.line_id = l.line_id
     LEFT JOIN (SELECT line_id, SUM(open) AS open FROM backorders GROUP BY line_id) b ON b.line_id = l.line_id
     WHERE ${forSku('l.sku')} AND (l.reserved_quantity != active OR l.shipped_quantity != shipped
       OR l.substituted_quantity != substituted OR l.backordered_quantity != open_backorders
       OR l.reserved_quantity + l.shipped_quantity + l.substituted_quantity + l.backordered_quantity + l.cancelled_quantity > l.quantity)`,
    (r) =>
      `line ${r.line_id} (ordered ${r.quantity}) records reserved ${r.reserved_quantity}/shipped ${r.shipped_quantity}/substituted ${r.substituted_quantity}/` +
      `backordered ${r.backordered_quantity}/cancelled ${r.cancelled_quantity}; reservations and backorders say ${r.active}/${r.shipped}/${r.substituted}/${r.open_backorders}`,
  );
  check(`SELECT backorder_id, quantity, fulfilled, cancelled, open FROM backorders WHERE ${forSku()} AND fulfilled + cancelled + open != quantity`, (r) =>
    `backorder ${r.backorder_id}: fulfilled ${r.fulfilled} + cancelled ${r.cancelled} + open ${r.open} != ${r.quantity}`,
  );
  // Each key applied once: its ledger entries are exactly those its write recorded.
  check(
    `SELECT m.idempotency_key AS key, COUNT(*) AS entries, i.movements AS recorded FROM movements m
     LEFT JOIN idempotency i ON i.idempotency_key = m.idempotency_key WHERE ${forSku('m.sku')}
     GROUP BY m.idempotency_key HAVING recorded IS NULL OR (@sku IS NULL AND entries != recorded)`,
    (r) => `idempotency key ${r.key} has ${r.entries} ledger entries, its write recorded ${r.recorded ?? 'none'}`,
  );

  const total = (query: string) => (db.prepare(query).get({ sku: s }) as { n: number | null }).n ?? 0;
  const totals = {
    opening: total(`SELECT SUM(delta) AS n FROM movements WHERE kind = 'opening' AND bucket != 'reserved' AND ${forSku()}`),
    received: total(`SELECT SUM(quantity) AS n FROM receipts WHERE ${forSku()}`),
    shippedToCustomers: total(`SELECT SUM(quantity) AS n FROM shipments WHERE ${forSku()}`),
    onHand: total(`SELECT SUM(on_hand) AS n FROM stock WHERE ${forSku()}`),
    inTransit: total(`SELECT SUM(in_transit) AS n FROM stock WHERE ${forSku()}`),
    reserved: total(`SELECT SUM(reserved) AS n FROM stock WHERE ${forSku()}`),
    movements: total(`SELECT COUNT(*) AS n FROM movements WHERE ${forSku()}`),
    idempotentWrites: total('SELECT COUNT(*) AS n FROM idempotency'),
  };
  // Conservation: nothing appears or vanishes between opening, goods in and goods out.
  const expected = totals.opening + totals.received - totals.shippedToCustomers;
  if (totals.onHand + totals.inTransit !== expected) {
    issues.push(`on hand ${totals.onHand} + in transit ${totals.inTransit} != opening ${totals.opening} + received ${totals.received} - shipped ${totals.shippedToCustomers}`);
  }
  const shown = issues.slice(0, MAX_ISSUES);
  if (issues.length > MAX_ISSUES) shown.push(`… and ${issues.length - MAX_ISSUES} more`);
  return { balanced: issues.length === 0, issues: shown, totals };
}
