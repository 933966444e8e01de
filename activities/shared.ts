// Helpers the activities share: the incident's demand snapshot and other stored documents, customers in
// CRM-sized batches, open backorder units per line, the idempotency keys every write carries and the
// batches the systems' write endpoints accept.
import { ApplicationFailure } from '@temporalio/common';
import type { CustomerProfile } from '../src/allocation/types';
import type { Customer } from '../src/crm/contract';
import type { CrmSystem } from '../src/crm/system';
import type { IncidentStore } from '../src/incident-store/store';
import { MAX_BATCH, type Backorder, type Item } from '../src/inventory/contract';
import type { LocationStock } from '../src/pooling/plan';
import type { SnapshotLine } from './contract-mapping';

/** Demand as it stood when the incident was assessed, kept in the store for every later stage. */
export interface IncidentSnapshot {
  item: Item;
  hubId: string;
  lines: SnapshotLine[];
  /** With the CRM's name (absent in snapshots taken before names were kept). */
  customers: (CustomerProfile & { name?: string })[];
  positions: LocationStock[];
  /**
   * The first inbound ETA at assessment: the gap the engine measures urgency and "can wait" against.
   * Absent from snapshots of incidents assessed before it was kept (their policies run the first rules).
   */
  nextInboundEta?: string | null;
}

export const SNAPSHOT_KEY = 'snapshot';
/** Lines placed or changed after the snapshot, as the incident's order rounds last saw them (activities/order-changes.ts). */
export const ORDER_LINES_KEY = 'order-lines';
/** Where order round `round` (from 1) is stored. */
export const orderRoundRef = (round: number) => `order-rounds/${round}`;
const CRM_BATCH = 500;

export function loadSnapshot(store: IncidentStore, incidentId: string): Promise<IncidentSnapshot> {
  return requireDocument(store, incidentId, SNAPSHOT_KEY);
}

/**
 * Every line of the incident: the snapshot's, with those placed or changed since (an order round's record of a
 * line replaces the snapshot's). Order rounds only add lines, so the snapshot's come first, in their order.
 */
export async function incidentLines(store: IncidentStore, incidentId: string, snapshot?: IncidentSnapshot): Promise<SnapshotLine[]> {
  const lines = (snapshot ?? (await loadSnapshot(store, incidentId))).lines;
  const changed = (await store.get<Record<string, SnapshotLine>>(incidentId, ORDER_LINES_KEY)) ?? {};
  const known = new Set(lines.map((l) => l.lineId));
  return [
    ...lines.map((l) => changed[l.lineId] ?? l),
    ...Object.keys(changed)
      .filter((id) => !known.has(id))
      .sort()
      .map((id) => changed[id]!),
  ];
}

export async function requireDocument<T>(store: IncidentStore, incidentId: string, key: string): Promise<T> {
  const value = await store.get<T>(incidentId, key);
  if (value === null) throw ApplicationFailure.nonRetryable(`${key} of ${incidentId} is missing from the incident store`, 'MissingDocument');
  return value;
}

/** Customers from the CRM in batches the API accepts; `beat` keeps a long activity's heartbeat going. */
export async function loadCustomers(crm: CrmSystem, customerIds: string[], beat: () => void): Promise<Customer[]> {
  const customers: Customer[] = [];
  for (let i = 0; i < customerIds.length; i += CRM_BATCH) {
    customers.push(...(await crm.getCustomers(customerIds.slice(i, i + CRM_BATCH))));
    beat();
  }
  return customers;
}

/** Open backordered units per demand line. */
export function openByLine(backorders: Backorder[]): Map<string, number> {
  const open = new Map<string, number>();
  for (const b of backorders) if (b.open > 0) open.set(b.lineId, (open.get(b.lineId) ?? 0) + b.open);
  return open;
}

/** Idempotency keys: incident + what the write is about, so a retry or replay repeats the same key. */
export const keyFor = (incidentId: string, ...subject: (string | number)[]) => [incidentId, ...subject].join('|');

/** Splits into chunks the systems' batch endpoints accept. */
export function chunks<T>(items: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/** Items per write request: the batch limit of both contracts (inventory and CRM), so no request is refused for its size. */
export const BATCH_WRITE_LIMIT = MAX_BATCH;

/** Writes to the systems at once per activity: enough to hide their latency, few enough not to flood them. */
export const WRITES_IN_FLIGHT = 8;
