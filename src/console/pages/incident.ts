// The incident page: the figures, what waits for a person (approval, resume), the plan per stage and line by
// line with override editing, what-if, substitutes, emails and answers per customer, restocks and ETA changes,
// cancel with its consequences, and the timeline with who did what. Buttons are offered by role; the routes
// refuse what a role may not do whatever the page offered.
import { revenueAtRisk } from '../../incident/figures';
import { calendarDate, networkTimeZone } from '../../incident/follow-up-checks';
import { nextEtaTold } from '../../incident/follow-ups';
import { coverInWords } from '../../impact/cover';
import { may } from '../../auth/roles';
import type { Session } from '../../auth/sessions';
import type { IncidentState, PlanSummary, StageFigures } from '../../incident/state';
import { isOver } from '../../incident/vocabulary';
import { html, money, percent, units, when, type SafeHtml } from '../html';
import { csrfField, layout } from './layout';
import { incidentHref, runQuery } from './board';
import type { WHAT_IF_POLICIES } from '../what-if-policies';

export interface IncidentView {
  state: IncidentState;
  workflowId: string;
  currency: string;
  /** The SKU's open inbound orders, for restocks and ETA changes; null when the inventory system is not reachable here. */
  inbound: { poId: string; eta: string; quantity: number; receivedQuantity: number; locationId: string }[] | null;
  /** Emails per customer from the CRM's communication log; null when the CRM is not reachable here. */
  communications: { customerId: string; entries: { kind: string; outcome: string; recordedAt: string }[] }[] | null;
  /** The plan line by line with its editor, when the plan can be read. */
  planLines: SafeHtml | null;
  whatIfPolicies: typeof WHAT_IF_POLICIES;
  /** A fresh key for the restock form: the same form sent twice records one receipt. */
  receiptKey: string;
  /** Set when the page shows an earlier incident of the SKU, a closed run its board row named. */
  runId?: string;
}

export function incidentPage(session: Session, view: IncidentView, flash?: { text: string; error?: boolean } | null): string {
  const { state } = view;
  const href = incidentHref(view.workflowId);
  return layout(
    { title: `${state.sku} in ${state.network}`, session, flash: flash ?? null, page: 'incident' },
    html`<p class="crumbs"><a href="/console/board">Board</a> › ${state.sku}</p>
<h1>${state.sku} <span class="muted">in ${state.network}</span></h1>
${header(view)}
${needsPerson(session, view, href)}
${planSection(session, view, href)}
${whatIfSection(session, view, href)}
${substitutesSection(state)}
${followUpSection(session, view, href)}
${communicationsSection(view)}
${cancelSection(session, state, href)}
${timelineSection(state)}`,
  );
}

/** By the one definition once a plan states it (src/incident/figures), else the assessment's estimate, said so. */
function revenueFigure(impact: NonNullable<IncidentState['impact']>, state: IncidentState, currency: string): string {
  const r = revenueAtRisk(impact, state.plan);
  return `${money(r.amount, r.currency ?? currency)} (${r.basis})`;
}

function header(view: IncidentView): SafeHtml {
  const { state } = view;
  const i = state.impact;
  const figure = (label: string, value: string | number) => html`<div><dt>${label}</dt><dd>${value}</dd></div>`;
  return html`<dl class="figures" aria-label="Incident figures">
${figure('Stage', state.stage)}${figure('Severity', state.severity)}
${i && i.shortage <= 0 ? figure('Demand covered', `${units(i.available)} units available for ${units(i.demand)} open, ${units(i.available - i.demand)} to spare`) : ''}
${i && i.shortage > 0 ? [figure('Shortage', `${units(i.shortage)} units`), figure('Demand / available', `${units(i.demand)} / ${units(i.available)}`), figure('Affected customers', i.affectedCustomers), figure('Affected lines', i.affectedLines), figure('Revenue at risk', revenueFigure(i, state, view.currency)), figure('Days of cover', coverInWords(i.daysOfCover, i.available)), figure('Next inbound ETA', nextEtaTold(state, calendarDate(Date.now(), networkTimeZone(state))) ?? 'none')] : ''}
${figure('Approval', approvalLine(state))}
${state.backorders ? figure('Open backorders', `${units(state.backorders.openUnits)} units on ${state.backorders.openLines} lines`) : ''}
${figure('Opened', when(state.openedAt))}
</dl>
${isOver(state.stage) ? html`<p><a class="button" href="${incidentHref(view.workflowId)}/report${runQuery(view.runId)}">Post-incident report</a></p>` : ''}`;
}

function approvalLine(state: IncidentState): string {
  const a = state.approval;
  const waiting = ['pending', 'escalated', 'rejected'].includes(a.status);
  return [a.status, a.decidedBy ? `by ${a.decidedBy}` : '', a.comment ? `“${a.comment}”` : '', waiting && a.deadline ? `deadline ${when(a.deadline)}` : ''].filter(Boolean).join(' · ');
}

function needsPerson(session: Session, view: IncidentView, href: string): SafeHtml {
  const { state } = view;
  if (state.stage === 'needs-attention' && state.attention) {
    return html`<section class="attention" aria-labelledby="attention-h"><h2 id="attention-h">Needs attention</h2>
<p>Parked in <strong>${state.attention.stage}</strong> since ${when(state.attention.since)}: ${state.attention.reason}</p>
${
  may(session.person.role, 'resume')
    ? html`<form method="post" action="${href}/resume">${csrfField(session)}
<p><label for="resume-note">Note (what was fixed)</label><input id="resume-note" name="note" maxlength="2000"></p>
<p>Resuming runs the parked stage again with the data as it now is.</p>
<p><button type="submit">Resume</button></p></form>
${state.attention.command ? withdrawForm(session, state.attention.command, href) : ''}`
    : html`<p class="muted">A planner resumes it once the data behind it is fixed.</p>`
}</section>`;
  }
  return html``;
}

/** A parked command can be dropped instead: the follow-up goes on without it. */
function withdrawForm(session: Session, command: string, href: string): SafeHtml {
  return html`<form method="post" action="${href}/withdraw">${csrfField(session)}
<p>Or withdraw <strong>${command}</strong>, whose write parked the incident: the follow-up goes on without it.</p>
<p><label for="withdraw-reason">Why it is withdrawn (required)</label><input id="withdraw-reason" name="reason" required maxlength="500"></p>
<p><button type="submit">Withdraw ${command}</button></p></form>`;
}

/** Fill per stage as a bar: what the plan serves (SKU and substitutes) of what was asked. */
export function stageBars(byStage: StageFigures[], options: { editable?: boolean } = {}): SafeHtml {
  return html`<div class="scroll" tabindex="0" role="region" aria-label="The plan per relationship stage"><table class="stages">
<caption class="sr-only">The plan per relationship stage</caption>
<thead><tr><th scope="col">Stage</th><th scope="col" class="num">Lines</th><th scope="col" class="num">Requested</th><th scope="col" class="num">Allocated</th><th scope="col" class="num">Substituted</th><th scope="col" class="num">Backordered</th><th scope="col" class="num">With nothing</th><th scope="col" class="bar-col">Fill rate${options.editable ? ' (with your edits)' : ''}</th></tr></thead>
<tbody>${byStage.map((row) => {
    const served = row.allocated + row.substituted;
    return html`<tr data-stage="${row.stage}" data-requested="${row.requested}" data-served="${served}">
<th scope="row">${row.stage}</th><td class="num">${row.lines}</td><td class="num">${units(row.requested)}</td><td class="num">${units(row.allocated)}</td><td class="num">${units(row.substituted)}</td><td class="num">${units(row.backordered)}</td><td class="num">${row.customersWithNothing}</td>
<td class="bar-col">${fillBar(row.fillRate)}${options.editable ? html` <span class="edited" data-edited-fill aria-live="polite"></span>` : ''}</td></tr>`;
  })}</tbody></table></div>`;
}

/** A horizontal bar, its value also in words. */
export function fillBar(rate: number, edited?: number): SafeHtml {
  const w = (r: number) => Math.max(0, Math.min(100, Math.round(r * 100)));
  return html`<svg class="bar" viewBox="0 0 100 10" width="120" height="12" role="img" aria-label="fill rate ${percent(rate)}" preserveAspectRatio="none"><rect class="track" x="0" y="0" width="100" height="10"/><rect class="fill" data-base x="0" y="0" width="${w(rate)}" height="10"/>${
    // The edited figure is the lower half, so both stay visible.
    html`<rect class="fill-edited" data-edit x="0" y="5" width="${edited === undefined ? 0 : w(edited)}" height="5"/>`
  }</svg> <span data-base-label>${percent(rate, 1)}</span>`;
}

function planSection(session: Session, view: IncidentView, href: string): SafeHtml {
  const plan = view.state.plan;
  if (!plan) return html`<section aria-labelledby="plan-h"><h2 id="plan-h">Plan</h2><p>No plan yet (stage ${view.state.stage}).</p></section>`;
  const awaiting = ['pending', 'escalated', 'rejected'].includes(view.state.approval.status) && view.state.stage === 'awaiting-approval';
  return html`<section aria-labelledby="plan-h" id="plan" data-revision="${plan.revision}" data-pool-left="${plan.poolLeft}" data-incident="${view.workflowId}">
<h2 id="plan-h">Plan, revision ${plan.revision}</h2>
<p>${planSummaryLine(plan, view.currency)}</p>
${stageBars(plan.byStage, { editable: awaiting && may(session.person.role, 'plan') })}
${plan.exceptions.length ? html`<p class="warn">${plan.exceptionCount ?? plan.exceptions.length} lines that must be served in full cannot be: ${plan.exceptions.slice(0, 5).join(', ')}${(plan.exceptionCount ?? plan.exceptions.length) > 5 ? '…' : ''}</p>` : ''}
${view.planLines ?? html`<p class="muted">${view.runId ? 'The lines of an earlier incident’s plan are not listed here; its report has the outcome.' : 'The plan’s lines cannot be read here.'}</p>`}
${awaiting ? decisionForms(session, plan, href) : ''}
${awaiting ? previewList(session, view.state, href) : ''}
</section>`;
}

export function planSummaryLine(plan: PlanSummary, currency: string): SafeHtml {
  const protectedRevenue = plan.byStage.reduce((sum, s) => sum + s.revenueProtected, 0);
  return html`Policy <strong>${plan.policyName}</strong>: pool ${units(plan.pool)} units, ${units(plan.poolUsed)} used, ${units(plan.poolLeft)} left; fill rate ${percent(plan.totals.fillRate, 1)}, ${units(plan.totals.backordered)} backordered, ${plan.totals.customersWithNothing} customers with nothing; largest customer ${percent(plan.largestCustomerShare, 1)} of supply${plan.capPercent !== undefined ? html` (cap ${plan.capPercent}%)` : ''}; revenue protected ${money(protectedRevenue, currency)}.`;
}

/** Approve as it stands, or reject with a reason; approving with edits goes through the preview first. */
function decisionForms(session: Session, plan: PlanSummary, href: string): SafeHtml {
  if (!may(session.person.role, 'approve')) {
    return html`<p class="muted">This plan awaits approval by an approver.${may(session.person.role, 'plan') ? ' You may edit lines and preview the result.' : ''}</p>`;
  }
  return html`<div class="decide">
<form method="post" action="${href}/decision" class="approve-form">${csrfField(session)}
<input type="hidden" name="decision" value="approve"><input type="hidden" name="planRevision" value="${plan.revision}">
<p><label for="approve-comment">Comment (optional)</label><input id="approve-comment" name="comment" maxlength="2000"></p>
<p><button type="submit" class="primary" data-approve>Approve revision ${plan.revision} as it stands</button></p>
</form>
<form method="post" action="${href}/decision" class="reject-form">${csrfField(session)}
<input type="hidden" name="decision" value="reject"><input type="hidden" name="planRevision" value="${plan.revision}">
<p><label for="reject-comment">Reason for rejecting (required)</label><input id="reject-comment" name="comment" required maxlength="2000"></p>
<p><button type="submit" data-reject>Reject</button></p>
</form></div>`;
}

/** Previews made of this plan, newest first: each can be approved as it was shown. */
function previewList(session: Session, state: IncidentState, href: string): SafeHtml {
  const previews = [...(state.previews ?? [])].reverse();
  if (previews.length === 0) return html``;
  return html`<h3>Previews</h3><ul class="previews">${previews.map(
    (p) => html`<li>Revision ${p.plan.revision} (edits to ${p.basedOn}) by ${p.previewedBy}, ${when(p.previewedAt)}: fill rate ${percent(p.plan.totals.fillRate, 1)}, ${units(p.plan.totals.backordered)} backordered.${
      may(session.person.role, 'approve')
        ? html` <form method="post" action="${href}/decision" class="inline">${csrfField(session)}<input type="hidden" name="decision" value="approve"><input type="hidden" name="planRevision" value="${p.plan.revision}"><button type="submit">Approve revision ${p.plan.revision}</button></form>`
        : ''
    }</li>`,
  )}</ul>`;
}

function whatIfSection(session: Session, view: IncidentView, href: string): SafeHtml {
  if (!view.state.plan || isOver(view.state.stage) || !may(session.person.role, 'plan')) return html``;
  return html`<section aria-labelledby="whatif-h"><h2 id="whatif-h">What-if</h2>
<form method="post" action="${href}/what-if">${csrfField(session)}
<p><label for="whatif-policy">Policy</label><select id="whatif-policy" name="preset">${Object.entries(view.whatIfPolicies).map(
    ([key, p]) => html`<option value="${key}">${p.label}</option>`,
  )}</select></p>
<details><summary>Or edit the policy (JSON, the changes from the deployment’s policy)</summary>
<p><label for="whatif-json">Policy JSON</label><textarea id="whatif-json" name="policy" rows="6" cols="60" maxlength="20000" spellcheck="false"></textarea></p></details>
<p><button type="submit">Compare with the current plan</button></p>
<p class="muted">Nothing is committed; the comparison shows both plans per stage and every line that changes.</p>
</form></section>`;
}

function substitutesSection(state: IncidentState): SafeHtml {
  if (state.substitutes.length === 0) return html``;
  return html`<section aria-labelledby="subs-h"><h2 id="subs-h">Substitutes</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Substitutes"><table><thead><tr><th scope="col">SKU</th><th scope="col" class="num">Free at the hub</th><th scope="col" class="num">Units per original</th><th scope="col" class="num">Price difference</th><th scope="col" class="num">Pack</th></tr></thead>
<tbody>${state.substitutes.map((s) => html`<tr><th scope="row">${s.sku}</th><td class="num">${units(s.available)}</td><td class="num">${s.ratio}</td><td class="num">${s.priceDelta}</td><td class="num">${s.packSize}</td></tr>`)}</tbody></table></div></section>`;
}

function followUpSection(session: Session, view: IncidentView, href: string): SafeHtml {
  const { state } = view;
  const following = state.stage === 'following-up' || state.stage === 'notifying';
  if (!following) return html``;
  const open = (view.inbound ?? []).filter((po) => po.quantity > po.receivedQuantity);
  const poOptions = (withNone: boolean) =>
    html`${withNone ? html`<option value="">none (not against an order)</option>` : ''}${open.map(
      (po) => html`<option value="${po.poId}">${po.poId}: ${units(po.quantity - po.receivedQuantity)} units due ${state.inboundEtas?.[po.poId] ?? po.eta} at ${po.locationId}</option>`,
    )}`;
  const canRecord = may(session.person.role, 'record-follow-up');
  return html`<section aria-labelledby="follow-h"><h2 id="follow-h">Restocks and ETAs</h2>
<p>${state.backorders ? html`${units(state.backorders.openUnits)} units still backordered on ${state.backorders.openLines} lines; ${units(state.backorders.fulfilledUnits)} fulfilled.` : ''} ${state.restockRounds} restocks applied${state.pendingEvents ? html`, ${state.pendingEvents} events waiting to be applied` : ''}.</p>
${
  !canRecord
    ? html`<p class="muted">Planners record restocks and ETA changes.</p>`
    : html`<div class="pair">
<form method="post" action="${href}/restocks">${csrfField(session)}<input type="hidden" name="receiptKey" value="${view.receiptKey}"><h3>Record a restock</h3>
<p><label for="restock-qty">Units received at the hub</label><input id="restock-qty" name="quantity" type="number" min="1" step="1" inputmode="numeric" required></p>
<p><label for="restock-po">Against purchase order</label><select id="restock-po" name="poId">${poOptions(true)}</select></p>
<p class="muted">They go to open backorders by the plan's own rules; customers are told.</p>
<p><button type="submit">Record restock</button></p></form>
${
  open.length
    ? html`<form method="post" action="${href}/eta-changes">${csrfField(session)}<h3>Record an ETA change</h3>
<p><label for="eta-po">Purchase order</label><select id="eta-po" name="poId" required>${poOptions(false)}</select></p>
<p><label for="eta-date">New ETA</label><input id="eta-date" name="eta" type="date" required></p>
<p><label for="eta-reason">Reason</label><input id="eta-reason" name="reason" maxlength="400"></p>
<p class="muted">Customers with open backorders on it are told the new date.</p>
<p><button type="submit">Record ETA change</button></p></form>`
    : view.inbound === null
      ? html`<p class="muted">The inventory system's purchase orders cannot be read here.</p>`
      : html`<p class="muted">The SKU has no open purchase orders.</p>`
}</div>`
}</section>`;
}

function communicationsSection(view: IncidentView): SafeHtml {
  const answers = view.state.timeline.filter((t) => t.event.startsWith('customer answer'));
  if (!view.communications && answers.length === 0) return html``;
  return html`<section aria-labelledby="comms-h"><h2 id="comms-h">Emails and answers</h2>
${
  view.communications
    ? view.communications.length === 0
      ? html`<p>No email sent yet.</p>`
      : html`<div class="scroll" tabindex="0" role="region" aria-label="Emails per customer"><table><thead><tr><th scope="col">Customer</th><th scope="col">Emails (kind, outcome, when)</th></tr></thead>
<tbody>${view.communications.map(
          (c) => html`<tr><th scope="row">${c.customerId}</th><td>${c.entries.map((e, i) => html`${i ? '; ' : ''}${e.kind} ${e.outcome === 'sent' ? '' : html`<strong>${e.outcome}</strong> `}${when(e.recordedAt)}`)}</td></tr>`,
        )}</tbody></table></div>`
    : html`<p class="muted">The CRM's communication log cannot be read here.</p>`
}
${answers.length ? html`<h3>Customer answers</h3><ul>${answers.map((a) => html`<li>${when(a.at)}: ${a.event.replace('customer answer: ', '')} — ${a.detail ?? ''}</li>`)}</ul>` : ''}
</section>`;
}

function cancelSection(session: Session, state: IncidentState, href: string): SafeHtml {
  if (isOver(state.stage) || state.cancelRequested || !may(session.person.role, 'cancel')) {
    return state.cancelRequested ? html`<p class="warn">Cancellation requested by ${state.cancelRequested.cancelledBy}: ${state.cancelRequested.reason}</p>` : html``;
  }
  const notified = state.deliveries.reduce((sum, d) => sum + d.sent, 0);
  return html`<section aria-labelledby="cancel-h"><h2 id="cancel-h">Cancel the incident</h2>
<details><summary>Cancel…</summary>
<form method="post" action="${href}/cancel">${csrfField(session)}
<p>Cancelling leaves the orders as they were before the incident:</p>
<ul>${cancelEffects(state).map((effect) => html`<li>${effect};</li>`)}
<li>${notified ? `${notified} customer emails were sent: those customers are told` : 'no customer was told anything yet'}.</li>
</ul>
<p><label for="cancel-reason">Reason (required)</label><input id="cancel-reason" name="reason" required maxlength="500"></p>
<p><input type="checkbox" id="cancel-confirm" name="confirm" value="yes" required><label for="cancel-confirm" class="inline">I understand what cancelling does</label></p>
<p><button type="submit" class="danger">Cancel the incident</button></p>
</form></details></section>`;
}

/** What a cancellation would undo now, as the compensation does it (activities/follow-up.ts): only what is still undoable. */
function cancelEffects(state: IncidentState): string[] {
  const transfers = state.pooling?.transfers ?? [];
  const unshipped = transfers.filter((t) => t.status === 'created').length;
  const onTheirWay = transfers.filter((t) => t.status === 'shipped').length;
  const effects = [
    `${unshipped} unshipped transfers are cancelled${onTheirWay ? ` (${onTheirWay} already on their way still arrive at the hub)` : ''}`,
  ];
  const { commit, backorders, plan } = state;
  if (!commit) return [...effects, 'nothing was committed yet'];
  const openBackorders = backorders ? backorders.openUnits : commit.backorderedUnits;
  effects.push(`the reservations it still holds are released (${units(commit.reservedUnits)} units were reserved at commit) and ${units(openBackorders)} backordered units still open are withdrawn (open demand again)`);
  const released = plan?.confirmedReleased;
  if (released === undefined) effects.push('the confirmations the plan took back are restored, as far as the hub’s stock allows');
  else if (released > 0) effects.push(`the ${units(released)} confirmed units the plan took back are restored, as far as the hub’s stock allows`);
  return effects;
}

function timelineSection(state: IncidentState): SafeHtml {
  return html`<section aria-labelledby="timeline-h"><h2 id="timeline-h">Timeline</h2>
<ol class="timeline" reversed>${[...state.timeline].reverse().map(
    (t) => html`<li><time datetime="${t.at}">${when(t.at)}</time> <strong>${t.event}</strong>${t.detail ? html` — ${t.detail}` : ''}</li>`,
  )}</ol>
${state.timelineDropped ? html`<p class="muted">${state.timelineDropped} older entries are in the report.</p>` : ''}
</section>`;
}

/** What an incident page's header shows for a state without the rest (used by the preview and what-if pages). */
export function incidentTitle(state: IncidentState): string {
  return `${state.sku} in ${state.network}`;
}
