// Restocks, ETA changes and customer answers between acceptance and application: what the follow-up loop
// queues, and what the ETAs customers were told come to. Pure.
import type { CustomerAnswer, EtaChange, Restock } from './commands';
import { isOver } from './lifecycle';
import type { IncidentState } from './state';

export type PendingEvent =
  | { kind: 'restock'; restock: Restock & { recorded?: boolean } }
  | { kind: 'eta'; change: EtaChange; observed?: { previousEta: string | null } }
  | { kind: 'answer'; answer: CustomerAnswer }
  /** Read the orders placed, changed or cancelled since the last look, and plan them (an order round). */
  | { kind: 'orders'; reason: string };

/** Validates a follow-up, then refuses it when the incident cannot apply it (not committed yet, or over). */
export function acceptingFollowUps(s: IncidentState, closed: boolean, validate: () => unknown): void {
  validate();
  if (closed || isOver(s) || s.cancelRequested) throw new Error(`incident is ${s.stage}: it takes no more follow-ups`);
  if (!s.commit) throw new Error(`incident is ${s.stage}: follow-ups are taken once the plan is committed`);
}

/**
 * The inventory system's ETAs against those the incident last told (the assessment's to begin with): a PO
 * seen for the first time is only noted, a moved one is a change to tell the customers about.
 */
export function etaChangesSeen(s: IncidentState, current: Record<string, string>): { change: EtaChange; observed: { previousEta: string } }[] {
  const known = etasTold(s);
  const changes = Object.entries(current)
    .filter(([poId, eta]) => known[poId] !== undefined && known[poId] !== eta)
    .map(([poId, eta]) => ({ change: { poId, eta, reason: 'changed in the inventory system' }, observed: { previousEta: known[poId]! } }));
  s.inboundEtas = { ...current, ...Object.fromEntries(changes.map(({ change, observed }) => [change.poId, observed.previousEta])) };
  return changes;
}

/** Queues an order round unless one is already waiting: a round reads every change since the last, so one is enough. */
export function queueOrderRound(pending: PendingEvent[], reason: string): boolean {
  if (pending.some((e) => e.kind === 'orders')) return false;
  pending.push({ kind: 'orders', reason });
  return true;
}

/** The ETA of a PO as the customers will have been told once the pending changes are applied. */
export function etaAsTold(s: IncidentState, pending: PendingEvent[], poId: string): string | undefined {
  const queued = pending.filter((e) => e.kind === 'eta' && e.change.poId === poId).at(-1);
  return queued?.kind === 'eta' ? queued.change.eta : etasTold(s)[poId];
}

/** ETA per PO as the customers were last told: the assessment's, overridden by every change since. */
export function etasTold(s: IncidentState): Record<string, string> {
  return { ...s.impact?.inboundEtas, ...s.inboundEtas };
}

/**
 * The next inbound ETA as the customers were last told: the earliest told date not before the network's today
 * (a PO received since keeps its last date here); the assessment's for incidents assessed before ETAs per PO were kept.
 */
export function nextEtaTold(s: IncidentState, today: string): string | null {
  const told = Object.values(etasTold(s));
  if (told.length === 0) return s.impact?.nextInboundEta ?? null;
  return told.filter((eta) => eta >= today).sort()[0] ?? null;
}

export function describeEvent(event: PendingEvent): string {
  if (event.kind === 'restock') return `restock ${event.restock.receiptId} (${event.restock.quantity} units)`;
  if (event.kind === 'eta') return `ETA of ${event.change.poId} → ${event.change.eta}`;
  if (event.kind === 'orders') return `order changes (${event.reason})`;
  return `answer ${event.answer.answerId} (${event.answer.answer})`;
}
