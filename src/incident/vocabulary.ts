// The incident's vocabularies, one table each: its stages, the outcomes it ends in and the severities it is
// rated by, every kind with its traits. Types, zod enums and lists derive from these tables and code elsewhere
// asks a trait rather than listing kinds, so a kind is added here and the compiler points at whatever must
// decide about it. Imported by workflow code: keep it pure.
import { z } from 'zod';

/** A table's kinds in the order they are written. */
function kindsOf<K extends string>(table: Record<K, unknown>): [K, ...K[]] {
  return Object.keys(table) as [K, ...K[]];
}

/** The kinds of a table whose trait has the given value. */
type KindsWhere<T, Trait extends string, Value> = { [K in keyof T]: T[K] extends Record<Trait, Value> ? K : never }[keyof T];

// ---- stages, and the outcomes an incident ends in (its last stage) ----

interface StageTraits {
  /** The incident has ended: the stage is its outcome. */
  over: boolean;
  /** What a person must do before the incident goes on (the CLI's words); null when it goes on by itself. */
  waitsFor: string | null;
}

const STAGES = {
  assessing: { over: false, waitsFor: null },
  pooling: { over: false, waitsFor: null },
  'finding-substitutes': { over: false, waitsFor: null },
  planning: { over: false, waitsFor: null },
  'awaiting-approval': { over: false, waitsFor: 'decide plan' },
  committing: { over: false, waitsFor: null },
  notifying: { over: false, waitsFor: null },
  'following-up': { over: false, waitsFor: null },
  closing: { over: false, waitsFor: null },
  /** Parked after a failure until a person fixes the cause and resumes it. */
  'needs-attention': { over: false, waitsFor: 'resume' },
  closed: { over: true, waitsFor: null },
  /** The assessment found the demand covered. */
  'false-alarm': { over: true, waitsFor: null },
  cancelled: { over: true, waitsFor: null },
} as const satisfies Record<string, StageTraits>;
export type IncidentStage = keyof typeof STAGES;
export type IncidentOutcome = KindsWhere<typeof STAGES, 'over', true>;
export const INCIDENT_STAGES = kindsOf(STAGES);
export const IncidentStageSchema = z.enum(INCIDENT_STAGES);

interface OutcomeTraits {
  /** A threshold scan leaves the SKU alone for a quiet period after it: a person or the assessment said no. */
  holdsBackScan: boolean;
}

const OUTCOMES: Record<IncidentOutcome, OutcomeTraits> = {
  closed: { holdsBackScan: false },
  'false-alarm': { holdsBackScan: true },
  cancelled: { holdsBackScan: true },
};

/** Stage names also arrive as text (search attributes): unknown ones are no stage. */
export function isIncidentStage(value: string): value is IncidentStage {
  return Object.hasOwn(STAGES, value);
}

export function isOver(stage: string): stage is IncidentOutcome {
  return isIncidentStage(stage) && STAGES[stage].over;
}

/** Whether a threshold scan must hold back after an incident that ended in this stage. */
export function holdsBackScan(stage: string): boolean {
  return isOver(stage) && OUTCOMES[stage].holdsBackScan;
}

/** What a person must do for an incident in this stage to go on; null when nothing (or an unknown stage). */
export function waitsFor(stage: string): string | null {
  return isIncidentStage(stage) ? STAGES[stage].waitsFor : null;
}

// ---- what a post-incident report covers ----

const REPORT_SCOPE_KINDS = {
  /** The plan was committed: at-commit and final figures, losses, ageing, the buffer. */
  committed: {},
  /** Cancelled before commit: nothing reserved, backordered or told, so no commit figures, losses, ageing or fill rate. */
  'not-committed': {},
  /** The demand was covered: by how much, and nothing else. */
  'false-alarm': {},
} as const satisfies Record<string, object>;
export type ReportScope = keyof typeof REPORT_SCOPE_KINDS;
export const REPORT_SCOPES = kindsOf(REPORT_SCOPE_KINDS);

/** The scope of the report an incident gets: a false alarm, or whether its plan was committed. */
export function reportScope(outcome: IncidentOutcome, committed: boolean): ReportScope {
  if (outcome === 'false-alarm') return 'false-alarm';
  return committed ? 'committed' : 'not-committed';
}

// ---- severities ----

interface SeverityTraits {
  /** Some demand goes unserved; only these can be a policy's approval threshold. */
  shortage: boolean;
  /** Reached when any of the policy's criteria for it holds (`policy.severity.<level>`); else it is never assessed as such. */
  graded: boolean;
}

/** From mild to severe: the table's order is the severities' order. */
const SEVERITIES = {
  /** No shortage: the incident is a false alarm. */
  none: { shortage: false, graded: false },
  /** A shortage that meets none of the policy's criteria. */
  low: { shortage: true, graded: false },
  medium: { shortage: true, graded: true },
  high: { shortage: true, graded: true },
  critical: { shortage: true, graded: true },
} as const satisfies Record<string, SeverityTraits>;
export type Severity = keyof typeof SEVERITIES;
/** A severity a shortage can have, 'none' aside. */
export type SeverityLevel = KindsWhere<typeof SEVERITIES, 'shortage', true>;
/** The severities the policy sets criteria for. */
export type GradedSeverity = KindsWhere<typeof SEVERITIES, 'graded', true>;

export const SEVERITY_ORDER: readonly Severity[] = kindsOf(SEVERITIES);
export const SeveritySchema = z.enum(SEVERITY_ORDER);
export const SEVERITY_LEVELS = SEVERITY_ORDER.filter((s): s is SeverityLevel => SEVERITIES[s].shortage);
/** Mild to severe. */
export const GRADED_SEVERITIES = SEVERITY_ORDER.filter((s): s is GradedSeverity => SEVERITIES[s].graded);

export function severityAtLeast(severity: Severity, threshold: Severity): boolean {
  return SEVERITY_ORDER.indexOf(severity) >= SEVERITY_ORDER.indexOf(threshold);
}
