// The inventory system over HTTP, for activities: every reply validated against the contract, every
// failure an ApplicationFailure classified by src/http/errors.
import { createCaller, passingOn, type HttpClientOptions } from '../http/client';
import { inventoryApi as api } from './api';
import type { Reservation } from './contract';
import type { InventorySystem, OrderEntry } from './system';

const RESERVATION_PAGE = 1000;

export function createInventoryClient(options: HttpClientOptions): InventorySystem {
  const call = createCaller('inventory', options);
  return {
    ...passingOn(call, api, [
      'listLocations', 'updateInboundEta', 'recordReceipt', 'listReceipts', 'listCoverPositions', 'listDemandLines', 'listDemandLineChanges',
      'createTransfer', 'shipTransfer', 'receiveTransfer', 'cancelTransfer', 'listTransfers', 'createReservations', 'releaseReservations',
      'releaseConfirmations', 'createBackorders', 'fulfilBackorders', 'cancelBackorders', 'listBackorders', 'releaseToShipping',
    ]),
    getItem: (sku) => call('getItem', api.getItem, { params: { sku } }),
    getStockPositions: (sku) => call('getStockPositions', api.getStockPositions, { params: { sku } }),
    listInbound: (sku) => call('listInbound', api.listInbound, { params: { sku } }),
    listSubstitutes: (sku) => call('listSubstitutes', api.listSubstitutes, { params: { sku } }),
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
    checkBooks: (sku) => call('checkBooks', api.checkBooks, { query: { sku } }),
  };
}

/** Order entry over HTTP (the reference service's order-line routes), for tests and the demo. */
export function createOrderEntryClient(options: HttpClientOptions): OrderEntry {
  const call = createCaller('inventory', options);
  return passingOn(call, api, ['createDemandLine', 'changeDemandLineQuantity', 'cancelDemandLine']);
}
