// The inventory/order system's contract: zod schemas are the single source of truth for the HTTP API,
// the client's reply validation, the reference service's request validation and the OpenAPI document.
import { z } from 'zod';

export const IdSchema = z.string().min(1).max(200);
export const IdempotencyKeySchema = z.string().min(1).max(300);
/** Calendar date, `YYYY-MM-DD`. */
export const DateSchema = z.iso.date();
export const TimestampSchema = z.iso.datetime({ offset: true });
const Units = z.number().int().min(0);
const PositiveUnits = z.number().int().positive();
const Money = z.number().finite();

/** Batch writes accept at most this many items; the whole batch is one transaction. */
export const MAX_BATCH = 500;
export const MAX_PAGE = 5000;

/** Whether the runtime knows the IANA time zone (e.g. `Europe/Berlin`). */
export function isTimeZone(value: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone: value });
    return true;
  } catch {
    return false;
  }
}

export const TimeZoneSchema = z.string().min(1).max(100).refine(isTimeZone, 'must be an IANA time zone such as Europe/Berlin');
/** A location without a time zone keeps UTC. */
export const DEFAULT_TIME_ZONE = 'UTC';

export const LocationSchema = z.object({
  locationId: IdSchema,
  /** A network has exactly one hub and any number of spokes. */
  network: IdSchema,
  kind: z.enum(['hub', 'spoke']),
  region: z.string(),
  name: z.string(),
  /** Where the location's calendar days begin and end (IANA); absent means DEFAULT_TIME_ZONE. */
  timeZone: TimeZoneSchema.optional(),
});

/** The network's hub; a network the inventory system has no hub for is one it does not know. */
export function hubOf<L extends Pick<Location, 'network' | 'kind'>>(locations: readonly L[], network: string): L | undefined {
  return locations.find((l) => l.network === network && l.kind === 'hub');
}

export const ItemSchema = z.object({
  sku: IdSchema,
  description: z.string(),
  packSize: PositiveUnits,
  unitPrice: Money.min(0),
  unitCost: Money.min(0),
});

export const StockPositionSchema = z.object({
  locationId: IdSchema,
  sku: IdSchema,
  onHand: Units,
  reserved: Units,
  /** A planning target, not a physical limit: reservations may dip into it. */
  safetyStock: Units,
  /** Units shipped to this location by transfers and not yet received. */
  inTransit: Units,
});

export const PurchaseOrderStatusSchema = z.enum(['open', 'received', 'cancelled']);
export const PurchaseOrderSchema = z.object({
  poId: IdSchema,
  sku: IdSchema,
  locationId: IdSchema,
  quantity: PositiveUnits,
  receivedQuantity: Units,
  eta: DateSchema,
  status: PurchaseOrderStatusSchema,
});

export const ReceiptSchema = z.object({
  receiptId: IdSchema,
  sku: IdSchema,
  locationId: IdSchema,
  quantity: PositiveUnits,
  poId: IdSchema.nullable(),
  receivedAt: TimestampSchema,
});

export const DemandLineSchema = z.object({
  lineId: IdSchema,
  orderId: IdSchema,
  customerId: IdSchema,
  sku: IdSchema,
  /** The location that ships the line. */
  locationId: IdSchema,
  /** Still to ship: ordered less shipped, cancelled and substituted (an open line has some). */
  quantity: PositiveUnits,
  /** Units of this SKU already reserved for the line (confirmations made before or during an incident). */
  reservedQuantity: Units,
  requestedDate: DateSchema,
  orderDate: DateSchema,
  unitPrice: Money,
  unitMargin: Money,
  packSize: PositiveUnits,
  partialAllowed: z.boolean(),
  substitutesAllowed: z.boolean(),
});

/** What a customer did to an order line in the order system: placed it, changed its ordered quantity, or cancelled what is left of it. */
export const DemandLineChangeKindSchema = z.enum(['created', 'quantity-changed', 'cancelled']);
/**
 * A demand line as it stands after its latest order change. A line changed several times since a cursor is
 * listed once, at its latest revision. Lowering a line below what is committed to it (a cancellation, or a
 * smaller ordered quantity) gives back its open backordered units first, then its reservations (newest first):
 * the freed stock is free again, and the line's commitments never exceed what is still ordered.
 */
export const DemandLineChangeSchema = DemandLineSchema.extend({
  change: DemandLineChangeKindSchema,
  /** The line's order revision: 1 when placed, one more with each change since. */
  revision: PositiveUnits,
  changedAt: TimestampSchema,
  /** Ordered now, after the change. */
  orderedQuantity: PositiveUnits,
  /** Still to ship: ordered less shipped, cancelled and substituted (0 once the line is cancelled). */
  quantity: Units,
  /** Units of the line open on backorders. */
  backorderedQuantity: Units,
});

export const TransferStatusSchema = z.enum(['created', 'shipped', 'received', 'cancelled']);
export const TransferSchema = z.object({
  transferId: IdSchema,
  incidentId: IdSchema,
  sku: IdSchema,
  fromLocationId: IdSchema,
  toLocationId: IdSchema,
  quantity: PositiveUnits,
  status: TransferStatusSchema,
});

export const SubstituteSchema = z.object({
  sku: IdSchema,
  substituteSku: IdSchema,
  /** Units of the substitute that replace one unit of `sku`. */
  ratio: z.number().positive(),
  /** Unit price of the substitute minus that of `sku`. */
  priceDelta: Money,
});

export const ReservationStatusSchema = z.enum(['active', 'released', 'shipped']);
export const ReservationSchema = z.object({
  reservationId: IdSchema,
  /** Null for confirmations made before any incident. */
  incidentId: IdSchema.nullable(),
  lineId: IdSchema,
  /** The line's SKU, or a substitute's. */
  sku: IdSchema,
  locationId: IdSchema,
  quantity: PositiveUnits,
  status: ReservationStatusSchema,
});

export const BackorderStatusSchema = z.enum(['open', 'closed']);
export const BackorderSchema = z.object({
  backorderId: IdSchema,
  incidentId: IdSchema,
  lineId: IdSchema,
  customerId: IdSchema,
  sku: IdSchema,
  /** quantity = fulfilled + cancelled + open. */
  quantity: PositiveUnits,
  fulfilled: Units,
  cancelled: Units,
  open: Units,
  expectedDate: DateSchema.nullable(),
  status: BackorderStatusSchema,
});

export const ShipmentSchema = z.object({
  shipmentId: IdSchema,
  reservationId: IdSchema,
  lineId: IdSchema,
  sku: IdSchema,
  locationId: IdSchema,
  quantity: PositiveUnits,
  shippedAt: TimestampSchema,
});

export const BooksReportSchema = z.object({
  balanced: z.boolean(),
  issues: z.array(z.string()),
  totals: z.object({
    /** Opening balances (on hand + in transit) loaded with the data set. */
    opening: Units,
    received: Units,
    shippedToCustomers: Units,
    onHand: Units,
    inTransit: Units,
    reserved: Units,
    movements: Units,
    idempotentWrites: Units,
  }),
});

/**
 * Substitute units that may ship for `covers` units of the short SKU at `ratio` substitute units each: at
 * least ceil(covers × ratio), at most that rounded up to the substitute's pack (what the allocation engine
 * ships). Ratios are decimals: a product like 10 × 0.3 must not round up to an extra unit.
 */
export function substituteQuantityBounds(covers: number, ratio: number, packSize: number): { least: number; most: number } {
  const least = Math.ceil(covers * ratio - 1e-9);
  return { least, most: Math.ceil(least / packSize) * packSize };
}

// ---- requests ----

const Keyed = { idempotencyKey: IdempotencyKeySchema };
const batchOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item).min(1).max(MAX_BATCH) });
const Cursor = z.string().min(1).max(500);
const Limit = z.coerce.number().int().min(1).max(MAX_PAGE);

export const UpdateInboundEtaRequestSchema = z.object({ ...Keyed, poId: IdSchema, eta: DateSchema });

export const RecordReceiptRequestSchema = z.object({
  ...Keyed,
  sku: IdSchema,
  locationId: IdSchema,
  quantity: PositiveUnits,
  poId: IdSchema.optional(),
});

export const ListReceiptsQuerySchema = z.object({ sku: IdSchema, since: TimestampSchema.optional() });

export const ListDemandLinesQuerySchema = z.object({ sku: IdSchema, cursor: Cursor.optional(), limit: Limit });
export const DemandLinePageSchema = z.object({ lines: z.array(DemandLineSchema), nextCursor: Cursor.nullable() });

export const ListDemandLineChangesQuerySchema = z.object({
  sku: IdSchema,
  /** Lines shipped from this network's locations only. */
  network: IdSchema,
  /** Changes after this position (a `cursor` or `nextCursor` of an earlier page). */
  cursor: Cursor.optional(),
  /** Without a cursor: changes made at or after this instant (without either, every change). */
  since: TimestampSchema.optional(),
  limit: Limit,
});
export const DemandLineChangePageSchema = z.object({
  /** Oldest change first. */
  changes: z.array(DemandLineChangeSchema),
  /** Another page follows now: read it with this cursor. */
  nextCursor: Cursor.nullable(),
  /** The position after this page (the given one when it is empty): keep it to read later changes. */
  cursor: Cursor,
});

/** Placing an order line (what the order system's order entry does; the reference service's test and admin route). */
export const CreateDemandLineRequestSchema = z.object({
  ...Keyed,
  /** Assigned by the service when absent. */
  lineId: IdSchema.optional(),
  orderId: IdSchema,
  customerId: IdSchema,
  sku: IdSchema,
  locationId: IdSchema,
  quantity: PositiveUnits,
  requestedDate: DateSchema,
  /** The service's today when absent. */
  orderDate: DateSchema.optional(),
  unitPrice: Money.min(0),
  unitMargin: Money.default(0),
  /** The item's pack size when absent. */
  packSize: PositiveUnits.optional(),
  partialAllowed: z.boolean().default(true),
  substitutesAllowed: z.boolean().default(true),
});
export const ChangeDemandLineQuantityRequestSchema = z.object({
  ...Keyed,
  lineId: IdSchema,
  /** The new ordered quantity: at least what was already shipped, substituted or cancelled. */
  quantity: PositiveUnits,
});
export const CancelDemandLineRequestSchema = z.object({ ...Keyed, lineId: IdSchema });

export const CreateTransferRequestSchema = z.object({
  ...Keyed,
  incidentId: IdSchema,
  sku: IdSchema,
  fromLocationId: IdSchema,
  toLocationId: IdSchema,
  quantity: PositiveUnits,
});
export const TransferActionRequestSchema = z.object({ ...Keyed, transferId: IdSchema });
export const ListTransfersQuerySchema = z.object({ incidentId: IdSchema });

export const ReservationItemSchema = z.object({
  ...Keyed,
  /** Null gives a line back a confirmation of its own, outside any incident (a cancelled incident does). */
  incidentId: IdSchema.nullable(),
  lineId: IdSchema,
  /** The line's SKU, or a catalogued substitute for it (only on a line that allows substitutes). */
  sku: IdSchema,
  locationId: IdSchema,
  /** Units of `sku` reserved. */
  quantity: PositiveUnits,
  /**
   * Units of the line's SKU a substitute stands in for: required with a substitute, at most what the line
   * still needs, and `quantity` must lie within substituteQuantityBounds. For the line's own SKU, leave it
   * out (or give `quantity`).
   */
  covers: PositiveUnits.optional(),
});
export const CreateReservationsRequestSchema = batchOf(ReservationItemSchema);
export const ReleaseReservationsRequestSchema = batchOf(z.object({ ...Keyed, reservationId: IdSchema }));
/**
 * Gives back a line's confirmations made before any incident (incidentId null) of `sku`, for an incident that
 * shares their units: each is released, and the units of those held away from `hubId` move there (a transfer
 * of the incident, created, shipped and received). Once per item key, the batch in one transaction.
 */
export const ReleaseConfirmationsRequestSchema = batchOf(z.object({ ...Keyed, incidentId: IdSchema, lineId: IdSchema, sku: IdSchema, hubId: IdSchema }));
export const ReleasedConfirmationSchema = z.object({
  lineId: IdSchema,
  /** The confirmations released (none when the line had none left). */
  released: z.array(ReservationSchema),
  /** The moves of released units to the hub, received. */
  transfers: z.array(TransferSchema),
});
export const ListReservationsQuerySchema = z
  .object({
    incidentId: IdSchema.optional(),
    lineId: IdSchema.optional(),
    status: ReservationStatusSchema.optional(),
    cursor: Cursor.optional(),
    limit: Limit,
  })
  .refine((q) => q.incidentId !== undefined || q.lineId !== undefined, { message: 'give incidentId or lineId', path: ['incidentId'] });
export const ReservationPageSchema = z.object({ reservations: z.array(ReservationSchema), nextCursor: Cursor.nullable() });

export const BackorderItemSchema = z.object({
  ...Keyed,
  incidentId: IdSchema,
  lineId: IdSchema,
  customerId: IdSchema,
  sku: IdSchema,
  quantity: PositiveUnits,
  expectedDate: DateSchema.optional(),
});
export const CreateBackordersRequestSchema = batchOf(BackorderItemSchema);
export const FulfilBackordersRequestSchema = batchOf(
  z.object({
    ...Keyed,
    backorderId: IdSchema,
    /** Backordered units fulfilled. */
    quantity: PositiveUnits,
    locationId: IdSchema,
    /** Fulfil with a substitute instead: `quantity` units of this SKU stand in for the fulfilled units (substituteQuantityBounds). */
    substitute: z.object({ sku: IdSchema, quantity: PositiveUnits }).optional(),
  }),
);
export const CancelBackordersRequestSchema = batchOf(
  z.object({
    ...Keyed,
    backorderId: IdSchema,
    /** Without `quantity`, everything still open is cancelled. */
    quantity: PositiveUnits.optional(),
    /**
     * The backorder is withdrawn, not cancelled by the customer: its units go back to the order line as open
     * demand (an incident that was called off). By default the customer cancelled and the line asks for less.
     */
    withdraw: z.boolean().optional(),
  }),
);
export const ListBackordersQuerySchema = z.object({
  incidentId: IdSchema.optional(),
  sku: IdSchema.optional(),
  status: BackorderStatusSchema.optional(),
  cursor: Cursor.optional(),
  limit: Limit,
});
export const BackorderPageSchema = z.object({ backorders: z.array(BackorderSchema), nextCursor: Cursor.nullable() });

export const ReleaseToShippingRequestSchema = batchOf(z.object({ ...Keyed, reservationId: IdSchema }));

export const CheckBooksQuerySchema = z.object({ sku: IdSchema.optional() });

/** The figures a threshold scan projects cover from, one SKU of a network at a time (keyset pages by SKU). */
export const ListCoverPositionsQuerySchema = z.object({
  network: IdSchema,
  /** Open demand requested up to this date counts (earlier dates, overdue ones included). */
  requestedUntil: DateSchema,
  cursor: Cursor.optional(),
  limit: Limit,
});
export const CoverPositionSchema = z.object({
  sku: IdSchema,
  /** On hand + in transit − reserved − safety stock, each location counted from zero, summed over the network. */
  available: Units,
  /** Unreserved units still to ship on open lines, by requested date, oldest first. */
  demandByDate: z.array(z.object({ date: DateSchema, quantity: PositiveUnits })),
  nextInboundEta: DateSchema.nullable(),
});
export const CoverPositionPageSchema = z.object({ positions: z.array(CoverPositionSchema), nextCursor: Cursor.nullable() });

export type Location = z.infer<typeof LocationSchema>;
export type Item = z.infer<typeof ItemSchema>;
export type StockPosition = z.infer<typeof StockPositionSchema>;
export type PurchaseOrder = z.infer<typeof PurchaseOrderSchema>;
export type Receipt = z.infer<typeof ReceiptSchema>;
export type DemandLine = z.infer<typeof DemandLineSchema>;
export type Transfer = z.infer<typeof TransferSchema>;
export type TransferStatus = z.infer<typeof TransferStatusSchema>;
export type Substitute = z.infer<typeof SubstituteSchema>;
export type Reservation = z.infer<typeof ReservationSchema>;
export type ReservationStatus = z.infer<typeof ReservationStatusSchema>;
export type Backorder = z.infer<typeof BackorderSchema>;
export type CoverPosition = z.infer<typeof CoverPositionSchema>;
export type CoverPositionPage = z.infer<typeof CoverPositionPageSchema>;
export type ListCoverPositionsQuery = z.infer<typeof ListCoverPositionsQuerySchema>;
export type Shipment = z.infer<typeof ShipmentSchema>;
export type BooksReport = z.infer<typeof BooksReportSchema>;

export type UpdateInboundEtaRequest = z.infer<typeof UpdateInboundEtaRequestSchema>;
export type RecordReceiptRequest = z.infer<typeof RecordReceiptRequestSchema>;
export type ListReceiptsQuery = z.infer<typeof ListReceiptsQuerySchema>;
export type ListDemandLinesQuery = z.infer<typeof ListDemandLinesQuerySchema>;
export type DemandLinePage = z.infer<typeof DemandLinePageSchema>;
export type DemandLineChange = z.infer<typeof DemandLineChangeSchema>;
export type ListDemandLineChangesQuery = z.infer<typeof ListDemandLineChangesQuerySchema>;
export type DemandLineChangePage = z.infer<typeof DemandLineChangePageSchema>;
export type CreateDemandLineRequest = z.input<typeof CreateDemandLineRequestSchema>;
export type ChangeDemandLineQuantityRequest = z.infer<typeof ChangeDemandLineQuantityRequestSchema>;
export type CancelDemandLineRequest = z.infer<typeof CancelDemandLineRequestSchema>;
export type CreateTransferRequest = z.infer<typeof CreateTransferRequestSchema>;
export type TransferActionRequest = z.infer<typeof TransferActionRequestSchema>;
export type ReservationItem = z.infer<typeof ReservationItemSchema>;
export type CreateReservationsRequest = z.infer<typeof CreateReservationsRequestSchema>;
export type ReleaseReservationsRequest = z.infer<typeof ReleaseReservationsRequestSchema>;
export type ReleaseConfirmationsRequest = z.infer<typeof ReleaseConfirmationsRequestSchema>;
export type ReleasedConfirmation = z.infer<typeof ReleasedConfirmationSchema>;
export type ListReservationsQuery = z.infer<typeof ListReservationsQuerySchema>;
export type ReservationPage = z.infer<typeof ReservationPageSchema>;
export type BackorderItem = z.infer<typeof BackorderItemSchema>;
export type CreateBackordersRequest = z.infer<typeof CreateBackordersRequestSchema>;
export type FulfilBackordersRequest = z.infer<typeof FulfilBackordersRequestSchema>;
export type CancelBackordersRequest = z.infer<typeof CancelBackordersRequestSchema>;
export type ListBackordersQuery = z.infer<typeof ListBackordersQuerySchema>;
export type BackorderPage = z.infer<typeof BackorderPageSchema>;
export type ReleaseToShippingRequest = z.infer<typeof ReleaseToShippingRequestSchema>;
