// Stages 1–3: measure the shortage, pool spoke stock into the hub, find substitutes.
import type { Policy } from '../src/allocation/policy';
import { assessImpact } from '../src/impact/assess';
import type { ImpactSummary, PoolingSummary, SubstituteOption, TransferRecord } from '../src/incident/state';
import { DEFAULT_TIME_ZONE } from '../src/inventory/contract';
import { freeStock } from '../src/pooling/free-stock';
import { planPooling } from '../src/pooling/plan';
import { engineLine, impactCustomer, inboundEtasOf, profileOf, transferRecord } from './contract-mapping';
import type { ActivityDeps } from './deps';
import { beat, progress, retriesSoFar, type Retried } from './progress';
import { listAllDemandLines } from './paging';
import { SNAPSHOT_KEY, keyFor, loadCustomers, loadSnapshot, type IncidentSnapshot } from './shared';
import { networkLocations, networkPositions, openInbound, substitutesAtHub } from './stock';

export function createAssessmentActivities({ inventory, crm, store }: ActivityDeps) {
  return {
    /** Net position across hub and spokes, every open demand line, the customers behind them. */
    async assessImpact(input: { incidentId: string; sku: string; network: string; asOf: string; policy: Policy }): Promise<ImpactSummary> {
      const { hub, locations } = await networkLocations(inventory, input.network);
      const [item, positions, inbound] = await Promise.all([
        inventory.getItem(input.sku),
        networkPositions(inventory, input.sku, locations),
        openInbound(inventory, input.sku, locations),
      ]);
      // Taken once the positions are read: a receipt booked before is in them, one booked after is a restock.
      const snapshotAt = new Date().toISOString();
      const lines = (await listAllDemandLines(inventory, input.sku, beat)).filter((l) => locations.has(l.locationId)).map(engineLine);
      const customerIds = [...new Set(lines.map((l) => l.customerId))].sort();
      const customers = await loadCustomers(crm, customerIds, beat);
      const impact = assessImpact({
        sku: input.sku,
        positions,
        inbound: inbound.map((po) => ({ poId: po.poId, quantity: po.quantity, eta: po.eta })),
        lines,
        customers: customers.map(impactCustomer),
        asOf: input.asOf,
        policy: input.policy,
      });
      const nextInboundEta = inbound.map((po) => po.eta).sort()[0] ?? null;
      const snapshot: IncidentSnapshot = {
        item,
        hubId: hub.locationId,
        lines,
        // Names kept for the plan views planners read.
        customers: customers.map((c) => ({ ...profileOf(c, input.sku), name: c.name })),
        positions,
        nextInboundEta,
      };
      await store.put(input.incidentId, SNAPSHOT_KEY, snapshot);
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
        inboundEtas: inboundEtasOf(inbound),
        timeZone: hub.timeZone ?? DEFAULT_TIME_ZONE,
        locationIds: [...locations.keys()],
        severity: impact.severity,
        snapshotRef: SNAPSHOT_KEY,
      };
    },

    /** Moves what spokes can spare to the hub: transfer records created once, even when retried. */
    async poolSpokeStock(input: { incidentId: string; sku: string; network: string; needed: number }): Promise<PoolingSummary & Retried> {
      const snapshot = await loadSnapshot(store, input.incidentId);
      const hub = snapshot.positions.find((p) => p.locationId === snapshot.hubId);
      const hubFree = hub ? freeStock(hub) : 0;
      const plan = planPooling({
        sku: input.sku,
        hubId: snapshot.hubId,
        positions: snapshot.positions,
        needed: Math.max(0, input.needed),
      });
      const created = progress<TransferRecord>();
      const transfers: TransferRecord[] = [];
      for (const t of plan.transfers) {
        const subject = `transfer/${t.fromLocationId}`;
        let record = created.get(subject);
        if (!record) {
          record = transferRecord(
            await inventory.createTransfer({
              idempotencyKey: keyFor(input.incidentId, 'transfer', t.fromLocationId),
              incidentId: input.incidentId,
              sku: input.sku,
              fromLocationId: t.fromLocationId,
              toLocationId: t.toLocationId,
              quantity: t.quantity,
            }),
          );
          created.finish(subject, record);
        }
        transfers.push(record);
      }
      const pooled = transfers.reduce((sum, t) => sum + t.quantity, 0);
      return { hubId: snapshot.hubId, hubFree, pooled, pool: hubFree + pooled, transfers, ...retriesSoFar() };
    },

    /** Equivalent SKUs and the stock of theirs that is free at the hub. */
    async findSubstitutes(input: { incidentId: string; sku: string; network: string }): Promise<SubstituteOption[]> {
      return substitutesAtHub(inventory, input.sku, (await loadSnapshot(store, input.incidentId)).hubId);
    },
  };
}
