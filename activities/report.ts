// Stage 7: the post-incident report, stored where the API and CLI read it, summarized for the workflow.
// The plan says what was committed; the inventory system says what became of the backorders since
// (restocked, substituted on a customer's answer, cancelled, still open) and of the purchase orders.
import { beat } from './progress';
import type { AllocationPlan } from '../src/allocation/types';
import type { IncidentState, ReportSummary } from '../src/incident/state';
import { buildIncidentReport, type IncidentReport, type ReportLine } from '../src/report/incident-report';
import type { PurchaseOrderEta, SubstituteStock } from '../src/report/recommendations';
import type { ActivityDeps } from './deps';
import type { StoredRound } from './follow-up';
import { orderRoundFigures, storedOrderRounds } from './order-changes';
import { listIncidentBackorders } from './paging';
import { stockLasts, type StoredRations } from '../src/rationing/schedule';
import { RATIONS_KEY, storedReleases } from './rationing';
import { SNAPSHOT_KEY, type IncidentSnapshot } from './shared';
import { freeAtHub } from './stock';

export const REPORT_KEY = 'report';

export function createReportActivities({ inventory, store, currency }: ActivityDeps) {
  /** Each substitute the plan could use: its stock at commit and what is free at the hub now. */
  async function substituteStock(plan: AllocationPlan, hubId: string): Promise<SubstituteStock[]> {
    const stock: SubstituteStock[] = [];
    for (const s of plan.substitutes) {
      stock.push({ sku: s.sku, availableAtCommit: s.available, usedAtCommit: s.used, freeAtClose: await freeAtHub(inventory, s.sku, hubId) });
    }
    return stock;
  }

  /** The purchase orders the assessment counted on, with the ETA they have in the inventory system now. */
  async function purchaseOrders(state: IncidentState): Promise<PurchaseOrderEta[]> {
    const original = state.impact?.inboundEtas ?? {};
    if (Object.keys(original).length === 0) return [];
    const now = new Map((await inventory.listInbound(state.sku)).map((po) => [po.poId, po.eta]));
    return Object.entries(original).map(([poId, originalEta]) => ({ poId, originalEta, finalEta: now.get(poId) ?? state.inboundEtas?.[poId] ?? originalEta }));
  }

  return {
    async buildReport(input: { incidentId: string; outcome: ReportSummary['outcome']; state: IncidentState }): Promise<ReportSummary> {
      const { state } = input;
      const snapshot = await store.get<IncidentSnapshot>(input.incidentId, SNAPSHOT_KEY);
      // Only a committed plan has lines to report on: one cancelled before commit served and lost nothing.
      const plan = state.plan && state.commit ? await store.get<AllocationPlan>(input.incidentId, state.plan.planRef) : null;
      const source = new Map((snapshot?.lines ?? []).map((l) => [l.lineId, l]));
      const backorders = new Map<string, NonNullable<ReportLine['backorders']>>();
      if (plan) {
        for (const b of await listIncidentBackorders(inventory, input.incidentId, beat)) {
          const sum = backorders.get(b.lineId) ?? { fulfilled: 0, cancelled: 0, open: 0 };
          backorders.set(b.lineId, { fulfilled: sum.fulfilled + b.fulfilled, cancelled: sum.cancelled + b.cancelled, open: sum.open + b.open });
        }
      }
      const rations = state.rationing ? await store.get<StoredRations>(input.incidentId, RATIONS_KEY) : null;
      const releases = plan && rations ? await storedReleases(store, input.incidentId) : null;
      const rationedCustomers = new Map((rations?.schedule.customers ?? []).map((c) => [c.customerId, c]));
      const lines: ReportLine[] = (plan?.lines ?? []).map((l) => {
        const line = source.get(l.lineId);
        const backordersOfLine = backorders.get(l.lineId);
        // A rationed customer's share: the allocation beyond the confirmation the line keeps (as the schedule took it).
        const kept = l.releasedConfirmation > 0 ? 0 : Math.min(line?.confirmedQuantity ?? 0, l.allocated);
        const rationed = releases?.customers.has(l.customerId)
          ? {
              share: l.allocated - kept,
              atCommit: releases.atCommit.get(l.lineId) ?? 0,
              later: releases.later.get(l.lineId) ?? 0,
              stockLastsFirstPeriod: stockLasts(rationedCustomers.get(l.customerId) ?? { stockDays: 0 }, 1, rations!.schedule.periodDays),
            }
          : null;
        return {
          lineId: l.lineId,
          customerId: l.customerId,
          stage: l.stage,
          locationId: line?.locationId ?? 'unknown',
          unitPrice: line?.unitPrice ?? 0,
          requestedDate: line?.requestedDate ?? state.impact?.asOf ?? state.openedAt.slice(0, 10),
          requested: l.requested,
          allocated: l.allocated,
          substituted: l.substituted,
          allOrNothingSkipped: l.reasons.includes('all-or-nothing-skipped'),
          ...(rationed ? { rationed } : {}),
          ...(backordersOfLine ? { backorders: backordersOfLine } : {}),
        };
      });
      const rounds: StoredRound[] = [];
      for (let round = 1; round <= state.restockRounds; round++) {
        const stored = await store.get<StoredRound>(input.incidentId, `rounds/${round}`);
        if (stored) rounds.push(stored);
      }
      const orderRounds = await storedOrderRounds(store, input.incidentId);
      const report: IncidentReport = buildIncidentReport({
        state,
        outcome: input.outcome,
        lines,
        rounds,
        orderRounds: orderRounds.map(orderRoundFigures),
        shippedByOrderRounds: orderRounds.flatMap((r) => (r.shipped ?? []).map((l) => ({ lineId: l.lineId, quantity: l.allocated }))),
        ...(rations ? { rationPeriods: rations.periods } : {}),
        positions: snapshot?.positions ?? [],
        purchaseOrders: input.outcome === 'false-alarm' ? [] : await purchaseOrders(state),
        substitutes: plan && snapshot ? await substituteStock(plan, snapshot.hubId) : [],
        // The currency the incident's credits and customer notices state its prices in.
        currency,
        closedAt: closingTime(state),
      });
      await store.put(input.incidentId, REPORT_KEY, report);
      const committed = report.scope === 'committed' ? report : null;
      return {
        reportRef: REPORT_KEY,
        outcome: input.outcome,
        scope: report.scope ?? 'committed',
        fillRate: committed?.overall.fillRate ?? null,
        revenueProtected: committed?.overall.revenueProtected ?? null,
        revenueAtRisk: committed?.overall.revenueAtRisk ?? null,
        firstNoticeAfterMinutes: committed?.firstNoticeAfterMinutes ?? null,
        recommendations: report.recommendations,
      };
    },
  };
}

/**
 * Now, or the incident's last event if that is later: workflow time may run ahead of this clock (a
 * time-skipping test server, a worker whose clock lags), and the report's ages and gaps are measured from it.
 */
function closingTime(state: IncidentState): string {
  const now = Date.now();
  const last = Math.max(0, ...state.timeline.map((t) => Date.parse(t.at)));
  return new Date(Math.max(now, last)).toISOString();
}
