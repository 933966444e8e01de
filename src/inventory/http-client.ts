// The inventory system over HTTP, for activities: every reply validated against the contract, every
// failure an ApplicationFailure classified by src/http/errors.
import { createCaller, type HttpClientOptions } from '../http/client';
import { inventoryApi as api } from './api';
import type { Reservation } from './contract';
import type { InventorySystem, OrderEntry } from './system';

const RESERVATION_PAGE = 1000;

export function createInventoryClient(options: HttpClientOptions): InventorySystem {
  const call = createCaller('inventory', options);
  return {
    listLocations: () => call('listLocations', api.listLocations),
    getItem: (sku) => call('getItem', api.getItem, { params: { sku } }),
    getStockPositions: (sku) => call('getStockPositions', api.getStockPositions, { params: { sku } }),
    listInbound: (sku) => call('listInbound', api.listInbound, { params: { sku } }),
    listSubstitutes: (sku) => call('listSubstitutes', api.listSubstitutes, { params: { sku } }),
    updateInboundEta: (body) => call('updateInboundEta', api.updateInboundEta, { body }),
    recordReceipt: (body) => call('recordReceipt', api.recordReceipt, { body }),
    listReceipts: (query) => call('listReceipts', api.listReceipts, { query }),
    listCoverPositions: (query) => call('listCoverPositions', api.listCoverPositions, { query }),
    listDemandLines: (query) => call('listDemandLines', api.listDemandLines, { query }),
    listDemandLineChanges: (query) => call('listDemandLineChanges', api.listDemandLineChanges, { query }),
    createTransfer: (body) => call('createTransfer', api.createTransfer, { body }),
    shipTransfer: (body) => call('shipTransfer', api.shipTransfer, { body }),
    receiveTransfer: (body) => call('receiveTransfer', api.receiveTransfer, { body }),
    cancelTransfer: (body) => call('cancelTransfer', api.cancelTransfer, { body }),
    listTransfers: (query) => call('listTransfers', api.listTransfers, { query }),
    createReservations: (body) => call('createReservations', api.createReservations, { body }),
    releaseReservations: (body) => call('releaseReservations', api.releaseReservations, { body }),
    releaseConfirmations: (body) => call('releaseConfirmations', api.releaseConfirmations, { body }),
    async listReservations(query) {
      const all: Reservation[] = [];
      let cursor: string | undefined;
      do {
        const page = await call('listReservations', api.listReservations, { query: { ...query, cursor, limit: RESERVATION_PAGE } });
        all.push(...page.reservations);
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return all;
    },
    createBackorders: (body) => call('createBackorders', api.createBackorders, { body }),
    fulfilBackorders: (body) => call('fulfilBackorders', api.fulfilBackorders, { body }),
    cancelBackorders: (body) => call('cancelBackorders', api.cancelBackorders, { body }),
    listBackorders: (query) => call('listBackorders', api.listBackorders, { query }),
    releaseToShipping: (body) => call('releaseToShipping', api.releaseToShipping, { body }),
    checkBooks: (sku) => call('checkBooks', api.checkBooks, { query: { sku } }),
  };
}

/** Order entry over HTTP (the reference service's order-line routes), for tests and the demo. */
export function createOrderEntryClient(options: HttpClientOptions): OrderEntry {
  const call = createCaller('inventory', options);
  return {
    createDemandLine: (body) => call('createDemandLine', api.createDemandLine, { body }),
    changeDemandLineQuantity: (body) => call('changeDemandLineQuantity', api.changeDemandLineQuantity, { body }),
    cancelDemandLine: (body) => call('cancelDemandLine', api.cancelDemandLine, { body }),
  };
}
