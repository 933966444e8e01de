// The revision each email goes out under, by the series that sends it. Emails of one kind are told apart by
// their revision alone (it is in the idempotency key and the Message-ID: model.ts, idempotencyKeyFor), so two
// series that send the same kind count in ranges that never meet. Running incidents sent their emails under
// these values, and recorded histories carry them: changing one sends those emails again.
// Imported by workflow code: no Node built-ins here.
import type { MessageKind } from './model';

/** Per series, the revision its first email of each kind counts from: the n-th (from 1; 0 when sent once) has `from + n`. */
const REVISION_RANGES = {
  /** The plan's first notice, once. */
  plan: { 'first-notice': 0 },
  /** The incident's end, told once: closed or cancelled. */
  closing: { 'incident-closed': 0, 'incident-cancelled': 0 },
  /** Status update n. */
  'status-updates': { 'status-update': 0 },
  /** ETA change n: the eta-change notice, and the ration-change notice of the rationing re-planned for it. */
  'eta-changes': { 'eta-change': 0, 'ration-change': 0 },
  /** Restock round n: its backorder-shipped notice (1, 2, …; no incident sees a million restocks). */
  'restock-rounds': { 'backorder-shipped': 0 },
  /** Order round n: its new-orders notice, and the backorder-shipped notice of freed units it ships, apart from the restock rounds'. */
  'order-rounds': { 'new-orders': 0, 'backorder-shipped': 1_000_000 },
  /** The planners' escalation when the approval deadline passes, once. */
  'approval-deadline': { escalation: 0 },
  /** The planners' escalation when backorders outlive the SLA, once. */
  sla: { escalation: 1 },
  /** The planners' escalation when the substitutes' stock at commit leaves must-win lines short, once. */
  'substitutes-at-commit': { escalation: 2 },
} as const satisfies Record<string, Partial<Record<MessageKind, number>>>;

export type RevisionSeries = keyof typeof REVISION_RANGES;

/** The revision of the `n`-th email of `kind` that `series` sends (n from 1; 0 for one sent once). */
export function messageRevision<S extends RevisionSeries>(series: S, kind: keyof (typeof REVISION_RANGES)[S] & MessageKind, n = 0): number {
  return (REVISION_RANGES[series] as Partial<Record<MessageKind, number>>)[kind]! + n;
}
