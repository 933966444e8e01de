// The post-incident review (DOMAIN.md step 7): what happened, how well each relationship stage was
// served, how fast customers heard, how long backorders aged, and what to change so it does not happen
// again. Pure: the activity gathers the inputs from the incident store and the inventory system.
import type { IncidentState, TimelineEntry } from '../incident/state';

export interface ReportLine {
  lineId: string;
  customerId: string;
  stage: string;
  locationId: string;
  unitPrice: number;
  requested: number;
  /** Served at commit time (from the pool, incl. kept confirmations) and substituted. */
  allocated: number;
  substituted: number;
}

export interface RestockRound {
  receiptId: string;
  at: string;
  fulfilled: { lineId: string; quantity: number }[];
}

export interface LocationStock {
  locationId: string;
  kind: 'hub' | 'spoke';
  onHand: number;
  reserved: number;
  safetyStock: number;
}

export interface ReportInput {
  state: IncidentState;
  outcome: 'closed' | 'false-alarm' | 'cancelled';
  lines: ReportLine[];
  rounds: RestockRound[];
  /** Open or cancelled units per line at closing time. */
  unserved: Map<string, number>;
  positions: LocationStock[];
  closedAt: string;
}

export interface StageOutcome {
  stage: string;
  customers: number;
  requested: number;
  servedAtOnce: number;
  servedLater: number;
  unserved: number;
  fillRate: number;
  revenueProtected: number;
  revenueLost: number;
}

export interface IncidentReport {
  incidentId: string;
  sku: string;
  network: string;
  outcome: ReportInput['outcome'];
  openedAt: string;
  closedAt: string;
  severity: IncidentState['severity'];
  shortage: number;
  revenueAtRisk: number;
  overall: Omit<StageOutcome, 'stage'>;
  byStage: StageOutcome[];
  firstNoticeAfterMinutes: number | null;
  customersLeftWithNothing: number;
  largestCustomerShare: number;
  backorderAgeing: { bucket: string; lines: number; units: number }[];
  restockRounds: number;
  timeline: TimelineEntry[];
  recommendations: string[];
}

const AGE_BUCKETS = [
  { bucket: '0–2 days', maxDays: 2 },
  { bucket: '3–7 days', maxDays: 7 },
  { bucket: '8–14 days', maxDays: 14 },
  { bucket: 'over 14 days', maxDays: Infinity },
];

export function buildIncidentReport(input: ReportInput): IncidentReport {
  const { state } = input;
  const servedLater = servedInRounds(input.rounds);
  const byStage = stageOutcomes(input.lines, servedLater, input.unserved);
  const overall = totalOf(byStage);
  const servedPerCustomer = new Map<string, number>();
  for (const line of input.lines) {
    const served = line.allocated + line.substituted + (servedLater.get(line.lineId) ?? 0);
    servedPerCustomer.set(line.customerId, (servedPerCustomer.get(line.customerId) ?? 0) + served);
  }
  const firstNoticeAfterMinutes = state.firstNoticeAt
    ? Math.round((Date.parse(state.firstNoticeAt) - Date.parse(state.openedAt)) / 60_000)
    : null;
  return {
    incidentId: state.incidentId,
    sku: state.sku,
    network: state.network,
    outcome: input.outcome,
    openedAt: state.openedAt,
    closedAt: input.closedAt,
    severity: state.severity,
    shortage: state.impact?.shortage ?? 0,
    revenueAtRisk: state.impact?.revenueAtRisk ?? 0,
    overall,
    byStage,
    firstNoticeAfterMinutes,
    customersLeftWithNothing: [...servedPerCustomer.values()].filter((served) => served === 0).length,
    largestCustomerShare: state.plan?.largestCustomerShare ?? 0,
    backorderAgeing: backorderAgeing(input),
    restockRounds: input.rounds.length,
    timeline: state.timeline,
    recommendations: recommendations(input, overall, firstNoticeAfterMinutes),
  };
}

function servedInRounds(rounds: RestockRound[]): Map<string, number> {
  const served = new Map<string, number>();
  for (const round of rounds) {
    for (const f of round.fulfilled) served.set(f.lineId, (served.get(f.lineId) ?? 0) + f.quantity);
  }
  return served;
}

function stageOutcomes(lines: ReportLine[], servedLater: Map<string, number>, unserved: Map<string, number>): StageOutcome[] {
  const stages = new Map<string, StageOutcome & { customerIds: Set<string> }>();
  for (const line of lines) {
    const row = stages.get(line.stage) ?? { ...emptyOutcome(line.stage), customerIds: new Set<string>() };
    const later = servedLater.get(line.lineId) ?? 0;
    const now = line.allocated + line.substituted;
    const lost = unserved.get(line.lineId) ?? Math.max(0, line.requested - now - later);
    row.customerIds.add(line.customerId);
    row.requested += line.requested;
    row.servedAtOnce += now;
    row.servedLater += later;
    row.unserved += lost;
    row.revenueProtected += (now + later) * line.unitPrice;
    row.revenueLost += lost * line.unitPrice;
    stages.set(line.stage, row);
  }
  return [...stages.values()]
    .sort((a, b) => a.stage.localeCompare(b.stage))
    .map(({ customerIds, ...row }) => ({ ...row, customers: customerIds.size, fillRate: rate(row.servedAtOnce + row.servedLater, row.requested) }));
}

function totalOf(rows: StageOutcome[]): Omit<StageOutcome, 'stage'> {
  const total = emptyOutcome('');
  for (const row of rows) {
    total.customers += row.customers;
    total.requested += row.requested;
    total.servedAtOnce += row.servedAtOnce;
    total.servedLater += row.servedLater;
    total.unserved += row.unserved;
    total.revenueProtected += row.revenueProtected;
    total.revenueLost += row.revenueLost;
  }
  const { stage: _stage, ...rest } = total;
  return { ...rest, fillRate: rate(total.servedAtOnce + total.servedLater, total.requested) };
}

/** Age of each backordered line: from the plan commit to its last restock, or to closing if never served. */
function backorderAgeing(input: ReportInput) {
  const committedAt = Date.parse(input.state.timeline.find((t) => t.event === 'plan committed')?.at ?? input.state.openedAt);
  const lastServed = new Map<string, { at: number; units: number }>();
  for (const round of input.rounds) {
    for (const f of round.fulfilled) {
      const seen = lastServed.get(f.lineId);
      lastServed.set(f.lineId, { at: Date.parse(round.at), units: (seen?.units ?? 0) + f.quantity });
    }
  }
  const buckets = AGE_BUCKETS.map((b) => ({ bucket: b.bucket, lines: 0, units: 0 }));
  for (const line of input.lines) {
    const backordered = line.requested - line.allocated - line.substituted;
    if (backordered <= 0) continue;
    const end = lastServed.get(line.lineId)?.at ?? Date.parse(input.closedAt);
    const ageDays = (end - committedAt) / 86_400_000;
    const index = AGE_BUCKETS.findIndex((b) => ageDays <= b.maxDays);
    const bucket = buckets[index]!;
    bucket.lines += 1;
    bucket.units += backordered;
  }
  return buckets;
}

function recommendations(input: ReportInput, overall: Omit<StageOutcome, 'stage'>, firstNoticeAfterMinutes: number | null): string[] {
  const { state } = input;
  const advice: string[] = [];
  const shortage = state.impact?.shortage ?? 0;
  if (input.outcome === 'false-alarm') {
    advice.push(`Review the critical level of ${state.sku}: it triggered an incident although demand was covered.`);
    return advice;
  }
  // Spread the shortage over the locations whose orders went short, in proportion to their unserved demand.
  const shortByLocation = new Map<string, number>();
  for (const line of input.lines) {
    const short = Math.max(0, line.requested - line.allocated - line.substituted);
    if (short > 0) shortByLocation.set(line.locationId, (shortByLocation.get(line.locationId) ?? 0) + short);
  }
  const totalShort = [...shortByLocation.values()].reduce((a, b) => a + b, 0);
  for (const [locationId, short] of [...shortByLocation].sort(([a], [b]) => a.localeCompare(b))) {
    const position = input.positions.find((p) => p.locationId === locationId);
    const raiseBy = Math.ceil((shortage * short) / Math.max(1, totalShort));
    if (raiseBy <= 0) continue;
    advice.push(
      `Raise safety stock of ${state.sku} at ${locationId} by ${raiseBy} units` +
        (position ? ` (now ${position.safetyStock})` : '') +
        ` to ride out a ${state.impact?.gapDays ?? '?'}-day supply gap.`,
    );
  }
  if (firstNoticeAfterMinutes !== null && firstNoticeAfterMinutes > 24 * 60) {
    advice.push(`Customers heard after ${Math.round(firstNoticeAfterMinutes / 60)} hours: shorten the approval deadline or raise the approval threshold.`);
  }
  if (overall.fillRate < 0.8) {
    advice.push(`Overall fill rate was ${(overall.fillRate * 100).toFixed(0)}%: qualify a second source or more substitutes for ${state.sku}.`);
  }
  const lost = input.state.backorders?.cancelledUnits ?? 0;
  if (lost > 0) advice.push(`${lost} backordered units were cancelled by customers: follow up on the lost orders with the account managers.`);
  return advice;
}

function emptyOutcome(stage: string): StageOutcome {
  return { stage, customers: 0, requested: 0, servedAtOnce: 0, servedLater: 0, unserved: 0, fillRate: 0, revenueProtected: 0, revenueLost: 0 };
}

const rate = (served: number, requested: number) => (requested === 0 ? 1 : Math.round((served / requested) * 10_000) / 10_000);
