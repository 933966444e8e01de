// The post-incident report as a supply chain manager reads it: the outcome in a line, then charts — fill rate
// per stage at commit and at close, backorders burning down, each customer's share of the supply against the
// cap, revenue protected and lost per stage, ETA slips — then the recommendations and the timeline.
import type { Session } from '../../auth/sessions';
import type { TimelineEntry } from '../../incident/state';
import { coverLine, outcomeLine } from '../../report/outcome-line';
import type { IncidentReportView } from '../../operations/incident-operations';
import type { CommittedReport } from '../../report/incident-report';
import { barChart, stepChart } from '../charts';
import { html, money, percent, units, when } from '../html';
import { incidentHref, runQuery } from './board';
import { layout } from './layout';

export function reportPage(session: Session, workflowId: string, view: IncidentReportView, fallbackCurrency: string, runId?: string): string {
  const { summary, report } = view;
  const currency = report?.currency ?? fallbackCurrency;
  const back = html`<p class="crumbs"><a href="/console/board">Board</a> › <a href="${incidentHref(workflowId)}${runQuery(runId)}">${report?.sku ?? workflowId}</a> › Report</p>`;
  if (!report) {
    const figures =
      summary.fillRate === null || summary.revenueAtRisk === null || summary.revenueProtected === null
        ? outcomeLine(summary, null)
        : `fill rate ${percent(summary.fillRate, 1)}, revenue protected ${money(summary.revenueProtected, currency)} of ${money(summary.revenueAtRisk, currency)} at risk`;
    return layout(
      { title: 'Report', session, page: 'report' },
      html`${back}<h1>Post-incident report</h1>
<p>The incident ${summary.outcome}: ${figures}.</p>
<p class="muted">The full report is kept in the incident store, which this API process cannot read.</p>
${recommendationList(summary.recommendations)}`,
    );
  }
  // What was not committed has no charts: nothing was served, lost or aged.
  if (report.scope === 'false-alarm' || report.scope === 'not-committed') {
    const what =
      report.scope === 'false-alarm'
        ? `False alarm: ${coverLine(report.cover)}.`
        : `Cancelled before its plan was committed${report.cancellation ? ` (${report.cancellation.cancelledBy}: ${report.cancellation.reason})` : ''}: nothing was reserved, backordered or told to customers, so there is no fill rate, loss or backorder ageing to report.`;
    return layout(
      { title: `Report ${report.sku} in ${report.network}`, session, page: 'report' },
      html`${back}<h1>Post-incident report: ${report.sku} in ${report.network}</h1>
<p class="lead">${what} Open ${when(report.openedAt)}, closed ${when(report.closedAt)}.</p>
${recommendationList(report.recommendations)}
${timelineList(report.timeline)}`,
    );
  }
  const stageLabels = report.byStage.map((s) => s.stage);
  const maxRevenue = Math.max(1, ...report.byStage.map((s) => s.revenueProtected + s.revenueLost));
  const shares = report.customerShares ?? [];
  const cap = report.capPercent ?? null;
  const burn = report.backorderBurnDown ?? [];
  return layout(
    { title: `Report ${report.sku} in ${report.network}`, session, page: 'report' },
    html`${back}<h1>Post-incident report: ${report.sku} in ${report.network}</h1>
<p class="lead">${report.outcome === 'closed' ? 'Closed' : report.outcome}: <strong>${percent(report.overall.fillRate, 1)}</strong> of ${units(report.overall.requested)} requested units served
(${percent(report.overall.fillRateAtCommit, 1)} at commit); revenue protected <strong>${money(report.overall.revenueProtected, currency)}</strong>, lost ${money(report.overall.revenueLost, currency)}; first customer notice after ${report.firstNoticeAfterMinutes ?? '—'} minutes. Open ${when(report.openedAt)}, closed ${when(report.closedAt)}.</p>
<div class="charts">
${barChart({
  id: 'fill',
  title: 'Fill rate per relationship stage, at commit and at close',
  description: report.byStage.map((s) => `${s.stage}: ${percent(s.fillRateAtCommit)} at commit, ${percent(s.fillRate)} at close`).join('; '),
  series: [
    { name: 'At commit', cls: 's1' },
    { name: 'At close', cls: 's2' },
  ],
  rows: report.byStage.map((s) => ({ label: s.stage, values: [s.fillRateAtCommit, s.fillRate] })),
  max: 1,
  format: (v) => percent(v),
})}
${
  burn.length > 1
    ? stepChart({
        id: 'burn',
        title: 'Backordered units still open',
        description: burn.map((p) => `${p.at.slice(0, 10)}: ${p.openUnits}`).join('; '),
        points: burn.map((p) => ({ at: p.at, value: p.openUnits })),
        format: (v) => units(v),
      })
    : html`<p class="muted">No backorder burn-down: nothing was backordered, or the report predates it.</p>`
}
${
  shares.length
    ? barChart({
        id: 'shares',
        title: `Largest customers' share of the supply${cap !== null ? `, against the ${cap}% cap` : ''}`,
        description: shares.map((c) => `${c.customerId}: ${percent(c.share, 1)}`).join('; '),
        series: [{ name: 'Share of pool and confirmations', cls: 's1' }],
        rows: shares.map((c) => ({ label: c.customerId, values: [c.share] })),
        max: Math.max(cap !== null ? cap / 100 : 0, ...shares.map((c) => c.share)) * 1.1 || 1,
        format: (v) => percent(v, 1),
        ...(cap !== null ? { marker: { value: cap / 100, label: `cap ${cap}%` } } : {}),
      })
    : ''
}
${barChart({
  id: 'revenue',
  title: `Revenue protected and lost per stage (${currency})`,
  description: report.byStage.map((s) => `${s.stage}: protected ${s.revenueProtected}, lost ${s.revenueLost}`).join('; '),
  series: [
    { name: 'Protected', cls: 's2' },
    { name: 'Lost', cls: 's3' },
  ],
  rows: report.byStage.map((s) => ({ label: s.stage, values: [s.revenueProtected, s.revenueLost] })),
  max: maxRevenue,
  format: (v) => v.toLocaleString('en-US', { maximumFractionDigits: 0 }),
})}
${
  report.etaSlips.length
    ? barChart({
        id: 'eta',
        title: 'ETA slips per purchase order (days)',
        description: report.etaSlips.map((s) => `${s.poId}: ${s.slipDays} days, ${s.originalEta} to ${s.finalEta}`).join('; '),
        series: [{ name: 'Days late', cls: 's3' }],
        rows: report.etaSlips.map((s) => ({ label: s.poId, values: [s.slipDays] })),
        max: Math.max(1, ...report.etaSlips.map((s) => s.slipDays)),
        format: (v) => `${v} d`,
      })
    : html`<p>No purchase order slipped.</p>`
}
</div>
<h2>Per stage</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Outcome per stage"><table><thead><tr><th scope="col">Stage</th><th scope="col" class="num">Customers</th><th scope="col" class="num">Requested</th><th scope="col" class="num">At once</th><th scope="col" class="num">Ration periods after the first</th><th scope="col" class="num">Later</th><th scope="col" class="num">Substituted later</th><th scope="col" class="num">Cancelled</th><th scope="col" class="num">Unserved</th><th scope="col" class="num">With nothing</th></tr></thead>
<tbody>${report.byStage.map((s) => html`<tr><th scope="row">${s.stage}</th><td class="num">${s.customers}</td><td class="num">${units(s.requested)}</td><td class="num">${units(s.servedAtOnce)}</td><td class="num">${units(s.servedInPeriods ?? 0)}</td><td class="num">${units(s.servedLater)}</td><td class="num">${units(s.substitutedLater)}</td><td class="num">${units(s.cancelled)}</td><td class="num">${units(s.unserved)}</td><td class="num">${s.customersWithNothing}</td></tr>`)}</tbody></table></div>
<p class="sr-only">Stages in order: ${stageLabels.join(', ')}.</p>
${orderRoundTable(report.orderRounds ?? [])}
${rationPeriodTable(report.rationPeriods ?? [])}
${recommendationList(report.recommendations)}
${timelineList(report.timeline)}`,
  );
}

function timelineList(timeline: TimelineEntry[]) {
  return html`<h2>Timeline</h2>
<ol class="timeline">${timeline.map((t) => html`<li><time datetime="${t.at}">${when(t.at)}</time> <strong>${t.event}</strong>${t.detail ? html` — ${t.detail}` : ''}</li>`)}</ol>`;
}

/** Order rounds: lines placed, raised, lowered or cancelled during the incident, and what each round committed. */
function orderRoundTable(rounds: NonNullable<CommittedReport['orderRounds']>) {
  if (rounds.length === 0) return html``;
  return html`<h2>Order rounds</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Order rounds"><table><thead><tr><th scope="col">When</th><th scope="col" class="num">Placed</th><th scope="col" class="num">Raised</th><th scope="col" class="num">Lowered or cancelled</th><th scope="col" class="num">Reserved</th><th scope="col" class="num">Backordered</th><th scope="col" class="num">Backorders shipped</th></tr></thead>
<tbody>${rounds.map((r) => html`<tr><th scope="row"><time datetime="${r.at}">${when(r.at)}</time></th><td class="num">${r.placed}</td><td class="num">${r.raised}</td><td class="num">${r.lowered}</td><td class="num">${units(r.reservedUnits)}</td><td class="num">${units(r.backorderedUnits)}</td><td class="num">${units(r.shippedUnits ?? 0)}</td></tr>`)}</tbody></table></div>`;
}

/** Rationing over the period: each period's allotments released, reserved for lines, and returned to the pool at its end. */
function rationPeriodTable(periods: NonNullable<CommittedReport['rationPeriods']>) {
  if (periods.length === 0) return html``;
  return html`<h2>Rationing periods</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Rationing periods"><table><thead><tr><th scope="col">Period</th><th scope="col">Started</th><th scope="col" class="num">Released</th><th scope="col" class="num">Used</th><th scope="col" class="num">Returned</th></tr></thead>
<tbody>${periods.map((p) => html`<tr><th scope="row">${p.period}</th><td><time datetime="${p.startsAt}">${when(p.startsAt)}</time></td><td class="num">${units(p.released)}</td><td class="num">${units(p.used)}</td><td class="num">${p.returned === null ? 'running' : units(p.returned)}</td></tr>`)}</tbody></table></div>`;
}

function recommendationList(items: string[]) {
  return items.length ? html`<h2>What to change</h2><ul class="recommendations">${items.map((r) => html`<li>${r}</li>`)}</ul>` : html``;
}
