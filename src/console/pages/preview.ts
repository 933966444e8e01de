// An override preview: the revision the planner's edits make, beside the one they change — per stage, per
// customer and the lines served otherwise — with the approval of exactly that revision (or the way back to
// editing). Nothing is committed until it is approved.
import { may } from '../../auth/roles';
import type { Session } from '../../auth/sessions';
import type { IncidentState } from '../../incident/state';
import type { OverridePreview } from '../../operations/incident-operations';
import type { ComparedLine } from '../../plan-view/compare';
import { html, percent, units, type SafeHtml } from '../html';
import { incidentHref } from './board';
import { fillBar, planSummaryLine } from './incident';
import { csrfField, layout } from './layout';

export function previewPage(session: Session, workflowId: string, state: IncidentState, preview: OverridePreview, currency: string): string {
  const href = incidentHref(workflowId);
  // The draft the editor kept for the revision these edits changed: approving this preview uses it up.
  const draftKey = `draft:${workflowId}:${preview.basedOn}`;
  return layout(
    { title: `Preview ${state.sku}`, session, page: 'preview' },
    html`<p class="crumbs"><a href="/console/board">Board</a> › <a href="${href}">${state.sku}</a> › Preview</p>
<h1>Preview: revision ${preview.revision} (your edits to revision ${preview.basedOn})</h1>
<p>${planSummaryLine(preview.plan, currency)}</p>
<p>Previewed by ${preview.previewedBy}. Nothing is committed until this revision is approved.</p>
<h2>Per stage</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Impact per stage"><table class="impact-stages"><thead><tr><th scope="col">Stage</th><th scope="col" class="num">Improved</th><th scope="col" class="num">Worse</th><th scope="col" class="num">Units served</th><th scope="col">Fill rate before → after</th></tr></thead>
<tbody>${preview.impact.perStage.map(
      (s) => html`<tr><th scope="row">${s.stage}</th><td class="num">${s.improved}</td><td class="num">${s.worse}</td><td class="num ${s.delta > 0 ? 'better' : s.delta < 0 ? 'worse' : ''}">${signed(s.delta)}</td>
<td>${fillBar(s.fillRateFrom, s.fillRateTo)} → ${percent(s.fillRateTo, 1)}</td></tr>`,
    )}</tbody></table></div>
<h2>Customers affected</h2>
${
  preview.impact.perCustomer.length
    ? html`<div class="scroll" tabindex="0" role="region" aria-label="Impact per customer"><table><thead><tr><th scope="col">Customer</th><th scope="col">Stage</th><th scope="col" class="num">Units served</th><th scope="col" class="num">Fill rate before</th><th scope="col" class="num">after</th></tr></thead>
<tbody>${preview.impact.perCustomer.map(
        (c) => html`<tr><th scope="row">${c.name ?? c.customerId}</th><td>${c.stage}${c.critical ? ' · critical' : ''}</td><td class="num ${c.delta > 0 ? 'better' : c.delta < 0 ? 'worse' : ''}">${signed(c.delta)}</td><td class="num">${percent(c.fillRateFrom, 1)}</td><td class="num">${percent(c.fillRateTo, 1)}</td></tr>`,
      )}</tbody></table></div>`
    : html`<p>No customer is served otherwise.</p>`
}
<h2>Lines served otherwise (${preview.changedLineCount})</h2>
${changedLinesTable(preview.changedLines, 'Lines the edits change')}
${
  may(session.person.role, 'approve')
    ? html`<div class="decide"><form method="post" action="${href}/decision" data-clear-draft="${draftKey}">${csrfField(session)}
<input type="hidden" name="decision" value="approve"><input type="hidden" name="planRevision" value="${preview.revision}">
<p><label for="approve-comment">Comment (optional)</label><input id="approve-comment" name="comment" maxlength="2000"></p>
<p><button type="submit" class="primary">Approve revision ${preview.revision}</button></p></form></div>`
    : html`<p class="muted">An approver approves revision ${preview.revision} from the incident page's previews.</p>`
}
<p><a href="${href}#lines-h">Back to editing</a> (your edits are kept in this browser tab)</p>`,
  );
}

/** Lines of two plans side by side: what each got before and after, and whether it is better or worse off. */
export function changedLinesTable(lines: ComparedLine[], caption: string): SafeHtml {
  if (lines.length === 0) return html`<p>No line is served otherwise.</p>`;
  return html`<div class="scroll" tabindex="0" role="region" aria-label="${caption}"><table class="changed-lines"><caption class="sr-only">${caption}</caption>
<thead><tr><th scope="col" class="num">Priority</th><th scope="col">Line</th><th scope="col">Customer</th><th scope="col" class="num">Allocated</th><th scope="col" class="num">Substitute</th><th scope="col" class="num">Backordered</th><th scope="col">Change</th></tr></thead>
<tbody>${lines.map(
    (l) => html`<tr data-line="${l.lineId}"><td class="num">${l.position}</td><th scope="row">${l.lineId}</th><td>${l.name ?? l.customerId} <span class="muted">${l.stage}</span></td>
<td class="num">${units(l.allocatedFrom)} → ${units(l.allocatedTo)}</td><td class="num">${units(l.substituteFrom)} → ${units(l.substituteTo)}</td><td class="num">${units(l.backorderedFrom)} → ${units(l.backorderedTo)}</td>
<td class="${l.change === 'improved' ? 'better' : l.change === 'worse' ? 'worse' : ''}">${l.change}${l.delta ? ` (${signed(l.delta)} units served)` : ''}</td></tr>`,
  )}</tbody></table></div>`;
}

const signed = (n: number) => (n > 0 ? `+${units(n)}` : n < 0 ? `−${units(-n)}` : '±0');
