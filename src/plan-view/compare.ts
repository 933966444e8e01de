// Two plans of one incident side by side, line by line (like a backorder-processing run's monitor): each line
// improved, worse or unchanged with the change in units served, a summary per relationship stage, and for an
// override preview its impact per stage and per customer. Both plans come from the same demand snapshot. Pure.
import { z } from 'zod';
import type { PlanLineView, PlanView } from './lines';
import { keysetPage, matches, PagingSchema, PlanFilterSchema, type Page } from './pages';

export const LINE_CHANGES = ['improved', 'worse', 'unchanged'] as const;
export type LineChange = (typeof LINE_CHANGES)[number];

export interface ComparedLine {
  lineId: string;
  customerId: string;
  name: string | null;
  stage: string;
  /** Priority position in the plan compared to. */
  position: number;
  change: LineChange;
  allocatedFrom: number;
  allocatedTo: number;
  substituteFrom: number;
  substituteTo: number;
  backorderedFrom: number;
  backorderedTo: number;
  /** Units served (of the SKU or by a substitute) in the second plan minus the first: backorderedFrom − backorderedTo. */
  delta: number;
}

interface Served {
  requested: number;
  servedFrom: number;
  servedTo: number;
  /** servedTo − servedFrom */
  delta: number;
  fillRateFrom: number;
  fillRateTo: number;
}

export interface StageChange extends Served {
  stage: string;
  lines: number;
  improved: number;
  worse: number;
  unchanged: number;
}

export interface CustomerChange extends Served {
  customerId: string;
  name: string | null;
  stage: string;
  critical: boolean;
  change: LineChange;
}

export const PlanCompareQuerySchema = PlanFilterSchema.pick({ stage: true, customer: true })
  .extend({ change: z.enum(LINE_CHANGES).optional().meta({ description: 'Only lines that improved, got worse or stayed the same.' }) })
  .extend(PagingSchema.shape);
export type PlanCompareQuery = z.input<typeof PlanCompareQuerySchema>;

/** Every line of `to` beside the same line in `from`, in `to`'s priority order. */
export function compareLines(from: PlanView, to: PlanView): ComparedLine[] {
  return to.lines.map((after) => {
    const before = from.byId.get(after.lineId);
    const delta = (before?.backordered ?? after.requested) - after.backordered;
    return {
      lineId: after.lineId,
      customerId: after.customer.customerId,
      name: after.customer.name,
      stage: after.customer.stage,
      position: after.position,
      change: changeOf(delta),
      allocatedFrom: before?.allocated ?? 0,
      allocatedTo: after.allocated,
      substituteFrom: before?.substitute ?? 0,
      substituteTo: after.substitute,
      backorderedFrom: before?.backordered ?? after.requested,
      backorderedTo: after.backordered,
      delta,
    };
  });
}

/** A page of the comparison, filtered, with the summary per stage of every line (filters aside). */
export function comparisonPage(from: PlanView, to: PlanView, query: PlanCompareQuery): Page<ComparedLine> & { summary: StageChange[] } {
  const q = PlanCompareQuerySchema.parse(query);
  const lines = compareLines(from, to);
  const shown = lines.filter((l) => (q.change === undefined || l.change === q.change) && matches(to.byId.get(l.lineId)!, q));
  return { ...keysetPage(shown, (l) => [l.position], q, 'compare'), summary: stageChanges(lines, to) };
}

export function stageChanges(lines: readonly ComparedLine[], to: PlanView): StageChange[] {
  const stages = new Map<string, StageChange>();
  for (const l of lines) {
    const row = (stages.get(l.stage) ?? stages.set(l.stage, { stage: l.stage, lines: 0, improved: 0, worse: 0, unchanged: 0, ...noneServed() }).get(l.stage))!;
    row.lines += 1;
    row[l.change] += 1;
    addServed(row, l, to.byId.get(l.lineId)!);
  }
  return [...stages.values()].map(withRates);
}

/** Customers some line of which changed (`changed`), their figures over all their lines, in the order of their first line's priority. */
export function customerChanges(lines: readonly ComparedLine[], to: PlanView, changed: (l: ComparedLine) => boolean): CustomerChange[] {
  const touched = new Set(lines.filter(changed).map((l) => l.customerId));
  const customers = new Map<string, CustomerChange>();
  for (const l of lines) {
    if (!touched.has(l.customerId)) continue;
    const line = to.byId.get(l.lineId)!;
    const row = (customers.get(l.customerId) ?? customers.set(l.customerId, { ...line.customer, change: 'unchanged', ...noneServed() }).get(l.customerId))!;
    addServed(row, l, line);
  }
  return [...customers.values()].map((c) => withRates({ ...c, change: changeOf(c.delta) }));
}

/** What an override preview changes: per stage, per customer, and the lines that changed (first `shown`). */
export function previewImpact(from: PlanView, to: PlanView, shown = 500) {
  const lines = compareLines(from, to);
  // A line served as much but with another mix of the SKU and substitutes changed too.
  const isChanged = (l: ComparedLine) => l.change !== 'unchanged' || l.allocatedFrom !== l.allocatedTo;
  const changed = lines.filter(isChanged);
  return {
    impact: { perStage: stageChanges(lines, to), perCustomer: customerChanges(lines, to, isChanged) },
    changedLines: changed.slice(0, shown),
    changedLineCount: changed.length,
  };
}

const changeOf = (delta: number): LineChange => (delta > 0 ? 'improved' : delta < 0 ? 'worse' : 'unchanged');
const noneServed = (): Served => ({ requested: 0, servedFrom: 0, servedTo: 0, delta: 0, fillRateFrom: 1, fillRateTo: 1 });

function addServed(row: Served, l: ComparedLine, line: PlanLineView): void {
  row.requested += line.requested;
  row.servedFrom += line.requested - l.backorderedFrom;
  row.servedTo += line.requested - l.backorderedTo;
  row.delta = row.servedTo - row.servedFrom;
}

function withRates<T extends Served>(row: T): T {
  const rate = (served: number) => (row.requested === 0 ? 1 : Math.round((served / row.requested) * 10_000) / 10_000);
  return { ...row, fillRateFrom: rate(row.servedFrom), fillRateTo: rate(row.servedTo) };
}
