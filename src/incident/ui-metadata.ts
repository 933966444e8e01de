// What the Temporal UI shows of an incident: the summary and details it is started with, and its current
// details (`setCurrentDetails`) — where it stands and what it waits for — as Temporal markdown. The server keeps
// these texts unencrypted, so they carry figures and ids only, never customer names, emails or addresses.
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
