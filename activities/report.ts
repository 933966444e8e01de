// Stage 7: the post-incident report, stored where the API and CLI read it, summarized for the workflow.
import type { AllocationPlan } from '../src/allocation/types';
import type { IncidentState, ReportSummary } from '../src/incident/state';
import { buildIncidentReport, type IncidentReport, type ReportLine } from '../src/report/incident-report';
import type { ActivityDeps } from './deps';
import type { StoredRound } from './follow-up';
import { listIncidentBackorders } from './shared';

export const REPORT_KEY = 'report';

export function createReportActivities({ inventory, store }: ActivityDeps) {
  return {
    async buildReport(input: { incidentId: string; outcome: ReportSummary['outcome']; state: IncidentState }): Promise<ReportSummary> {
      const { state } = input;
      const snapshot = store.get<{ lines: { lineId: string; locationId: string; unitPrice: number }[]; positions: ReportInputPositions }>(
        input.incidentId,
        'snapshot',
      );
      const plan = state.plan ? store.get<AllocationPlan>(input.incidentId, state.plan.planRef) : null;
      const source = new Map((snapshot?.lines ?? []).map((l) => [l.lineId, l]));
      const lines: ReportLine[] = (plan?.lines ?? []).map((l) => ({
        lineId: l.lineId,
        customerId: l.customerId,
        stage: l.stage,
        locationId: source.get(l.lineId)?.locationId ?? 'unknown',
        unitPrice: source.get(l.lineId)?.unitPrice ?? 0,
        requested: l.requested,
        allocated: l.allocated,
        substituted: l.substituted,
      }));
      const rounds: StoredRound[] = [];
      for (let round = 1; round <= state.restockRounds; round++) {
        const stored = store.get<StoredRound>(input.incidentId, `rounds/${round}`);
        if (stored) rounds.push(stored);
      }
      const unserved = new Map<string, number>();
      for (const b of await listIncidentBackorders(inventory, input.incidentId)) {
        unserved.set(b.lineId, (unserved.get(b.lineId) ?? 0) + b.open + b.cancelled);
      }
      const report: IncidentReport = buildIncidentReport({
        state,
        outcome: input.outcome,
        lines,
        rounds,
        unserved,
        positions: snapshot?.positions ?? [],
        closedAt: new Date().toISOString(),
      });
      store.put(input.incidentId, REPORT_KEY, report);
      return {
        reportRef: REPORT_KEY,
        outcome: input.outcome,
        fillRate: report.overall.fillRate,
        revenueProtected: report.overall.revenueProtected,
        revenueAtRisk: report.revenueAtRisk,
        firstNoticeAfterMinutes: report.firstNoticeAfterMinutes,
        recommendations: report.recommendations,
      };
    },
  };
}

type ReportInputPositions = Parameters<typeof buildIncidentReport>[0]['positions'];
