// What the workflow's activities need from an inventory/order system. The HTTP client implements it
// against any service that speaks the contract in ./contract (the reference service does).
import type {
  Backorder,
  BackorderPage,
  BooksReport,
  CancelBackordersRequest,
  CancelDemandLineRequest,
  ChangeDemandLineQuantityRequest,
  CoverPositionPage,
  CreateBackordersRequest,
  CreateDemandLineRequest,
  CreateReservationsRequest,
  CreateTransferRequest,
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
  Location,
  PurchaseOrder,
  Receipt,
  RecordReceiptRequest,
  ReleaseReservationsRequest,
  ReleaseToShippingRequest,
  Reservation,
  ReservationStatus,
  Shipment,
  StockPosition,
  Substitute,
  Transfer,
  TransferActionRequest,
  UpdateInboundEtaRequest,
} from './contract';

/** Every write carries an idempotency key: the same key again returns the first result and changes nothing. */
export interface InventorySystem {
  listLocations(): Promise<Location[]>;
  getItem(sku: string): Promise<Item>;
  /** One position per location that stocks the SKU. */
  getStockPositions(sku: string): Promise<StockPosition[]>;
  listInbound(sku: string): Promise<PurchaseOrder[]>;
  updateInboundEta(request: UpdateInboundEtaRequest): Promise<PurchaseOrder>;
  /** Goods in: on hand rises at the location; with `poId`, the purchase order is received. */
  recordReceipt(request: RecordReceiptRequest): Promise<Receipt>;
  listReceipts(query: ListReceiptsQuery): Promise<Receipt[]>;
  /** Available stock and dated open demand per SKU of a network, for the threshold scan. */
  listCoverPositions(query: ListCoverPositionsQuery): Promise<CoverPositionPage>;
  /** Open lines ordered by lineId (keyset pagination, stable while writes happen). */
  listDemandLines(query: ListDemandLinesQuery): Promise<DemandLinePage>;
  /** Lines of the SKU in the network placed, changed or cancelled after the cursor (or `since`), oldest change first. */
  listDemandLineChanges(query: ListDemandLineChangesQuery): Promise<DemandLineChangePage>;
  listSubstitutes(sku: string): Promise<Substitute[]>;

  /** Reserves the units at the source so they cannot be spent twice. */
  createTransfer(request: CreateTransferRequest): Promise<Transfer>;
  /** Source on hand falls, destination in transit rises. */
  shipTransfer(request: TransferActionRequest): Promise<Transfer>;
  /** Destination in transit falls, on hand rises. Only a shipped transfer can be received. */
  receiveTransfer(request: TransferActionRequest): Promise<Transfer>;
  /** Only a transfer not yet shipped can be cancelled; its reservation at the source is returned. */
  cancelTransfer(request: TransferActionRequest): Promise<Transfer>;
  listTransfers(query: { incidentId: string }): Promise<Transfer[]>;

  /** Batch writes: at most 500 items, one transaction, one reply per item in order. */
  createReservations(request: CreateReservationsRequest): Promise<Reservation[]>;
  releaseReservations(request: ReleaseReservationsRequest): Promise<Reservation[]>;
  /** Every reservation matching the filter (the client pages through them). */
  listReservations(query: { incidentId?: string; lineId?: string; status?: ReservationStatus }): Promise<Reservation[]>;
  createBackorders(request: CreateBackordersRequest): Promise<Backorder[]>;
  /** Reserves stock at `locationId` for the backorder's line and reduces its open quantity. */
  fulfilBackorders(request: FulfilBackordersRequest): Promise<Backorder[]>;
  cancelBackorders(request: CancelBackordersRequest): Promise<Backorder[]>;
  listBackorders(query: ListBackordersQuery): Promise<BackorderPage>;
  /** Reserved stock leaves the warehouse: on hand and reserved fall; a fully shipped line closes. */
  releaseToShipping(request: ReleaseToShippingRequest): Promise<Shipment[]>;

  /** Audit: no negative stock, reserved ≤ on hand, every unit accounted for in the movements ledger. */
  checkBooks(sku?: string): Promise<BooksReport>;
}

/** Order entry: how customers' orders reach the order system. The product never writes orders; tests and the demo do. */
export interface OrderEntry {
  createDemandLine(request: CreateDemandLineRequest): Promise<DemandLineChange>;
  changeDemandLineQuantity(request: ChangeDemandLineQuantityRequest): Promise<DemandLineChange>;
  cancelDemandLine(request: CancelDemandLineRequest): Promise<DemandLineChange>;
}
