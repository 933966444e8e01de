// What the Temporal UI shows of an incident: the summary and details it is started with, and its current
// details (`setCurrentDetails`) — where it stands and what it waits for — as Temporal markdown. Without payload
// keys the server keeps these texts in plain text, so they carry figures and ids only, never customer names,
// emails or addresses.
// Imported by workflow code: keep it pure.
import type { Trigger } from './commands';
import type { IncidentState } from './state';
import { waitsFor } from './vocabulary';

/** Start options: fixed for the workflow's life. Severity is assessed after the start, so the details point at it. */
export function incidentUserMetadata(trigger: Trigger): { staticSummary: string; staticDetails: string } {
  return {
    staticSummary: `Stockout of ${trigger.sku} in network ${trigger.network}`,
    staticDetails:
      `**SKU** ${trigger.sku} · **Network** ${trigger.network} · **Opened by** a ${trigger.source} trigger (${trigger.triggerId})\n\n` +
      'Severity, stage and shortage: in the current details and the StockoutSeverity and StockoutStage search attributes.',
  };
}

export function currentDetails(s: IncidentState): string {
  const lines = [`**Stage:** ${s.stage} · **Severity:** ${s.severity}`];
  if (s.attention) {
    lines.push(`**Needs attention** since ${s.attention.since}: ${s.attention.stage} failed — ${s.attention.reason}`);
    lines.push('Fix the cause, then resume the incident (`stockout resume`).');
  } else {
    const wanted = waitsFor(s.stage);
    if (wanted) lines.push(`**Waiting for a person:** ${wanted}`);
  }
  if (s.impact) {
    lines.push(`**Shortage:** ${s.impact.shortage} units (demand ${s.impact.demand}, available ${s.impact.available}) · **Customers affected:** ${s.impact.affectedCustomers}`);
  }
  if (s.approval.required) lines.push(`**Approval:** ${s.approval.status}${s.approval.deadline ? `, deadline ${s.approval.deadline}` : ''}`);
  if (s.backorders) lines.push(`**Backorders open:** ${s.backorders.openUnits} units on ${s.backorders.openLines} lines`);
  if (s.firstNoticeAt) lines.push(`**First notice sent:** ${s.firstNoticeAt}`);
  if (s.cancelRequested) lines.push('**Cancellation requested**');
  return lines.join('\n\n');
}

/** A wait's time as people say it: "in 3 days", "in 6 hours", "in 20 minutes". */
function inTime(ms: number): string {
  const minutes = Math.max(0, Math.round(ms / 60_000));
  if (minutes >= 48 * 60) return `in ${Math.round(minutes / (24 * 60))} days`;
  if (minutes >= 120) return `in ${Math.round(minutes / 60)} hours`;
  return `in ${minutes} minutes`;
}

/** The follow-up timer's summary: which of its wake-ups comes first, and when. */
export function followUpTimerSummary(
  now: number,
  due: { nextStatusAt: number; nextCheckAt: number; slaAt: number | null; ration?: { at: number; period: number; periods: number } },
): string {
  const ration = due.ration;
  const wakeUps: [number, string][] = [
    [due.nextStatusAt, 'status email'],
    [due.nextCheckAt, 'restock and ETA check'],
    ...(due.slaAt === null ? [] : ([[due.slaAt, 'SLA escalation']] as [number, string][])),
    ...(ration ? ([[ration.at, ration.period > ration.periods ? `end of ration period ${ration.periods} of ${ration.periods}` : `ration period ${ration.period} of ${ration.periods}`]] as [number, string][]) : []),
  ];
  const [at, what] = wakeUps.reduce((first, next) => (next[0] < first[0] ? next : first));
  return `${what} ${inTime(at - now)}, or a restock, ETA change or answer`;
}

/** The approval wait's summary. */
export function approvalTimerSummary(waitMs: number): string {
  return `approval deadline ${inTime(waitMs)}, or a planner's decision`;
}
