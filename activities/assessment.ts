// Stages 1–3: measure the shortage, pool spoke stock into the hub, find substitutes.
import { heartbeat } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { Policy } from '../src/allocation/policy';
import type { CustomerProfile, DemandLine as EngineLine } from '../src/allocation/types';
import type { Customer } from '../src/crm/contract';
import { assessImpact } from '../src/impact/assess';
import type { ImpactSummary, PoolingSummary, SubstituteOption, TransferRecord } from '../src/incident/state';
import { DEFAULT_TIME_ZONE, hubOf, type DemandLine, type Location, type StockPosition } from '../src/inventory/contract';
import type { InventorySystem } from '../src/inventory/system';
import { planPooling } from '../src/pooling/plan';
import type { ActivityDeps } from './deps';
import { SNAPSHOT_KEY, keyFor, loadCustomers, loadSnapshot, type IncidentSnapshot } from './shared';

const DEMAND_PAGE = 1000;

export function createAssessmentActivities({ inventory, crm, store }: ActivityDeps) {
  return {
    /** Net position across hub and spokes, every open demand line, the customers behind them. */
    async assessImpact(input: { incidentId: string; sku: string; network: string; asOf: string; policy: Policy }): Promise<ImpactSummary> {
      const { hub, locations } = await networkLocations(inventory, input.network);
      const [item, positions, inbound] = await Promise.all([
        inventory.getItem(input.sku),
        inventory.getStockPositions(input.sku),
        inventory.listInbound(input.sku),
      ]);
      // Taken once the positions are read: a receipt booked before is in them, one booked after is a restock.
      const snapshotAt = new Date().toISOString();
      const inNetwork = positions.filter((p) => locations.has(p.locationId));
      const lines = await readDemand(inventory, input.sku, locations);
      const customerIds = [...new Set(lines.map((l) => l.customerId))].sort();
      const customers = await loadCustomers(crm, customerIds, heartbeat);
      const openInbound = inbound.filter((po) => po.status === 'open' && locations.has(po.locationId));
      const impact = assessImpact({
        sku: input.sku,
        positions: inNetwork.map((p) => ({ ...p, kind: locations.get(p.locationId)!.kind })),
        inbound: openInbound.map((po) => ({ poId: po.poId, quantity: po.quantity, eta: po.eta })),
        lines,
        customers: customers.map((c) => ({ customerId: c.customerId, stage: c.stage, critical: c.critical, accountManagerId: c.accountManagerId })),
        asOf: input.asOf,
        policy: input.policy,
      });
      const snapshot: IncidentSnapshot = {
        item,
        hubId: hub.locationId,
        lines,
        customers: customers.map((c) => profileOf(c, input.sku)),
        positions: inNetwork.map((p) => ({ ...p, kind: locations.get(p.locationId)!.kind })),
      };
      store.put(input.incidentId, SNAPSHOT_KEY, snapshot);
      const nextInboundEta = openInbound.map((po) => po.eta).sort()[0] ?? null;
      return {
        asOf: input.asOf,
        snapshotAt,
        shortage: impact.shortage,
        available: impact.available,
        demand: impact.demand,
        affectedLines: impact.affectedLines,
        affectedCustomers: impact.affectedCustomers,
        affectedAccountManagers: impact.affectedAccountManagers,
        revenueAtRisk: impact.revenueAtRisk,
        gapDays: impact.gapDays,
        daysOfCover: impact.daysOfCover,
        nextInboundEta,
        inboundEtas: inboundEtasOf(openInbound),
        timeZone: hub.timeZone ?? DEFAULT_TIME_ZONE,
        locationIds: [...locations.keys()],
        severity: impact.severity,
        snapshotRef: SNAPSHOT_KEY,
      };
    },

    /** Moves what spokes can spare to the hub: transfer records created once, even when retried. */
    async poolSpokeStock(input: { incidentId: string; sku: string; network: string; needed: number }): Promise<PoolingSummary> {
      const snapshot = loadSnapshot(store, input.incidentId);
      const hub = snapshot.positions.find((p) => p.locationId === snapshot.hubId);
      const hubFree = hub ? Math.max(0, hub.onHand - hub.reserved - hub.safetyStock) : 0;
      const plan = planPooling({
        sku: input.sku,
        hubId: snapshot.hubId,
        positions: snapshot.positions,
        needed: Math.max(0, input.needed),
      });
      const transfers: TransferRecord[] = [];
      for (const t of plan.transfers) {
        const created = await inventory.createTransfer({
          idempotencyKey: keyFor(input.incidentId, 'transfer', t.fromLocationId),
          incidentId: input.incidentId,
          sku: input.sku,
          fromLocationId: t.fromLocationId,
          toLocationId: t.toLocationId,
          quantity: t.quantity,
        });
        transfers.push(transferRecord(created));
      }
      const pooled = transfers.reduce((sum, t) => sum + t.quantity, 0);
      return { hubId: snapshot.hubId, hubFree, pooled, pool: hubFree + pooled, transfers };
    },

    /** Equivalent SKUs and the stock of theirs that is free at the hub. */
    async findSubstitutes(input: { incidentId: string; sku: string; network: string }): Promise<SubstituteOption[]> {
      const snapshot = loadSnapshot(store, input.incidentId);
      const substitutes = await inventory.listSubstitutes(input.sku);
      const options: SubstituteOption[] = [];
      for (const sub of [...substitutes].sort((a, b) => a.substituteSku.localeCompare(b.substituteSku))) {
        const [positions, item] = await Promise.all([inventory.getStockPositions(sub.substituteSku), inventory.getItem(sub.substituteSku)]);
        const hub = positions.find((p) => p.locationId === snapshot.hubId);
        options.push({
          sku: sub.substituteSku,
          ratio: sub.ratio,
          priceDelta: sub.priceDelta,
          available: hub ? Math.max(0, hub.onHand - hub.reserved - hub.safetyStock) : 0,
          packSize: item.packSize,
        });
      }
      return options;
    },
  };
}

/** ETA per open purchase order: what the periodic check compares with. */
export function inboundEtasOf(openInbound: { poId: string; eta: string }[]): Record<string, string> {
  return Object.fromEntries(openInbound.map((po) => [po.poId, po.eta]));
}

export async function networkLocations(inventory: InventorySystem, network: string) {
  const all = await inventory.listLocations();
  const inNetwork = all.filter((l: Location) => l.network === network);
  const hub = hubOf(inNetwork, network);
  if (!hub) throw ApplicationFailure.nonRetryable(`network ${network} has no hub in the inventory system`, 'InvalidData');
  return { hub, locations: new Map(inNetwork.map((l) => [l.locationId, l])) };
}

async function readDemand(inventory: InventorySystem, sku: string, locations: Map<string, Location>) {
  const lines: IncidentSnapshot['lines'] = [];
  let cursor: string | null = null;
  do {
    const page: { lines: DemandLine[]; nextCursor: string | null } = await inventory.listDemandLines({
      sku,
      limit: DEMAND_PAGE,
      ...(cursor ? { cursor } : {}),
    });
    for (const line of page.lines) if (locations.has(line.locationId)) lines.push(engineLine(line));
    cursor = page.nextCursor;
    heartbeat();
  } while (cursor);
  return lines;
}

function engineLine(line: DemandLine): EngineLine & { locationId: string } {
  return {
    lineId: line.lineId,
    orderId: line.orderId,
    customerId: line.customerId,
    sku: line.sku,
    locationId: line.locationId,
    quantity: line.quantity,
    confirmedQuantity: line.reservedQuantity,
    requestedDate: line.requestedDate,
    orderDate: line.orderDate,
    unitPrice: line.unitPrice,
    unitMargin: line.unitMargin,
    packSize: line.packSize ?? 1,
    partialAllowed: line.partialAllowed,
    substitutesAllowed: line.substitutesAllowed,
  };
}

export function profileOf(customer: Customer, sku: string): CustomerProfile {
  const reported = customer.reportedStock.find((r) => r.sku === sku);
  return {
    customerId: customer.customerId,
    stage: customer.stage,
    critical: customer.critical,
    acceptsSubstitutes: customer.acceptsSubstitutes,
    ...(reported ? { reportedOnHand: { quantity: reported.quantity, dailyUsage: reported.dailyUsage } } : {}),
  };
}

export function transferRecord(t: {
  transferId: string;
  fromLocationId: string;
  toLocationId: string;
  quantity: number;
  status: TransferRecord['status'];
}): TransferRecord {
  return { transferId: t.transferId, fromLocationId: t.fromLocationId, toLocationId: t.toLocationId, quantity: t.quantity, status: t.status };
}

export type { StockPosition };
