// The plan line by line on the incident page: a filter form (stage, customer search, reason, outcome, sort),
// a page of lines with who gets what and why, and — while the plan awaits a decision and the person may plan
// — an allocation field and a reason field on every line, with the preview form the script fills from its
// draft. Each row carries what the script needs for the live impact bar (stage, what it gets now).
import { REASON_CODES } from '../../allocation/types';
import type { Session } from '../../auth/sessions';
import type { PlanSummary } from '../../incident/state';
import type { PlanLinesPage } from '../../operations/incident-operations';
import { PLAN_LINE_OUTCOMES, type PlanLineView } from '../../plan-view/lines';
import { PLAN_SORTS } from '../../plan-view/pages';
import { html, query, units, type SafeHtml } from '../html';
import { csrfField } from './layout';
import type { PlanTableFilter } from '../forms';

export const PLAN_PAGE_SIZE = 50;

export const OUTCOME_WORDS: Record<(typeof PLAN_LINE_OUTCOMES)[number], string> = {
  full: 'in full',
  partial: 'partly',
  substitute: 'with a substitute',
  nothing: 'nothing now',
};

export function planTable(options: {
  session: Session;
  href: string;
  plan: PlanSummary;
  page: PlanLinesPage;
  filter: PlanTableFilter;
  /** Lines get allocation and reason fields, and the preview form is offered. */
  editable: boolean;
}): SafeHtml {
  const { page, filter, plan, editable, href } = options;
  const select = (name: 'stage' | 'reason' | 'outcome', label: string, values: readonly string[], words: (v: string) => string = (v) => v) =>
    html`<p><label for="plan-${name}">${label}</label><select id="plan-${name}" name="${name}"><option value="">any</option>${values.map(
      (v) => html`<option value="${v}"${filter[name] === v ? html` selected` : ''}>${words(v)}</option>`,
    )}</select></p>`;
  const { cursor: _cursor, ...kept } = filter;
  return html`<h3 id="lines-h">Lines</h3>
<form class="plan-filters" method="get" action="${href}#lines-h" aria-label="Filter the plan's lines">
${select('stage', 'Stage', plan.byStage.map((s) => s.stage))}
<p><label for="plan-customer">Customer (id or name)</label><input id="plan-customer" name="customer" type="search" value="${filter.customer ?? ''}" maxlength="200"></p>
${select('reason', 'Reason', REASON_CODES)}
${select('outcome', 'Served', PLAN_LINE_OUTCOMES, (o) => OUTCOME_WORDS[o as keyof typeof OUTCOME_WORDS])}
<p><label for="plan-sort">Sort by</label><select id="plan-sort" name="sort">${PLAN_SORTS.map((s) => html`<option value="${s}"${(filter.sort ?? 'priority') === s ? html` selected` : ''}>${s}</option>`)}</select></p>
<p><button type="submit">Show lines</button> <a href="${href}#lines-h">Clear</a></p>
</form>
<p>${units(page.total)} lines match${page.lines.length ? html`; showing ${page.lines.length}` : ''}.${
    filter.cursor ? html` <a href="${href}${query(kept)}#lines-h">First page</a>` : ''
  }${page.nextCursor ? html` <a href="${href}${query({ ...kept, cursor: page.nextCursor })}#lines-h" rel="next">Next page</a>` : ''}</p>
${
  page.lines.length === 0
    ? html``
    : html`<div class="scroll" tabindex="0" role="region" aria-labelledby="lines-h">
<table class="plan-lines">
<caption class="sr-only">Plan revision ${page.revision}, line by line${editable ? ', with a field to change what each line gets' : ''}</caption>
<thead><tr><th scope="col" class="num">Priority</th><th scope="col">Customer</th><th scope="col">Order / line</th><th scope="col" class="num">Requested</th><th scope="col" class="num">Held before</th><th scope="col" class="num">${editable ? 'Allocated (edit)' : 'Allocated'}</th><th scope="col">Substitute</th><th scope="col" class="num">Backordered</th><th scope="col" class="num">Change</th><th scope="col">Served</th><th scope="col">Why</th>${editable ? html`<th scope="col">Reason for your change</th>` : ''}</tr></thead>
<tbody>${page.lines.map((line) => lineRow(line, editable))}</tbody></table></div>`
}
${editable ? previewForm(options.session, href, plan) : ''}`;
}

function lineRow(line: PlanLineView, editable: boolean): SafeHtml {
  const who = line.customer.name ?? line.customer.customerId;
  return html`<tr data-line="${line.lineId}" data-stage="${line.customer.stage}" data-allocated="${line.allocated}" data-requested="${line.requested}">
<td class="num">${line.position}</td>
<th scope="row">${who}${line.customer.name ? html` <span class="muted">${line.customer.customerId}</span>` : ''}<br><span class="muted">${line.customer.stage}${line.customer.critical ? ' · critical' : ''}</span></th>
<td>${line.orderId}<br><span class="muted">${line.lineId}</span></td>
<td class="num">${units(line.requested)}</td><td class="num">${units(line.held)}</td>
<td class="num edit">${
    editable
      ? html`<input class="allocate" type="number" min="0" max="${line.requested}" step="1" inputmode="numeric" value="${line.allocated}" aria-label="Units of the SKU for line ${line.lineId} of ${who}">`
      : units(line.allocated)
  }</td>
<td>${line.substitutes.length ? line.substitutes.map((s) => html`${s.sku}: ${units(s.units)} `) : '—'}</td>
<td class="num">${units(line.backordered)}</td><td class="num">${line.change > 0 ? `+${line.change}` : line.change}</td>
<td>${OUTCOME_WORDS[line.outcome]}${line.override ? html`<br><span class="muted">pinned${line.override.reason ? `: ${line.override.reason}` : ''}</span>` : ''}${line.exception ? html`<br><strong class="warn">${line.exception}</strong>` : ''}</td>
<td>${line.reasons.map((r, i) => html`${i ? '; ' : ''}${r.words}`)}</td>
${editable ? html`<td><input class="reason" maxlength="500" aria-label="Reason for changing line ${line.lineId}"></td>` : ''}
</tr>`;
}

/** Sends the draft (every page's edits) to be previewed; nothing is committed until a preview is approved. */
function previewForm(session: Session, href: string, plan: PlanSummary): SafeHtml {
  return html`<form id="preview-form" method="post" action="${href}/preview" class="impact">${csrfField(session)}
<input type="hidden" name="planRevision" value="${plan.revision}"><input type="hidden" name="overrides" value="[]">
<p id="draft-summary" aria-live="polite">Change a line's units to edit the plan; a reason is needed for each line you lower.</p>
<p><button type="submit" class="primary">Preview the revised plan</button> <button type="button" id="draft-clear">Discard edits</button></p>
</form>`;
}
