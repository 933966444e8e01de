// The board's rows: every incident the visibility list returns, with the figures a planner triages by read
// from its state. Incidents that wait for a person come first. An ended run never changes, so its state is
// read once and kept (by run id); running ones are read on every refresh.
import { revenueAtRisk } from '../incident/figures';
import { z } from 'zod';
import type { IncidentListItem, IncidentOperations } from '../operations/incident-operations';
import { ListFilterSchema } from '../operations/incident-operations';
import type { IncidentState } from '../incident/state';
import { SEVERITY_ORDER, waitsFor } from '../incident/vocabulary';

export const BoardFilterSchema = ListFilterSchema.omit({ limit: true }).extend({
  state: z.enum(['open', 'closed', 'all']).default('open'),
});
export type BoardFilter = z.output<typeof BoardFilterSchema>;

export interface BoardRow {
  workflowId: string;
  /** A closed row is one run of the workflow id: its link names it, as the SKU's next incident reuses the id. */
  runId: string;
  sku: string;
  network: string;
  stage: string;
  severity: string;
  open: boolean;
  startedAt: string;
  shortage: number | null;
  affectedCustomers: number | null;
  revenueAtRisk: number | null;
  approvalDeadline: string | null;
  /** What a person must do, and why; null when the incident goes on by itself. */
  attention: string | null;
}

export interface Board {
  rows: BoardRow[];
  counts: { shown: number; needPerson: number; bySeverity: Record<string, number>; byStage: Record<string, number> };
}

const BOARD_LIMIT = 200;
const KEPT_ENDED = 1000;
/** How long a row waits for its incident's worker: one worker away (or down) must not hold the whole board. */
const ROW_READ_MS = 2_000;

export function createBoardReader(operations: Pick<IncidentOperations, 'list' | 'show'>) {
  const ended = new Map<string, IncidentState>();

  async function stateOf(item: IncidentListItem): Promise<IncidentState | null> {
    const kept = ended.get(item.runId);
    if (kept) return kept;
    try {
      const state = await operations.show(item.workflowId, { withinMs: ROW_READ_MS, runId: item.runId });
      if (item.status !== 'RUNNING') {
        if (ended.size >= KEPT_ENDED) ended.delete(ended.keys().next().value!);
        ended.set(item.runId, state);
      }
      return state;
    } catch {
      // A run that cannot be read in time (just started, worker away) still gets its row, without figures.
      return null;
    }
  }

  return async function board(filter: BoardFilter): Promise<Board> {
    const { state: which, ...listFilter } = filter;
    // Filtered by the visibility query, so the row limit counts only the rows asked for.
    const items = await operations.list({ ...listFilter, limit: BOARD_LIMIT, ...(which === 'all' ? {} : { status: which === 'open' ? 'running' : 'ended' }) });
    const rows = await Promise.all(items.map(async (item) => rowOf(item, await stateOf(item))));
    rows.sort(
      (a, b) =>
        Number(b.attention !== null) - Number(a.attention !== null) ||
        severityRank(b.severity) - severityRank(a.severity) ||
        b.startedAt.localeCompare(a.startedAt),
    );
    const count = (key: (r: BoardRow) => string) => rows.reduce<Record<string, number>>((acc, r) => ({ ...acc, [key(r)]: (acc[key(r)] ?? 0) + 1 }), {});
    return {
      rows,
      counts: { shown: rows.length, needPerson: rows.filter((r) => r.attention !== null).length, bySeverity: count((r) => r.severity), byStage: count((r) => r.stage) },
    };
  };
}

const severityRank = (severity: string) => (SEVERITY_ORDER as readonly string[]).indexOf(severity);

function rowOf(item: IncidentListItem, state: IncidentState | null): BoardRow {
  const stage = state?.stage ?? item.stage ?? 'unknown';
  return {
    workflowId: item.workflowId,
    runId: item.runId,
    sku: item.sku ?? state?.sku ?? '',
    network: item.network ?? state?.network ?? '',
    stage,
    severity: state?.severity ?? item.severity ?? 'none',
    open: item.status === 'RUNNING',
    startedAt: item.startedAt,
    shortage: state?.impact?.shortage ?? null,
    affectedCustomers: state?.impact?.affectedCustomers ?? null,
    revenueAtRisk: state?.impact ? revenueAtRisk(state.impact, state.plan).amount : null,
    approvalDeadline: state && ['pending', 'escalated', 'rejected'].includes(state.approval.status) ? state.approval.deadline : null,
    attention: item.status === 'RUNNING' ? attentionOf(stage, state) : null,
  };
}

function attentionOf(stage: string, state: IncidentState | null): string | null {
  const need = waitsFor(stage);
  if (!need) return null;
  if (state?.attention) return `${need}: ${state.attention.reason}`;
  if (state?.approval.status === 'escalated') return `${need}: the approval deadline has passed`;
  if (state?.approval.status === 'rejected') return `${need}: rejected by ${state.approval.decidedBy ?? 'a planner'}, waiting for a new decision`;
  if (state?.plan?.exceptions.length) return `${need}: ${state.plan.exceptionCount ?? state.plan.exceptions.length} must-win lines cannot be served in full`;
  return need;
}
