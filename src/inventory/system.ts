// What the workflow's activities need from an inventory/order system. The HTTP client implements it
// against any service that speaks the contract in ./contract (the reference service does).
import type * as Inventory from './contract';

/** Every write carries an idempotency key: the same key again returns the first result and changes nothing. */
export interface InventorySystem {
  listLocations(): Promise<Inventory.Location[]>;
  getItem(sku: string): Promise<Inventory.Item>;
  /** One position per location that stocks the SKU. */
  getStockPositions(sku: string): Promise<Inventory.StockPosition[]>;
  listInbound(sku: string): Promise<Inventory.PurchaseOrder[]>;
  updateInboundEta(request: Inventory.UpdateInboundEtaRequest): Promise<Inventory.PurchaseOrder>;
  /** Goods in: on hand rises at the location; with `poId`, the purchase order is received. */
  recordReceipt(request: Inventory.RecordReceiptRequest): Promise<Inventory.Receipt>;
  listReceipts(query: Inventory.ListReceiptsQuery): Promise<Inventory.Receipt[]>;
  /** Available stock and dated open demand per SKU of a network, for the threshold scan. */
  listCoverPositions(query: Inventory.ListCoverPositionsQuery): Promise<Inventory.CoverPositionPage>;
  /** Open lines ordered by lineId (keyset pagination, stable while writes happen). */
  listDemandLines(query: Inventory.ListDemandLinesQuery): Promise<Inventory.DemandLinePage>;
  /** Lines of the SKU in the network placed, changed or cancelled after the cursor (or `since`), oldest change first. */
  listDemandLineChanges(query: Inventory.ListDemandLineChangesQuery): Promise<Inventory.DemandLineChangePage>;
  listSubstitutes(sku: string): Promise<Inventory.Substitute[]>;

  /** Reserves the units at the source so they cannot be spent twice. */
  createTransfer(request: Inventory.CreateTransferRequest): Promise<Inventory.Transfer>;
  /** Source on hand falls, destination in transit rises. */
  shipTransfer(request: Inventory.TransferActionRequest): Promise<Inventory.Transfer>;
  /** Destination in transit falls, on hand rises. Only a shipped transfer can be received. */
  receiveTransfer(request: Inventory.TransferActionRequest): Promise<Inventory.Transfer>;
  /** Only a transfer not yet shipped can be cancelled; its reservation at the source is returned. */
  cancelTransfer(request: Inventory.TransferActionRequest): Promise<Inventory.Transfer>;
  listTransfers(query: { incidentId: string }): Promise<Inventory.Transfer[]>;

  /** Batch writes: at most 500 items, one transaction, one reply per item in order. */
  createReservations(request: Inventory.CreateReservationsRequest): Promise<Inventory.Reservation[]>;
  releaseReservations(request: Inventory.ReleaseReservationsRequest): Promise<Inventory.Reservation[]>;
  /** Lines' confirmations made before any incident released and their units moved to the hub, one reply per line in order. */
  releaseConfirmations(request: Inventory.ReleaseConfirmationsRequest): Promise<Inventory.ReleasedConfirmation[]>;
  /** Every reservation matching the filter (the client pages through them). */
  listReservations(query: { incidentId?: string; lineId?: string; status?: Inventory.ReservationStatus }): Promise<Inventory.Reservation[]>;
  createBackorders(request: Inventory.CreateBackordersRequest): Promise<Inventory.Backorder[]>;
  /** Reserves stock at `locationId` for the backorder's line and reduces its open quantity. */
  fulfilBackorders(request: Inventory.FulfilBackordersRequest): Promise<Inventory.Backorder[]>;
  cancelBackorders(request: Inventory.CancelBackordersRequest): Promise<Inventory.Backorder[]>;
  listBackorders(query: Inventory.ListBackordersQuery): Promise<Inventory.BackorderPage>;
  /** Reserved stock leaves the warehouse: on hand and reserved fall; a fully shipped line closes. */
  releaseToShipping(request: Inventory.ReleaseToShippingRequest): Promise<Inventory.Shipment[]>;

  /** Audit: no negative stock, reserved ≤ on hand, every unit accounted for in the movements ledger. */
  checkBooks(sku?: string): Promise<Inventory.BooksReport>;
}

/** Order entry: how customers' orders reach the order system. The product never writes orders; tests and the demo do. */
export interface OrderEntry {
  createDemandLine(request: Inventory.CreateDemandLineRequest): Promise<Inventory.DemandLineChange>;
  changeDemandLineQuantity(request: Inventory.ChangeDemandLineQuantityRequest): Promise<Inventory.DemandLineChange>;
  cancelDemandLine(request: Inventory.CancelDemandLineRequest): Promise<Inventory.DemandLineChange>;
}
