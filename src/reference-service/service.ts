// The reference inventory/order system and CRM: two Fastify instances (two base URLs, as two real
// systems would have) over one SQLite database. Runs in-process for tests, or on its own via ./main.
import type { AddressInfo } from 'node:net';
import { crmApi } from '../crm/api';
import type { Dataset } from '../dataset/generate';
import { loadDataset } from './seed';
import { inventoryApi } from '../inventory/api';
import { createCrmStore, type CrmStore } from './crm-store';
import { createFaultInjector, type FaultInjector, type FaultsInput } from './faults';
import { servedBy, type Handlers } from '../http/serve';
import { buildApp } from './http';
import { createInventoryStore, type InventoryStore } from './inventory-store';
import { openDatabase, type Db } from './schema';

export interface ReferenceServiceOptions {
  /** SQLite file; `:memory:` (the default) for tests. */
  dbFile?: string;
  /** Loaded once: a database that already holds it is left as it is. */
  dataset?: Dataset;
  faults?: FaultsInput;
  /** Inventory port; 0 (the default) picks a free one. */
  port?: number;
  crmPort?: number;
  host?: string;
  /** The service's clock, for receipts, shipments and log timestamps. */
  now?: () => Date;
  logger?: boolean;
}

export interface ReferenceService {
  inventoryUrl: string;
  crmUrl: string;
  db: Db;
  inventory: InventoryStore;
  crm: CrmStore;
  faults: FaultInjector;
  /** `METHOD /path` of every route each instance serves. */
  routes: { inventory: string[]; crm: string[] };
  close(): Promise<void>;
}

export function inventoryHandlers(store: InventoryStore): Handlers<typeof inventoryApi> {
  return {
    listLocations: () => store.listLocations(),
    getItem: ({ params }) => store.getItem(params.sku),
    getStockPositions: ({ params }) => store.getStockPositions(params.sku),
    listInbound: ({ params }) => store.listInbound(params.sku),
    listSubstitutes: ({ params }) => store.listSubstitutes(params.sku),
    ...servedBy(inventoryApi, store, [
      'updateInboundEta', 'recordReceipt', 'listReceipts', 'listCoverPositions', 'listDemandLines', 'listDemandLineChanges',
      'createDemandLine', 'changeDemandLineQuantity', 'cancelDemandLine',
      'createTransfer', 'shipTransfer', 'receiveTransfer', 'cancelTransfer', 'listTransfers',
      'createReservations', 'releaseReservations', 'releaseConfirmations', 'listReservations',
      'createBackorders', 'fulfilBackorders', 'cancelBackorders', 'listBackorders', 'releaseToShipping',
    ]),
    checkBooks: ({ query }) => store.checkBooks(query.sku),
  };
}

export function crmHandlers(store: CrmStore): Handlers<typeof crmApi> {
  return {
    getCustomers: ({ body }) => store.getCustomers(body.customerIds),
    getAccountManagers: ({ body }) => store.getAccountManagers(body.accountManagerIds),
    findCommunication: ({ query }) => store.findCommunication(query.messageId),
    findCommunications: ({ body }) => body.messageIds.map((messageId) => store.findCommunication(messageId)),
    ...servedBy(crmApi, store, ['recordCommunication', 'recordCommunications', 'listCommunications', 'grantCredit', 'grantCredits', 'listCredits', 'reportCustomerStock']),
  };
}

export async function startReferenceService(options: ReferenceServiceOptions = {}): Promise<ReferenceService> {
  const db = openDatabase(options.dbFile ?? ':memory:');
  const now = options.now ?? (() => new Date());
  if (options.dataset) loadDataset(db, options.dataset, now());
  const inventory = createInventoryStore(db, now);
  const crm = createCrmStore(db, now);
  const faults = createFaultInjector(options.faults);
  const host = options.host ?? '127.0.0.1';
  const { app: inventoryApp, routes: inventoryRoutes } = buildApp(
    { title: 'Inventory and orders (reference)', description: 'Stock, inbound, demand lines, transfers, reservations, backorders.', api: inventoryApi, handlers: inventoryHandlers(inventory) },
    faults,
    options.logger,
  );
  const { app: crmApp, routes: crmRoutes } = buildApp(
    { title: 'CRM (reference)', description: 'Customers, account managers, communications, credits.', api: crmApi, handlers: crmHandlers(crm) },
    faults,
    options.logger,
  );
  const urlOf = (app: typeof inventoryApp) => {
    const address = app.server.address() as AddressInfo;
    return `http://${host.includes(':') ? `[${host}]` : host}:${address.port}`;
  };
  try {
    await inventoryApp.listen({ port: options.port ?? 0, host });
    await crmApp.listen({ port: options.crmPort ?? 0, host });
  } catch (error) {
    await Promise.all([inventoryApp.close(), crmApp.close()]);
    db.close();
    throw error;
  }
  return {
    inventoryUrl: urlOf(inventoryApp),
    crmUrl: urlOf(crmApp),
    db,
    inventory,
    crm,
    faults,
    routes: { inventory: inventoryRoutes, crm: crmRoutes },
    async close() {
      faults.close();
      await Promise.all([inventoryApp.close(), crmApp.close()]);
      db.close();
    },
  };
}
