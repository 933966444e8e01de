// The inventory system's HTTP API: one table of endpoints shared by the client, the reference service
// and the OpenAPI document.
import { z } from 'zod';
import { endpoints } from '../http/endpoint';
import * as c from './contract';

const Sku = z.object({ sku: c.IdSchema });
const CONFLICT = 'The idempotency key was used with a different body, or the record is in a state that forbids the write (see `error`).';
const UNKNOWN = 'A referenced SKU, location, line, transfer, reservation or backorder does not exist.';
const INVARIANT =
  'The write would break an invariant (stock below zero, reserving more than is free, committing more of a line than was ordered, ' +
  'fulfilling more than is backordered, a substitute that does not fit the line): `error` says which, `issues` names the field when one is at fault.';
const WRITE_ERRORS = { 404: UNKNOWN, 409: CONFLICT, 422: INVARIANT };

export const inventoryApi = endpoints({
  listLocations: { method: 'GET', path: '/locations', summary: 'Hubs and spokes of every network', reply: z.array(c.LocationSchema) },
  getItem: { method: 'GET', path: '/items/:sku', summary: 'One catalogue item', params: Sku, reply: c.ItemSchema, errors: { 404: UNKNOWN } },
  getStockPositions: {
    method: 'GET',
    path: '/items/:sku/stock',
    summary: 'Stock of a SKU per location',
    params: Sku,
    reply: z.array(c.StockPositionSchema),
    errors: { 404: UNKNOWN },
  },
  listInbound: {
    method: 'GET',
    path: '/items/:sku/inbound',
    summary: 'Purchase orders of a SKU',
    params: Sku,
    reply: z.array(c.PurchaseOrderSchema),
    errors: { 404: UNKNOWN },
  },
  listSubstitutes: {
    method: 'GET',
    path: '/items/:sku/substitutes',
    summary: 'Equivalent SKUs with conversion ratio and price delta',
    params: Sku,
    reply: z.array(c.SubstituteSchema),
    errors: { 404: UNKNOWN },
  },
  updateInboundEta: {
    method: 'POST',
    path: '/purchase-orders/eta',
    summary: 'Change the ETA of an open purchase order',
    body: c.UpdateInboundEtaRequestSchema,
    reply: c.PurchaseOrderSchema,
    errors: WRITE_ERRORS,
  },
  recordReceipt: {
    method: 'POST',
    path: '/receipts',
    summary: 'Goods in: on hand rises at the location',
    body: c.RecordReceiptRequestSchema,
    reply: c.ReceiptSchema,
    errors: WRITE_ERRORS,
  },
  listCoverPositions: {
    method: 'GET',
    path: '/cover-positions',
    summary: 'Available stock and open demand by requested date for every SKU of a network, paged by SKU',
    query: c.ListCoverPositionsQuerySchema,
    reply: c.CoverPositionPageSchema,
  },
  listReceipts: { method: 'GET', path: '/receipts', summary: 'Receipts of a SKU, oldest first', query: c.ListReceiptsQuerySchema, reply: z.array(c.ReceiptSchema) },
  listDemandLines: {
    method: 'GET',
    path: '/demand-lines',
    summary: 'Open demand lines of a SKU, by lineId (keyset pagination)',
    query: c.ListDemandLinesQuerySchema,
    reply: c.DemandLinePageSchema,
  },
  createTransfer: {
    method: 'POST',
    path: '/transfers',
    summary: 'Create a transfer; its units are reserved at the source',
    body: c.CreateTransferRequestSchema,
    reply: c.TransferSchema,
    errors: WRITE_ERRORS,
  },
  shipTransfer: {
    method: 'POST',
    path: '/transfers/ship',
    summary: 'Ship a created transfer',
    body: c.TransferActionRequestSchema,
    reply: c.TransferSchema,
    errors: WRITE_ERRORS,
  },
  receiveTransfer: {
    method: 'POST',
    path: '/transfers/receive',
    summary: 'Receive a shipped transfer at its destination',
    body: c.TransferActionRequestSchema,
    reply: c.TransferSchema,
    errors: WRITE_ERRORS,
  },
  cancelTransfer: {
    method: 'POST',
    path: '/transfers/cancel',
    summary: 'Cancel a transfer not yet shipped',
    body: c.TransferActionRequestSchema,
    reply: c.TransferSchema,
    errors: WRITE_ERRORS,
  },
  listTransfers: { method: 'GET', path: '/transfers', summary: 'Transfers of an incident', query: c.ListTransfersQuerySchema, reply: z.array(c.TransferSchema) },
  createReservations: {
    method: 'POST',
    path: '/reservations/batch',
    summary: 'Reserve stock for demand lines (≤ 500 per call, one transaction)',
    body: c.CreateReservationsRequestSchema,
    reply: z.array(c.ReservationSchema),
    errors: WRITE_ERRORS,
  },
  releaseReservations: {
    method: 'POST',
    path: '/reservations/release',
    summary: 'Release active reservations (≤ 500 per call)',
    body: c.ReleaseReservationsRequestSchema,
    reply: z.array(c.ReservationSchema),
    errors: WRITE_ERRORS,
  },
  listReservations: {
    method: 'GET',
    path: '/reservations',
    summary: 'Reservations of an incident or a line, by reservationId',
    query: c.ListReservationsQuerySchema,
    reply: c.ReservationPageSchema,
  },
  createBackorders: {
    method: 'POST',
    path: '/backorders/batch',
    summary: 'Backorder units of demand lines (≤ 500 per call)',
    body: c.CreateBackordersRequestSchema,
    reply: z.array(c.BackorderSchema),
    errors: WRITE_ERRORS,
  },
  fulfilBackorders: {
    method: 'POST',
    path: '/backorders/fulfil',
    summary: 'Reserve stock for backorders and reduce what is open (≤ 500 per call)',
    body: c.FulfilBackordersRequestSchema,
    reply: z.array(c.BackorderSchema),
    errors: WRITE_ERRORS,
  },
  cancelBackorders: {
    method: 'POST',
    path: '/backorders/cancel',
    summary: 'Cancel open backordered units (≤ 500 per call)',
    body: c.CancelBackordersRequestSchema,
    reply: z.array(c.BackorderSchema),
    errors: WRITE_ERRORS,
  },
  listBackorders: {
    method: 'GET',
    path: '/backorders',
    summary: 'Backorders by incident, SKU or status, by backorderId',
    query: c.ListBackordersQuerySchema,
    reply: c.BackorderPageSchema,
  },
  releaseToShipping: {
    method: 'POST',
    path: '/shipments/batch',
    summary: 'Ship reserved stock (≤ 500 per call); a fully shipped line closes',
    body: c.ReleaseToShippingRequestSchema,
    reply: z.array(c.ShipmentSchema),
    errors: WRITE_ERRORS,
  },
  checkBooks: {
    method: 'GET',
    path: '/books',
    summary: 'Audit: stock, reservations, transfers and the movements ledger agree',
    query: c.CheckBooksQuerySchema,
    reply: c.BooksReportSchema,
  },
});
