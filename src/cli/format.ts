// Plain-text views for people at a terminal. Pure: data in, aligned text out.
import type { IncidentListItem, IncidentReportView, OverridePreview, PlanLinesPage, Simulation } from '../operations/incident-operations';
import type { ApprovalState, IncidentState, PlanSummary, ReportSummary, StageFigures } from '../incident/state';
import type { CommittedReport } from '../report/incident-report';
import { coverInWords } from '../impact/cover';
import { coverLine, outcomeLine } from '../report/outcome-line';
import { capNote, customersLine, demandLine, revenueAtRisk } from '../incident/figures';
import { waitsFor } from '../incident/vocabulary';

type Cell = string | number;

/** Aligned columns: numbers right-aligned, text left-aligned, two spaces between columns. */
export function table(headers: string[], rows: Cell[][]): string {
  const all = [headers, ...rows.map((row) => row.map(String))];
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((row) => typeof row[i] === 'number' || /^[+-]?[\d.,]+(%| pp)?$/.test(String(row[i] ?? ''))));
  const widths = headers.map((_, i) => Math.max(...all.map((row) => String(row[i] ?? '').length)));
  return all
    .map((row) =>
      headers
        .map((_, i) => {
          const cell = String(row[i] ?? '');
          return numeric[i] ? cell.padStart(widths[i]!) : cell.padEnd(widths[i]!);
        })
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** Label/value pairs, labels aligned. */
export function fields(pairs: [string, Cell | null | undefined][]): string {
  const shown = pairs.filter(([, value]) => value !== null && value !== undefined);
  const width = Math.max(0, ...shown.map(([label]) => label.length));
  return shown.map(([label, value]) => `${label.padEnd(width)}  ${value}`).join('\n');
}

/** A revenue figure with its currency and what it rests on. */
const revenueText = (r: { amount: number; currency: string | null; basis: string }) => `${money(r.amount, r.currency)} (${r.basis})`;

export const percent = (ratio: number) => `${(ratio * 100).toFixed(1)}%`;
const signed = (n: number) => (n > 0 ? `+${n}` : String(n));
const signedPoints = (ratio: number) => `${ratio > 0 ? '+' : ''}${(ratio * 100).toFixed(1)} pp`;
/** Amounts with their currency when the data names one, bare otherwise. */
export const money = (n: number, currency: string | null = null) =>
  `${n.toLocaleString('en-US', { maximumFractionDigits: 2, minimumFractionDigits: 2 })}${currency ? ` ${currency}` : ''}`;

export function formatList(items: IncidentListItem[]): string {
  if (items.length === 0) return 'No incidents match.';
  return table(
    ['INCIDENT', 'SKU', 'NETWORK', 'STAGE', 'SEVERITY', 'STATUS', 'STARTED', 'ATTENTION'],
    items.map((i) => [
      i.workflowId,
      i.sku ?? '-',
      i.network ?? '-',
      i.stage ?? '-',
      i.severity ?? '-',
      i.status.toLowerCase(),
      i.startedAt.slice(0, 16).replace('T', ' '),
      // Only a running incident waits for anyone.
      (i.status === 'RUNNING' && waitsFor(i.stage ?? '')) || '',
    ]),
  );
}

function stageTable(stages: StageFigures[], totals: Omit<StageFigures, 'stage'>): string {
  const row = (name: string, f: Omit<StageFigures, 'stage'>): Cell[] => [
    name,
    f.customers,
    f.lines,
    f.requested,
    f.allocated,
    f.substituted,
    f.backordered,
    percent(f.fillRate),
    f.customersWithNothing,
  ];
  return table(
    ['STAGE', 'CUSTOMERS', 'LINES', 'REQUESTED', 'ALLOCATED', 'SUBSTITUTED', 'BACKORDERED', 'FILL', 'WITH NOTHING'],
    [...stages.map((s) => row(s.stage, s)), row('total', totals)],
  );
}

/**
 * What the plan shared out is the pool plus the confirmations it took back from lines (released), so
 * used + left = pool + released; kept confirmations stay with their lines and are not shared. Both follow
 * from the summary: poolLeft = pool + released − poolUsed, and the allocated total = poolUsed + kept.
 */
function planHeadline(plan: PlanSummary): string {
  const released = plan.poolLeft + plan.poolUsed - plan.pool;
  const kept = plan.totals.allocated - plan.poolUsed;
  const shared = released > 0 ? `pool ${plan.pool} + ${released} released confirmations = ${plan.pool + released}` : `pool ${plan.pool}`;
  const supply = plan.pool + released + Math.max(0, kept);
  const largest =
    `largest customer${plan.largestCustomerId ? ` ${plan.largestCustomerId}` : ''} ${percent(plan.largestCustomerShare)} ` +
    `of the ${supply} units of pool and confirmations${capNote(plan)}`;
  return (
    `Plan revision ${plan.revision} (policy ${plan.policyName}): ${shared}; used ${plan.poolUsed}; left ${plan.poolLeft}` +
    `${kept > 0 ? `; ${kept} kept confirmations` : ''}; ${largest}${plan.overrides ? `; ${plan.overrides} overrides` : ''}`
  );
}

function approvalLine(a: ApprovalState): string {
  if (!a.required) return 'not required';
  const who = a.decidedBy ? ` by ${a.decidedBy}` : '';
  const deadline = a.status === 'pending' && a.deadline ? ` (deadline ${a.deadline})` : '';
  return `${a.status}${who}${deadline}${a.comment ? ` — ${a.comment}` : ''}`;
}

export function formatState(s: IncidentState): string {
  const parts: string[] = [];
  parts.push(
    fields([
      ['Incident', s.incidentId],
      ['SKU', s.sku],
      ['Network', s.network],
      ['Stage', s.stage],
      ['Severity', s.severity],
      ['Opened', s.openedAt],
      ['Triggers', s.triggers.map((t) => `${t.source}: ${t.reason}`).join(' | ')],
    ]),
  );
  if (s.attention) parts.push(`NEEDS ATTENTION since ${s.attention.since} in ${s.attention.stage}: ${s.attention.reason}\nFix the cause, then: stockout resume <id> --by NAME`);
  // Covered demand (a false alarm) has no shortage, affected customers, gap or cover to speak of.
  if (s.impact && s.impact.shortage <= 0) parts.push(`Impact (as of ${s.impact.asOf}): ${coverLine(s.impact)}`);
  else if (s.impact) {
    const i = s.impact;
    parts.push(
      `Impact (as of ${i.asOf})\n` +
        fields([
          ['Shortage', i.shortage],
          ['Available', i.available],
          ['Demand', demandLine(i, s.plan)],
          ['Affected customers', customersLine(i, s.plan)],
          ['Account managers', i.affectedAccountManagers],
          ['Revenue at risk', revenueText(revenueAtRisk(i, s.plan))],
          ['Gap (days)', i.gapDays ?? 'unknown'],
          ['Days of cover', coverInWords(i.daysOfCover, i.available)],
          ['Next inbound ETA', i.nextInboundEta ?? 'none'],
        ]),
    );
  }
  if (s.pooling) parts.push(`Pooling: ${s.pooling.pooled} units from spokes in ${s.pooling.transfers.length} transfers; pool ${s.pooling.pool} at ${s.pooling.hubId}`);
  if (s.plan) {
    parts.push(`${planHeadline(s.plan)}\n${stageTable(s.plan.byStage, s.plan.totals)}`);
    const hidden = (s.plan.exceptionCount ?? s.plan.exceptions.length) - s.plan.exceptions.length;
    if (s.plan.exceptions.length) {
      parts.push(`Exceptions:\n${s.plan.exceptions.map((e) => `  - ${e}`).join('\n')}${hidden > 0 ? `\n  … and ${hidden} more in the stored plan` : ''}`);
    }
  }
  parts.push(`Approval: ${approvalLine(s.approval)}`);
  if (s.commit) {
    const c = s.commit;
    // Substitute units are of the substitute SKUs; the plan's "substituted" counts the ordered units they cover.
    const covered = s.plan ? ` covering ${s.plan.totals.substituted} ordered units` : '';
    parts.push(
      `Committed: ${c.reservedUnits} units reserved on ${c.reservedLines} lines, ${c.backorderedUnits} backordered on ${c.backorderedLines} lines, ` +
        `${c.substituteUnits} units of substitute SKUs${covered}, ${c.credits} credits`,
    );
  }
  if (s.backorders) {
    const b = s.backorders;
    parts.push(`Open backorders: ${b.openLines} lines, ${b.openUnits} units (fulfilled ${b.fulfilledUnits}, cancelled ${b.cancelledUnits})`);
  }
  if (s.pendingEvents > 0) parts.push(`Pending: ${s.pendingEvents} restocks, ETA changes or answers accepted and not yet applied`);
  if (s.report) parts.push(`Outcome: ${s.report.outcome}, ${outcomeLine(s.report, s.impact)}; see: stockout report <id>`);
  const older = s.timelineDropped ? ` (${s.timelineDropped} older entries are in the report)` : '';
  parts.push(`Timeline${older}\n${table(['AT', 'EVENT', 'DETAIL'], s.timeline.map((t) => [t.at.slice(0, 19).replace('T', ' '), t.event, t.detail ?? '']))}`);
  return parts.join('\n\n');
}

export function formatComparison(c: Simulation, id: string): string {
  const totals = (name: string, p: PlanSummary): Cell[] => [
    name,
    p.policyName,
    p.totals.requested,
    p.totals.allocated,
    p.totals.substituted,
    p.totals.backordered,
    percent(p.totals.fillRate),
    p.totals.customersWithNothing,
    percent(p.largestCustomerShare),
  ];
  return [
    // requested = allocated + substituted + backordered, so each row adds up.
    table(
      ['PLAN', 'POLICY', 'REQUESTED', 'ALLOCATED', 'SUBSTITUTED', 'BACKORDERED', 'FILL', 'WITH NOTHING', 'LARGEST SHARE'],
      [totals('current', c.current), totals('simulated', c.simulated)],
    ),
    'Difference per relationship stage (simulated − current)',
    table(
      ['STAGE', 'ALLOCATED', 'SUBSTITUTED', 'BACKORDERED', 'FILL', 'WITH NOTHING'],
      c.difference.map((d) => [d.stage, signed(d.allocated), signed(d.substituted), signed(d.backordered), signedPoints(d.fillRate), signed(d.customersWithNothing)]),
    ),
    `The simulated plan line by line: stockout plan ${id} --simulation ${c.simulationId}`,
  ].join('\n\n');
}

const CUSTOMER_WIDTH = 28;
const clip = (text: string, width: number) => (text.length > width ? `${text.slice(0, width - 1)}…` : text);

/** One page of the plan, a line a row; the reason codes in words are in --json. */
export function formatPlanLines(page: PlanLinesPage, id: string): string {
  const what = page.simulationId ? `What-if ${page.simulationId} (beside revision ${page.revision})` : `Plan revision ${page.revision}`;
  const head = `${what}${page.policyName ? `, policy ${page.policyName}` : ''}: ${page.lines.length} of ${page.total} lines`;
  if (page.lines.length === 0) return `${head}.`;
  const rows = page.lines.map((l) => [
    l.position,
    l.lineId,
    l.orderId,
    clip(`${l.customer.name ?? l.customer.customerId}${l.customer.critical ? ' (critical)' : ''}`, CUSTOMER_WIDTH),
    l.customer.stage,
    l.requested,
    l.held,
    l.allocated,
    l.substitute,
    l.backordered,
    l.outcome,
    l.override ? `override${l.override.reason ? `: ${l.override.reason}` : ''}` : l.reasons.map((r) => r.code).join(', '),
  ]);
  const next = page.nextCursor ? `\nNext page: stockout plan ${id} --cursor ${page.nextCursor} (with the same filters)` : '';
  return `${head}\n${table(['#', 'LINE', 'ORDER', 'CUSTOMER', 'STAGE', 'REQ', 'HELD', 'ALLOC', 'SUBST', 'BACK', 'OUTCOME', 'WHY'], rows)}${rationingTable(page.rationing)}${next}`;
}

/** A rationed plan's allotments per customer of the page and period, the periods released so far marked. */
function rationingTable(rationing: PlanLinesPage['rationing']): string {
  if (!rationing || rationing.customers.length === 0) return '';
  const periods = rationing.periodStarts.map((at, i) => `P${i + 1} ${at.slice(0, 10)}${i < rationing.released ? ' ✓' : ''}`);
  const rows: Cell[][] = rationing.customers.map((c) => [c.customerId, c.share, ...c.allotments]);
  rows.push(['with nothing', '', ...rationing.customersWithNothing]);
  return (
    `\n\nRationed in ${rationing.periods} periods of ${rationing.periodDays} days until ${rationing.until} (✓ released)\n` +
    table(['CUSTOMER', 'SHARE', ...periods], rows)
  );
}

const CUSTOMERS_SHOWN = 20;

export function formatPreview(p: OverridePreview, id: string): string {
  const stages = table(
    ['STAGE', 'LINES', 'IMPROVED', 'WORSE', 'SERVED BEFORE', 'SERVED NOW', 'CHANGE', 'FILL BEFORE', 'FILL NOW'],
    p.impact.perStage.map((s) => [s.stage, s.lines, s.improved, s.worse, s.servedFrom, s.servedTo, signed(s.delta), percent(s.fillRateFrom), percent(s.fillRateTo)]),
  );
  const customers = p.impact.perCustomer.slice(0, CUSTOMERS_SHOWN);
  const more = p.impact.perCustomer.length - customers.length;
  return [
    `Preview: revision ${p.revision} (overrides on revision ${p.basedOn}) by ${p.previewedBy}; ${p.changedLineCount} lines served otherwise. Nothing is committed.`,
    `${planHeadline(p.plan)}\n${stageTable(p.plan.byStage, p.plan.totals)}`,
    `Impact per relationship stage\n${stages}`,
    `Customers served otherwise${more > 0 ? ` (first ${customers.length} of ${p.impact.perCustomer.length})` : ''}\n` +
      table(
        ['CUSTOMER', 'STAGE', 'SERVED BEFORE', 'SERVED NOW', 'CHANGE'],
        customers.map((c) => [clip(c.name ?? c.customerId, CUSTOMER_WIDTH), c.stage, c.servedFrom, c.servedTo, signed(c.delta)]),
      ),
    `Approve it: stockout approve ${id} --revision ${p.revision} --by NAME`,
  ].join('\n\n');
}

export function formatReport(view: IncidentReportView): string {
  const s = view.summary;
  const stored = view.report;
  const advice = s.recommendations.length ? [`Recommendations\n${s.recommendations.map((x) => `  - ${x}`).join('\n')}`] : [];
  if (stored?.scope === 'false-alarm') {
    const c = stored.cover;
    return [fields([['Incident', view.workflowId], ['Outcome', 'false alarm'], ['Demand', coverLine(c)]]), ...advice].join('\n\n');
  }
  if (stored?.scope === 'not-committed') {
    const slips = stored.etaSlips.length ? [`ETA slips\n${table(['PO', 'PROMISED', 'FINAL', 'DAYS LATE'], stored.etaSlips.map((e) => [e.poId, e.originalEta, e.finalEta, e.slipDays]))}`] : [];
    return [
      fields([
        ['Incident', view.workflowId],
        ['Outcome', 'cancelled before its plan was committed'],
        ['Cancelled', stored.cancellation ? `by ${stored.cancellation.cancelledBy}: ${stored.cancellation.reason}` : null],
        ['Assessed shortage', `${stored.shortage} units`],
        ['Plan', stored.plannedRevision === null ? 'none made' : `revision ${stored.plannedRevision}, never committed`],
      ]),
      'Nothing was reserved, backordered or told to customers: there is no fill rate, loss or backorder ageing to report.',
      ...slips,
      ...advice,
    ].join('\n\n');
  }
  // No stored report to read (the store is out of reach): the summary says what it covers.
  if (s.fillRate === null || s.revenueAtRisk === null || s.revenueProtected === null) {
    return [fields([['Incident', view.workflowId], ['Outcome', `${s.outcome}: ${outcomeLine(s, null)}`]]), ...advice].join('\n\n');
  }
  return committedReport(view.workflowId, { ...s, fillRate: s.fillRate, revenueAtRisk: s.revenueAtRisk, revenueProtected: s.revenueProtected }, stored);
}

function committedReport(
  workflowId: string,
  s: ReportSummary & { fillRate: number; revenueAtRisk: number; revenueProtected: number },
  stored: CommittedReport | null,
): string {
  // Reports stored before the at-commit figures existed are shown by their summary only.
  const r = stored?.overall && 'fillRateAtCommit' in stored.overall ? stored : null;
  const currency = r?.currency ?? null;
  const parts = [
    fields([
      ['Incident', workflowId],
      ['Outcome', s.outcome],
      ['Fill rate', r ? `${percent(r.overall.fillRateAtCommit)} at commit, ${percent(s.fillRate)} final` : percent(s.fillRate)],
      ['Customers with nothing', r ? `${r.overall.customersWithNothingAtCommit} at commit, ${r.overall.customersWithNothing} final` : null],
      ['Revenue at risk', money(s.revenueAtRisk, currency)],
      ['Revenue protected', `${money(s.revenueProtected, currency)}${s.revenueAtRisk > 0 ? ` (${percent(s.revenueProtected / s.revenueAtRisk)} of the revenue at risk)` : ''}`],
      ['First customer notice', s.firstNoticeAfterMinutes === null ? 'none sent' : `${s.firstNoticeAfterMinutes} min after opening`],
      ['Largest customer', r?.largestCustomer ? `${r.largestCustomer.customerId}, ${percent(r.largestCustomerShare)} of the pool and confirmations` : null],
    ]),
  ];
  if (stored && !r) parts.push('The stored report predates the at-commit figures: see --json for what it holds.');
  if (r) {
    const rows = [...r.byStage, { ...r.overall, stage: 'total' }];
    parts.push(
      `At commit (the plan as committed)\n` +
        table(
          ['STAGE', 'CUSTOMERS', 'REQUESTED', 'AT ONCE', 'BACKORDERED', 'FILL', 'WITH NOTHING'],
          rows.map((o) => [o.stage, o.customers, o.requested, o.servedAtOnce, o.backorderedAtCommit, percent(o.fillRateAtCommit), o.customersWithNothingAtCommit]),
        ),
    );
    const unit = currency ? ` (${currency})` : '';
    // Only a rationed incident has units served in its later periods.
    const rationed = (r.rationPeriods?.length ?? 0) > 0;
    parts.push(
      `Final (after restocks, accepted substitutes and cancellations)\n` +
        table(
          ['STAGE', ...(rationed ? ['RATION PERIODS'] : []), 'RESTOCKED', 'SUBSTITUTED', 'CANCELLED', 'UNSERVED', 'FILL', 'WITH NOTHING', `AT RISK${unit}`, `PROTECTED${unit}`, `LOST${unit}`],
          rows.map((o) => [
            o.stage,
            ...(rationed ? [o.servedInPeriods ?? 0] : []),
            o.servedLater,
            o.substitutedLater,
            o.cancelled,
            o.unserved,
            percent(o.fillRate),
            o.customersWithNothing,
            money(o.revenueAtRisk),
            money(o.revenueProtected),
            money(o.revenueLost),
          ]),
        ),
    );
    parts.push(`Restock rounds: ${r.restockRounds}`);
    if (r.rationPeriods?.length) {
      const periods = r.rationPeriods.map((p) => [p.period, p.startsAt.slice(0, 10), p.released, p.used, p.returned ?? 'running']);
      parts.push(`Rationing periods\n${table(['PERIOD', 'STARTED', 'RELEASED', 'USED', 'RETURNED'], periods)}`);
    }
    if (r.etaSlips.length) parts.push(`ETA slips\n${table(['PO', 'PROMISED', 'FINAL', 'DAYS LATE'], r.etaSlips.map((e) => [e.poId, e.originalEta, e.finalEta, e.slipDays]))}`);
    if (r.backorderAgeing.length) parts.push(`Backorder ageing\n${table(['AGE', 'LINES', 'UNITS'], r.backorderAgeing.map((a) => [a.bucket, a.lines, a.units]))}`);
  }
  if (s.recommendations.length) parts.push(`Recommendations\n${s.recommendations.map((x) => `  - ${x}`).join('\n')}`);
  return parts.join('\n\n');
}
