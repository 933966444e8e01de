// A what-if: the current plan and the plan under another policy side by side per relationship stage, with
// the difference; the per-line changes follow when the plans' lines can be compared. Commits nothing.
import type { Session } from '../../auth/sessions';
import type { IncidentState, PlanComparison } from '../../incident/state';
import { html, percent, units, type SafeHtml } from '../html';
import { incidentHref } from './board';
import { planSummaryLine, stageBars } from './incident';
import { layout } from './layout';

export function whatIfPage(session: Session, workflowId: string, state: IncidentState, comparison: PlanComparison, currency: string, lineChanges: SafeHtml | null = null): string {
  const signed = (n: number, f: (n: number) => string = String) => (n > 0 ? `+${f(n)}` : n < 0 ? `−${f(-n)}` : '±0');
  return layout(
    { title: `What-if ${state.sku}`, session, page: 'what-if' },
    html`<p class="crumbs"><a href="/console/board">Board</a> › <a href="${incidentHref(workflowId)}">${state.sku}</a> › What-if</p>
<h1>What-if: ${comparison.simulated.policyName} against ${comparison.current.policyName}</h1>
<p>Nothing was committed. <a href="${incidentHref(workflowId)}">Back to the incident</a></p>
<div class="side-by-side">
<section aria-labelledby="cur-h"><h2 id="cur-h">Current plan (revision ${comparison.current.revision})</h2><p>${planSummaryLine(comparison.current, currency)}</p>${stageBars(comparison.current.byStage)}</section>
<section aria-labelledby="sim-h"><h2 id="sim-h">Under ${comparison.simulated.policyName}</h2><p>${planSummaryLine(comparison.simulated, currency)}</p>${stageBars(comparison.simulated.byStage)}</section>
</div>
<h2>Difference per stage</h2>
<div class="scroll" tabindex="0" role="region" aria-label="Difference per stage"><table class="diff"><thead><tr><th scope="col">Stage</th><th scope="col" class="num">Allocated</th><th scope="col" class="num">Substituted</th><th scope="col" class="num">Backordered</th><th scope="col" class="num">Fill rate</th><th scope="col" class="num">Customers with nothing</th></tr></thead>
<tbody>${comparison.difference.map(
      (d) => html`<tr><th scope="row">${d.stage}</th><td class="num">${signed(d.allocated, units)}</td><td class="num">${signed(d.substituted, units)}</td><td class="num">${signed(d.backordered, units)}</td><td class="num">${signed(d.fillRate, (n) => percent(n, 1))}</td><td class="num">${signed(d.customersWithNothing)}</td></tr>`,
    )}</tbody></table></div>
${lineChanges ?? ''}`,
  );
}
