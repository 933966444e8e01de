// A planner's overrides checked against the incident, one home for the rule wherever they arrive (the
// operations before anything is sent, the planning activity before the engine runs): each refusal names the
// override at fault. The engine checks again what depends on its rules (stock that win and gain lines keep).
// Pure: imported by workflow code.
import { z } from 'zod';
import { issuesOf, type Issue } from '../validation/issues';
import { PlanOverrideSchema, type PlanOverride } from './commands';
import type { StoredPlan } from './planning';

/** What the check needs of a demand line. */
export interface OverriddenLine {
  lineId: string;
  quantity: number;
  confirmedQuantity: number;
}

/** The revision the overrides change: its own overrides and what it gives each line. */
export interface OverrideBase {
  overrides: readonly PlanOverride[];
  allocated: ReadonlyMap<string, number>;
}

export function overrideBaseOf(plan: StoredPlan): OverrideBase {
  return { overrides: plan.basis?.overrides ?? [], allocated: new Map(plan.lines.map((l) => [l.lineId, l.allocated])) };
}

/** The overrides a revision is made with: the base's, each replaced by a change to the same line, then the other changes. */
export function withChanges(base: readonly PlanOverride[], changes: readonly PlanOverride[]): PlanOverride[] {
  const changed = new Set(changes.map((c) => c.lineId));
  return [...base.filter((o) => !changed.has(o.lineId)), ...changes];
}

/**
 * Why the changes do not fit: an unknown or repeated line, more than the line asks for, more pinned than pool
 * and confirmations hold, or (with a base) a line lowered without a reason. Empty when they fit.
 */
export function overrideIssues(
  changes: readonly PlanOverride[],
  incident: { lines: readonly OverriddenLine[]; pool: number; base?: OverrideBase | null },
  root = 'overrides',
): Issue[] {
  const parsed = z.array(PlanOverrideSchema).safeParse(changes);
  if (!parsed.success) return issuesOf(parsed.error, root);
  const byId = new Map(incident.lines.map((l) => [l.lineId, l]));
  const confirmed = incident.lines.reduce((sum, l) => sum + l.confirmedQuantity, 0);
  const supply = incident.pool + confirmed;
  const changed = new Set(changes.map((c) => c.lineId));
  const issues: Issue[] = [];
  const seen = new Set<string>();
  let pinned = (incident.base?.overrides ?? []).filter((o) => !changed.has(o.lineId)).reduce((sum, o) => sum + o.allocate, 0);
  let overPool = false;
  changes.forEach((o, index) => {
    const at = `${root}.${index}`;
    const issue = (field: string, message: string) => issues.push({ path: `${at}.${field}`, message });
    const line = byId.get(o.lineId);
    if (!line) return issue('lineId', `line ${o.lineId} is not in this incident`);
    if (seen.has(o.lineId)) return issue('lineId', `line ${o.lineId} is overridden more than once`);
    seen.add(o.lineId);
    if (o.allocate > line.quantity) issue('allocate', `${o.allocate} units exceed the ${line.quantity} that line ${o.lineId} asks for`);
    pinned += o.allocate;
    if (pinned > supply && !overPool) {
      overPool = true;
      issue('allocate', `the overrides pin ${pinned} units, more than the ${supply} to allocate (pool ${incident.pool} + confirmations ${confirmed})`);
    }
    const before = incident.base?.allocated.get(o.lineId);
    if (before !== undefined && o.allocate < before && !o.reason) {
      issue('reason', `required: the override lowers line ${o.lineId} from ${before} to ${o.allocate} units; say why`);
    }
  });
  return issues;
}
