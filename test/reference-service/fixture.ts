// A small hand-made data set whose numbers a test can reason about, and helpers to run the reference
// service with HTTP clients against it.
import { createCrmClient } from '../../src/crm/http-client';
import type { Dataset } from '../../src/dataset/generate';
import type { DemandLine } from '../../src/inventory/contract';
import { createInventoryClient } from '../../src/inventory/http-client';
import { startReferenceService, type ReferenceServiceOptions } from '../../src/reference-service/service';

const line = (lineId: string, customerId: string, quantity: number, extra: Partial<DemandLine> = {}): DemandLine => ({
  lineId,
  orderId: `SO-${lineId}`,
  customerId,
  sku: 'A',
  locationId: 'N-S1',
  quantity,
  reservedQuantity: 0,
  requestedDate: '2026-12-01',
  orderDate: '2026-11-20',
  unitPrice: 10,
  unitMargin: 3,
  packSize: 1,
  partialAllowed: true,
  substitutesAllowed: true,
  ...extra,
});

/**
 * Hub N-HUB and spoke N-S1. SKU A: hub on hand 100 (10 reserved for L1), spoke 50; B substitutes A
 * two for one, 40 at the hub. Customers C1 (L1, L2) and C2 (L3), both with account manager AM-1.
 */
export function tinyDataset(): Dataset {
  return {
    seed: 1,
    asOf: '2026-11-24',
    network: 'N',
    shortage: { skus: ['A'], coverPercent: 50 },
    locations: [
      { locationId: 'N-HUB', network: 'N', kind: 'hub', region: 'central', name: 'Hub' },
      { locationId: 'N-S1', network: 'N', kind: 'spoke', region: 'north', name: 'Spoke 1' },
      { locationId: 'M-HUB', network: 'M', kind: 'hub', region: 'central', name: 'Other network hub' },
    ],
    items: [
      { sku: 'A', description: 'gloves', packSize: 1, unitPrice: 10, unitCost: 7 },
      { sku: 'B', description: 'gloves, half size', packSize: 1, unitPrice: 6, unitCost: 4 },
      { sku: 'C', description: 'goggles', packSize: 1, unitPrice: 20, unitCost: 12 },
    ],
    stock: [
      { sku: 'A', locationId: 'N-HUB', onHand: 100, reserved: 10, safetyStock: 5, inTransit: 0 },
      { sku: 'A', locationId: 'N-S1', onHand: 50, reserved: 0, safetyStock: 5, inTransit: 0 },
      { sku: 'B', locationId: 'N-HUB', onHand: 40, reserved: 0, safetyStock: 0, inTransit: 0 },
      { sku: 'A', locationId: 'M-HUB', onHand: 30, reserved: 0, safetyStock: 0, inTransit: 0 },
    ],
    substitutes: [{ sku: 'A', substituteSku: 'B', ratio: 2, priceDelta: 2 }],
    purchaseOrders: [
      { poId: 'PO-1', sku: 'A', locationId: 'N-HUB', quantity: 60, receivedQuantity: 0, eta: '2026-12-08', status: 'open' },
      { poId: 'PO-2', sku: 'A', locationId: 'N-HUB', quantity: 40, receivedQuantity: 0, eta: '2026-12-22', status: 'open' },
    ],
    demandLines: [
      line('L1', 'C1', 30, { locationId: 'N-HUB', reservedQuantity: 10 }),
      line('L2', 'C1', 20),
      line('L3', 'C2', 80, { partialAllowed: false }),
    ],
    customers: [
      {
        customerId: 'C1',
        name: 'Alpine Care <Clinics> & Co',
        stage: 'integrated',
        critical: true,
        acceptsSubstitutes: true,
        acceptsPartial: true,
        contacts: [{ name: 'Anna Berg', email: 'anna@c1.example' }],
        locale: 'de-DE',
        timeZone: 'Europe/Berlin',
        accountManagerId: 'AM-1',
        revenue12m: 500000,
        margin12m: 90000,
        reportedStock: [{ sku: 'A', quantity: 12, dailyUsage: 3, reportedAt: '2026-11-23T08:00:00.000Z' }],
      },
      {
        customerId: 'C2',
        name: 'Baltic Hardware',
        stage: 'basic',
        critical: false,
        acceptsSubstitutes: false,
        acceptsPartial: false,
        contacts: [{ name: 'Ben Costa', email: 'ben@c2.example' }],
        locale: null,
        timeZone: null,
        accountManagerId: 'AM-1',
        revenue12m: 20000,
        margin12m: 3000,
        reportedStock: [],
      },
    ],
    accountManagers: [{ accountManagerId: 'AM-1', name: 'Clara Dubois', email: 'clara@supplier.example', accountIds: ['C1', 'C2'] }],
  };
}

export async function startWithClients(options: ReferenceServiceOptions = {}, timeoutMs = 2_000) {
  const service = await startReferenceService({ dataset: tinyDataset(), ...options });
  return {
    service,
    inventory: createInventoryClient({ baseUrl: service.inventoryUrl, timeoutMs }),
    crm: createCrmClient({ baseUrl: service.crmUrl, timeoutMs }),
  };
}

/** The rejection a promise ends with (fails the test if it resolves). */
export async function failureOf(promise: Promise<unknown>): Promise<Error & { type?: string; nonRetryable?: boolean; details?: unknown[] }> {
  try {
    await promise;
  } catch (error) {
    return error as Error & { type?: string; nonRetryable?: boolean; details?: unknown[] };
  }
  throw new Error('expected the call to fail, it succeeded');
}

/** POSTs raw JSON, bypassing the client, to see the service's own answer. */
export async function post(baseUrl: string, path: string, body: unknown, method = 'POST') {
  const response = await fetch(baseUrl + path, { method, headers: { 'content-type': 'application/json' }, body: typeof body === 'string' ? body : JSON.stringify(body) });
  return { status: response.status, body: (await response.json()) as { error: string; issues?: { path: string; message: string }[] } };
}
