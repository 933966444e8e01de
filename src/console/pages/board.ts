// The board: every incident with what a planner triages by, filters and counts, incidents waiting for a
// person first. The table body and counts are also served alone (`rows`), which the page's script polls.
import { html, money, query, units, when, type SafeHtml } from '../html';
import type { Board, BoardFilter } from '../board-data';
import { INCIDENT_STAGES, SEVERITY_ORDER } from '../../incident/vocabulary';
import type { Session } from '../../auth/sessions';
import { layout } from './layout';

export const incidentHref = (workflowId: string) => `/console/incidents/${encodeURIComponent(workflowId)}`;
/** The query naming an earlier run of the workflow id, for links to a closed incident's page and report. */
export const runQuery = (runId: string | undefined) => (runId ? `?run=${encodeURIComponent(runId)}` : '');

export function boardPage(session: Session, filter: BoardFilter, board: Board, currency: string, flash?: { text: string; error?: boolean } | null): string {
  const select = (name: string, label: string, options: readonly string[], value: string | undefined, any = 'any') =>
    html`<p><label for="f-${name}">${label}</label><select id="f-${name}" name="${name}">${[
      html`<option value="">${any}</option>`,
      options.map((o) => html`<option value="${o}"${o === value ? html` selected` : ''}>${o}</option>`),
    ]}</select></p>`;
  return layout(
    { title: 'Board', session, flash: flash ?? null, page: 'board' },
    html`<h1>Incidents</h1>
<form class="filters" method="get" action="/console/board" aria-label="Filter incidents">
  <p><label for="f-state">Show</label><select id="f-state" name="state">${(['open', 'closed', 'all'] as const).map(
    (o) => html`<option value="${o}"${o === filter.state ? html` selected` : ''}>${o}</option>`,
  )}</select></p>
  ${select('stage', 'Stage', INCIDENT_STAGES, filter.stage)}
  ${select('severity', 'Severity', SEVERITY_ORDER, filter.severity)}
  <p><label for="f-network">Network</label><input id="f-network" name="network" value="${filter.network ?? ''}" maxlength="200" size="8"></p>
  <p><label for="f-sku">SKU</label><input id="f-sku" name="sku" value="${filter.sku ?? ''}" maxlength="200" size="12"></p>
  <p><button type="submit">Filter</button> <a href="/console/board">Clear</a></p>
</form>
<div id="board" data-refresh="/console/board/rows${query({ ...filter })}">${boardRows(board, currency)}</div>
<p class="muted" aria-live="polite" id="board-updated"></p>`,
  );
}

/** Counts and the table: what the script replaces on every refresh. */
export function boardRows(board: Board, currency: string): SafeHtml {
  const { counts } = board;
  return html`<p class="counts"><strong>${counts.shown}</strong> incidents${counts.needPerson ? html`, <strong class="need">${counts.needPerson} waiting for a person</strong>` : ''}${
    Object.keys(counts.bySeverity).length
      ? html` · ${SEVERITY_ORDER.filter((s) => counts.bySeverity[s]).map((s, i) => html`${i ? ', ' : ''}${counts.bySeverity[s]} ${s}`)}`
      : ''
  }</p>
${
  board.rows.length === 0
    ? html`<p>No incident matches.</p>`
    : html`<div class="scroll" tabindex="0" role="region" aria-label="Incidents table">
<table class="board">
<caption class="sr-only">Incidents, those waiting for a person first</caption>
<thead><tr><th scope="col">SKU</th><th scope="col">Network</th><th scope="col">Stage</th><th scope="col">Severity</th><th scope="col" class="num">Shortage</th><th scope="col" class="num">Customers</th><th scope="col" class="num">Revenue at risk</th><th scope="col">Approval deadline</th><th scope="col">Needs</th></tr></thead>
<tbody>${board.rows.map(
        (r) => html`<tr class="${r.attention ? 'needs' : ''}">
<th scope="row"><a href="${incidentHref(r.workflowId)}${r.open ? '' : runQuery(r.runId)}">${r.sku}</a></th>
<td>${r.network}</td><td><span class="stage">${r.stage}</span></td><td><span class="sev sev-${r.severity}">${r.severity}</span></td>
<td class="num">${r.shortage === null ? '—' : units(r.shortage)}</td><td class="num">${r.affectedCustomers ?? '—'}</td>
<td class="num">${r.revenueAtRisk === null ? '—' : money(r.revenueAtRisk, currency)}</td><td>${r.approvalDeadline ? when(r.approvalDeadline) : '—'}</td>
<td>${r.attention ?? ''}</td></tr>`,
      )}</tbody></table></div>`
}`;
}
