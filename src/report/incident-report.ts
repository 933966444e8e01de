// The post-incident review (DOMAIN.md step 7): what happened, how well each relationship stage was
// served — at commit (the plan as committed) and in the end (after restocks, accepted substitutes and
// cancellations) — how fast customers heard, how long backorders aged, and what to change so it does not
// happen again. Pure: the activity gathers the inputs from the incident store and the inventory system.
//
// A report covers what was committed and sent, so its scope follows the incident:
//   committed      the plan was committed: every figure below
//   not-committed  cancelled before commit (nothing reserved, backordered or told): no commit figures,
//                  losses, ageing or fill rate; advice only from what was learned (the trigger, slipped ETAs)
//   false-alarm    the assessment found the demand covered: by how much, and nothing else
//
// Unit accounting per line (and so per stage), in units of the short SKU:
//   requested = servedAtOnce + servedInPeriods + servedLater + substitutedLater + cancelled + unserved
//   servedAtOnce      allocated at commit (kept confirmations included) + covered by substitutes at commit;
//                     of a rationed share only what ration period 1 reserved at the commit
//   servedInPeriods   what the later ration periods reserved for the line
//   servedLater       given by restock rounds (and by order rounds from free hub stock)
//   substitutedLater  backordered units a customer took a substitute for (an answer), after commit
//   cancelled         backordered units the customer cancelled
//   unserved          still open at closing (for a cancelled incident: its backorders, withdrawn), and a
//                     rationed share's units no period reserved for the line (returned to the pool)
//
// Revenue at risk, protected and lost: see ./revenue (one definition for the plan, `show` and the report).
import type { RationPeriodFigures } from '../rationing/schedule';
import type { IncidentState, TimelineEntry } from '../incident/state';
import { reportScope, type IncidentOutcome } from '../incident/vocabulary';
import type { LocationStock } from '../pooling/plan';
import { addRevenue, NO_REVENUE } from './revenue';
import { actualGap, etaSlips, networkBuffer, recommendations, type EtaSlip, type NetworkBuffer, type PurchaseOrderEta, type SubstituteStock } from './recommendations';

export interface ReportLine {
  lineId: string;
  customerId: string;
  stage: string;
  locationId: string;
  unitPrice: number;
  /** 'YYYY-MM-DD'. */
  requestedDate: string;
  requested: number;
  /** At commit: units of the SKU (a kept confirmation included) and original units covered by substitutes. */
  allocated: number;
  substituted: number;
  /** The plan skipped this all-or-nothing line: it did not fit whole. */
  allOrNothingSkipped: boolean;
  /**
   * A rationed line: its share of `allocated` (beyond the confirmation it keeps), what ration period 1 reserved
   * for it at the commit, and what the later periods reserved; whether the customer's own stock lasts period 1
   * (then it gets nothing at once and is not counted as left with nothing); absent when not rationed.
   */
  rationed?: { share: number; atCommit: number; later: number; stockLastsFirstPeriod?: boolean };
  /** The line's backorders in the inventory system at closing, summed; absent when none was made. */
  backorders?: { fulfilled: number; cancelled: number; open: number };
}

export interface RestockRound {
  receiptId: string;
  at: string;
  fulfilled: { lineId: string; quantity: number }[];
}

/** An order round's figures: the lines placed, raised and lowered or cancelled it saw, and what it committed. */
export interface OrderRoundFigures {
  at: string;
  placed: number;
  raised: number;
  lowered: number;
  reservedUnits: number;
  backorderedUnits: number;
  /** Open backorders the round shipped from free hub stock; absent in rounds from before they shared it. */
  shippedUnits?: number;
}

export interface ReportInput {
  state: IncidentState;
  outcome: IncidentOutcome;
  lines: ReportLine[];
  rounds: RestockRound[];
  /** Order rounds, in order; absent when the report's caller predates them. */
  orderRounds?: OrderRoundFigures[];
  /** Backordered units order rounds shipped from free hub stock, per line: served later, as a restock round's are. */
  shippedByOrderRounds?: { lineId: string; quantity: number }[];
  /** Rationing over the period: each period's allotments released, used and returned; absent when not rationed. */
  rationPeriods?: RationPeriodFigures[];
  /** Positions at assessment. */
  positions: LocationStock[];
  /** The network's purchase orders the assessment counted on, with their ETA then and at closing. */
  purchaseOrders: PurchaseOrderEta[];
  /** Substitutes the plan could use: its stock at commit and free at the hub at closing. */
  substitutes: SubstituteStock[];
  /** Currency of the unit prices; null when the data does not say. */
  currency: string | null;
  closedAt: string;
}

export interface StageOutcome {
  stage: string;
  customers: number;
  requested: number;
  /** At commit. */
  servedAtOnce: number;
  backorderedAtCommit: number;
  fillRateAtCommit: number;
  customersWithNothingAtCommit: number;
  /** After commit: a rationed share's units reserved by the ration periods after the first (absent in reports from before them), and by restocks. */
  servedInPeriods?: number;
  servedLater: number;
  substitutedLater: number;
  cancelled: number;
  unserved: number;
  /** Final: (servedAtOnce + servedInPeriods + servedLater + substitutedLater) / requested; cancelled units count as not served. */
  fillRate: number;
  customersWithNothing: number;
  revenueAtRisk: number;
  revenueProtected: number;
  revenueLost: number;
}

interface ReportCommon {
  incidentId: string;
  sku: string;
  network: string;
  outcome: ReportInput['outcome'];
  openedAt: string;
  closedAt: string;
  severity: IncidentState['severity'];
  currency: string | null;
  timeline: TimelineEntry[];
  recommendations: string[];
}

/** How far the available stock covers the open demand (a false alarm: available ≥ demand). */
export interface DemandCover {
  /** Open units not yet confirmed, as assessed. */
  demand: number;
  available: number;
  /** available − demand: the units to spare. */
  spare: number;
}

export interface FalseAlarmReport extends ReportCommon {
  scope: 'false-alarm';
  cover: DemandCover;
}

/** Cancelled before its plan was committed: what was assessed and planned, nothing of commit, loss or ageing. */
export interface UncommittedReport extends ReportCommon {
  scope: 'not-committed';
  /** Units the assessment found short, and the plan revision that was awaiting approval (null when none was made). */
  shortage: number;
  plannedRevision: number | null;
  cancellation: { reason: string; cancelledBy: string } | null;
  etaSlips: EtaSlip[];
}

export type IncidentReport = CommittedReport | UncommittedReport | FalseAlarmReport;

/** The report when it covers a commit (reports stored before scopes all do); null otherwise. */
export function committedReport(report: IncidentReport | null): CommittedReport | null {
  return report && report.scope !== 'false-alarm' && report.scope !== 'not-committed' ? report : null;
}

export interface CommittedReport extends ReportCommon {
  /** Absent in reports stored before scopes were kept: those all cover a commit or predate these figures. */
  scope?: 'committed';
  shortage: number;
  /** The assessment's estimate (the shortage at the open demand's average price); `overall.revenueAtRisk` is per line. */
  assessedRevenueAtRisk: number;
  overall: Omit<StageOutcome, 'stage'>;
  /** In the policy's stage order. */
  byStage: StageOutcome[];
  firstNoticeAfterMinutes: number | null;
  /** The customer that got the most units of the SKU at commit. */
  largestCustomer: { customerId: string; units: number } | null;
  /** Its share of the pool plus confirmations, as the plan computed it. */
  largestCustomerShare: number;
  backorderAgeing: { bucket: string; lines: number; units: number }[];
  /** Open backordered units at commit, after each restock round, and at closing. Absent in earlier reports. */
  backorderBurnDown?: { at: string; openUnits: number }[];
  /** The customers that got the most at commit, each with its share of the supply (pool plus confirmations). Absent in earlier reports. */
  customerShares?: { customerId: string; stage: string; units: number; share: number }[];
  /** The policy's concentration cap the plan was made with, in percent; null when the plan did not record it. */
  capPercent?: number | null;
  restockRounds: number;
  /** The order rounds of lines placed, changed or cancelled during the incident. Absent in earlier reports. */
  orderRounds?: OrderRoundFigures[];
  /** Rationing over the period: allotments released, reserved for lines (used) and returned to the pool, per period. Absent when not rationed. */
  rationPeriods?: RationPeriodFigures[];
  etaSlips: EtaSlip[];
  networkBuffer: NetworkBuffer | null;
}

const AGE_BUCKETS = [
  { bucket: '0–2 days', maxDays: 2 },
  { bucket: '3–7 days', maxDays: 7 },
  { bucket: '8–14 days', maxDays: 14 },
  { bucket: 'over 14 days', maxDays: Infinity },
];

/** One line's units, at commit and after. */
interface LineUnits {
  line: ReportLine;
  atOnce: number;
  backorderedAtCommit: number;
  inPeriods: number;
  /** A rationed share's units no period reserved for the line: in `unserved`. */
  unreleased: number;
  later: number;
  substitutedLater: number;
  cancelled: number;
  unserved: number;
}

export function buildIncidentReport(input: ReportInput): IncidentReport {
  const { state } = input;
  const common: ReportCommon = {
    incidentId: state.incidentId,
    sku: state.sku,
    network: state.network,
    outcome: input.outcome,
    openedAt: state.openedAt,
    closedAt: input.closedAt,
    severity: state.severity,
    currency: input.currency,
    timeline: state.timeline,
    recommendations: [],
  };
  const scope = reportScope(input.outcome, state.commit !== null);
  if (scope === 'false-alarm') {
    const demand = state.impact?.demand ?? 0;
    const available = state.impact?.available ?? 0;
    return { ...common, scope, cover: { demand, available, spare: available - demand }, recommendations: recommendations({ ...learnedOnly(input), outcome: input.outcome }) };
  }
  if (scope === 'not-committed') {
    const slips = etaSlips(input.purchaseOrders);
    return {
      ...common,
      scope,
      shortage: state.impact?.shortage ?? 0,
      plannedRevision: state.plan?.revision ?? null,
      cancellation: state.cancelRequested,
      etaSlips: slips,
      recommendations: recommendations({ ...learnedOnly(input), outcome: input.outcome, etaSlips: slips, cancellation: state.cancelRequested }),
    };
  }
  return reportOfCommit(input, common);
}

/** Advice inputs with nothing committed: no buffer, substitutes, skipped lines, notices or fill rate to learn from. */
function learnedOnly(input: ReportInput) {
  return {
    sku: input.state.sku,
    hubId: null,
    buffer: null,
    etaSlips: [],
    substitutes: [],
    backorderedAtCommit: 0,
    skippedAllOrNothing: { lines: 0, units: 0, customers: 0 },
    poolLeftAtCommit: 0,
    firstNoticeAfterMinutes: null,
    fillRateAtCommit: null,
    cancelledUnits: 0,
  };
}

function reportOfCommit(input: ReportInput, common: ReportCommon): CommittedReport {
  const { state } = input;
  const units = lineUnits(input);
  const byStage = stageOutcomes(units, (state.plan?.byStage ?? []).map((s) => s.stage));
  const overall = totalOf(units);
  const firstNoticeAfterMinutes = state.firstNoticeAt ? Math.round((Date.parse(state.firstNoticeAt) - Date.parse(state.openedAt)) / 60_000) : null;
  const slips = etaSlips(input.purchaseOrders);
  const hub = input.positions.find((p) => p.kind === 'hub');
  const buffer =
    !state.impact
      ? null
      : networkBuffer({
          lines: input.lines,
          asOf: state.impact.asOf,
          gap: actualGap({ from: state.firstNoticeAt ?? state.openedAt, closedAt: input.outcome === 'closed' ? input.closedAt : null, purchaseOrders: input.purchaseOrders }),
          shortAtCommit: overall.backorderedAtCommit,
          hub: hub ?? null,
        });
  const skipped = input.lines.filter((l) => l.allOrNothingSkipped);
  return {
    ...common,
    scope: 'committed',
    shortage: state.impact?.shortage ?? 0,
    assessedRevenueAtRisk: state.impact?.revenueAtRisk ?? 0,
    overall,
    byStage,
    firstNoticeAfterMinutes,
    largestCustomer: largestCustomer(input.lines),
    largestCustomerShare: state.plan?.largestCustomerShare ?? 0,
    backorderAgeing: backorderAgeing(input, units),
    backorderBurnDown: burnDown(input, units),
    customerShares: customerShares(input.lines, state.plan?.poolLeft ?? 0),
    capPercent: state.plan?.capPercent ?? null,
    restockRounds: input.rounds.length,
    orderRounds: input.orderRounds ?? [],
    ...(input.rationPeriods ? { rationPeriods: input.rationPeriods } : {}),
    etaSlips: slips,
    networkBuffer: buffer,
    recommendations: recommendations({
      sku: state.sku,
      outcome: input.outcome,
      hubId: hub?.locationId ?? null,
      buffer,
      etaSlips: slips,
      substitutes: input.substitutes,
      backorderedAtCommit: overall.backorderedAtCommit,
      skippedAllOrNothing: { lines: skipped.length, units: skipped.reduce((sum, l) => sum + l.requested - l.allocated - l.substituted, 0), customers: new Set(skipped.map((l) => l.customerId)).size },
      poolLeftAtCommit: state.plan?.poolLeft ?? 0,
      firstNoticeAfterMinutes,
      fillRateAtCommit: overall.fillRateAtCommit,
      cancelledUnits: overall.cancelled,
    }),
  };
}

function lineUnits(input: ReportInput): LineUnits[] {
  const servedLater = new Map<string, number>();
  for (const f of [...input.rounds.flatMap((r) => r.fulfilled), ...(input.shippedByOrderRounds ?? [])]) {
    servedLater.set(f.lineId, (servedLater.get(f.lineId) ?? 0) + f.quantity);
  }
  // A cancelled incident withdraws its open backorders: those units are open demand again, not a customer's
  // cancellation (the inventory system counts both as cancelled on the backorder).
  const withdrawn = input.outcome === 'cancelled';
  return input.lines.map((line) => {
    // A rationed share ships over the periods: at once only what period 1 reserved; what no period reserved is unserved.
    const r = line.rationed ?? { share: 0, atCommit: 0, later: 0 };
    const atOnce = line.allocated - r.share + r.atCommit + line.substituted;
    const backorderedAtCommit = line.requested - line.allocated - line.substituted;
    const inPeriods = r.later;
    const unreleased = Math.max(0, r.share - r.atCommit - r.later);
    const later = servedLater.get(line.lineId) ?? 0;
    const b = line.backorders;
    if (!b) return { line, atOnce, backorderedAtCommit, inPeriods, unreleased, later, substitutedLater: 0, cancelled: 0, unserved: Math.max(0, backorderedAtCommit - later) + unreleased };
    return {
      line,
      atOnce,
      backorderedAtCommit,
      inPeriods,
      unreleased,
      later,
      // Backordered units fulfilled other than by a restock round were fulfilled with a substitute (an answer).
      substitutedLater: Math.max(0, b.fulfilled - later),
      cancelled: withdrawn ? 0 : b.cancelled,
      unserved: b.open + (withdrawn ? b.cancelled : 0) + unreleased,
    };
  });
}

/** Rows in the plan's stage order (the policy's); a stage the plan does not list goes last, by name. */
function stageOutcomes(units: LineUnits[], stageOrder: string[]): StageOutcome[] {
  const rank = (stage: string) => (stageOrder.includes(stage) ? stageOrder.indexOf(stage) : stageOrder.length);
  const stages = [...new Set(units.map((u) => u.line.stage))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return stages.map((stage) => ({ stage, ...totalOf(units.filter((u) => u.line.stage === stage)) }));
}

function totalOf(units: LineUnits[]): Omit<StageOutcome, 'stage'> {
  const customers = new Map<string, { atOnce: number; final: number; ownStock: boolean }>();
  let requested = 0;
  let atOnce = 0;
  let backorderedAtCommit = 0;
  let inPeriods = 0;
  let later = 0;
  let substitutedLater = 0;
  let cancelled = 0;
  let unserved = 0;
  let revenue = NO_REVENUE;
  for (const u of units) {
    const c = customers.get(u.line.customerId) ?? { atOnce: 0, final: 0, ownStock: u.line.rationed?.stockLastsFirstPeriod === true };
    c.atOnce += u.atOnce;
    c.final += u.atOnce + u.inPeriods + u.later + u.substitutedLater;
    customers.set(u.line.customerId, c);
    requested += u.line.requested;
    atOnce += u.atOnce;
    backorderedAtCommit += u.backorderedAtCommit;
    inPeriods += u.inPeriods;
    later += u.later;
    substitutedLater += u.substitutedLater;
    cancelled += u.cancelled;
    unserved += u.unserved;
    revenue = addRevenue(revenue, {
      unitPrice: u.line.unitPrice,
      requested: u.line.requested,
      // Units no ration period reserved were never given: at risk, and lost (they are in unserved).
      allocated: u.line.allocated - u.unreleased,
      recovered: u.line.substituted + u.later + u.substitutedLater,
      lost: u.cancelled + u.unserved,
    });
  }
  return {
    customers: customers.size,
    requested,
    servedAtOnce: atOnce,
    backorderedAtCommit,
    fillRateAtCommit: rate(atOnce, requested),
    customersWithNothingAtCommit: [...customers.values()].filter((c) => c.atOnce === 0 && !c.ownStock).length,
    servedInPeriods: inPeriods,
    servedLater: later,
    substitutedLater,
    cancelled,
    unserved,
    fillRate: rate(atOnce + inPeriods + later + substitutedLater, requested),
    customersWithNothing: [...customers.values()].filter((c) => c.final === 0).length,
    revenueAtRisk: revenue.atRisk / 100,
    revenueProtected: revenue.protected / 100,
    revenueLost: revenue.lost / 100,
  };
}

/** Most units of the SKU at commit; ties by customer id. */
function largestCustomer(lines: ReportLine[]): CommittedReport['largestCustomer'] {
  const units = new Map<string, number>();
  for (const line of lines) units.set(line.customerId, (units.get(line.customerId) ?? 0) + line.allocated);
  const [first] = [...units].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
  return first && first[1] > 0 ? { customerId: first[0], units: first[1] } : null;
}

const SHARES_SHOWN = 12;

/**
 * Each customer's units at commit as a share of the supply the plan divided: what it handed out plus what it
 * left over (pool plus confirmations, the cap's measure). The largest first.
 */
function customerShares(lines: ReportLine[], poolLeft: number): NonNullable<CommittedReport['customerShares']> {
  const byCustomer = new Map<string, { stage: string; units: number }>();
  for (const line of lines) {
    const c = byCustomer.get(line.customerId) ?? { stage: line.stage, units: 0 };
    c.units += line.allocated;
    byCustomer.set(line.customerId, c);
  }
  const supply = lines.reduce((sum, l) => sum + l.allocated, 0) + poolLeft;
  return [...byCustomer]
    .filter(([, c]) => c.units > 0)
    .sort(([a, x], [b, y]) => y.units - x.units || a.localeCompare(b))
    .slice(0, SHARES_SHOWN)
    .map(([customerId, c]) => ({ customerId, stage: c.stage, units: c.units, share: supply === 0 ? 0 : Math.round((c.units / supply) * 10_000) / 10_000 }));
}

/**
 * Open backordered units over time: all of them at commit, plus what each order round backordered, less what each
 * restock round served and each order round shipped from free hub stock, and what stayed open at closing.
 */
function burnDown(input: ReportInput, units: LineUnits[]): NonNullable<CommittedReport['backorderBurnDown']> {
  const committedAt = input.state.timeline.find((t) => t.event === 'plan committed')?.at;
  if (!committedAt) return [];
  let open = units.reduce((sum, u) => sum + u.backorderedAtCommit, 0);
  const points = [{ at: committedAt, openUnits: open }];
  const changes = [
    ...input.rounds.map((r) => ({ at: r.at, units: -r.fulfilled.reduce((sum, f) => sum + f.quantity, 0) })),
    ...(input.orderRounds ?? []).map((r) => ({ at: r.at, units: r.backorderedUnits - (r.shippedUnits ?? 0) })),
  ];
  for (const change of changes.sort((a, b) => a.at.localeCompare(b.at))) {
    open = Math.max(0, open + change.units);
    points.push({ at: change.at, openUnits: open });
  }
  points.push({ at: input.closedAt, openUnits: units.reduce((sum, u) => sum + u.unserved, 0) });
  return points;
}

/**
 * Age of each line backordered at commit: from the commit to its last restock when restocks served all of it;
 * otherwise to closing (still open, or closed by an answer, whose time closing bounds).
 */
function backorderAgeing(input: ReportInput, units: LineUnits[]) {
  const committedAt = Date.parse(input.state.timeline.find((t) => t.event === 'plan committed')?.at ?? input.state.openedAt);
  const lastRound = new Map<string, number>();
  for (const round of input.rounds) for (const f of round.fulfilled) lastRound.set(f.lineId, Date.parse(round.at));
  const buckets = AGE_BUCKETS.map((b) => ({ bucket: b.bucket, lines: 0, units: 0 }));
  for (const u of units) {
    if (u.backorderedAtCommit <= 0) continue;
    const end = u.later >= u.backorderedAtCommit ? (lastRound.get(u.line.lineId) ?? Date.parse(input.closedAt)) : Date.parse(input.closedAt);
    const ageDays = (end - committedAt) / 86_400_000;
    const bucket = buckets[AGE_BUCKETS.findIndex((b) => ageDays <= b.maxDays)]!;
    bucket.lines += 1;
    bucket.units += u.backorderedAtCommit;
  }
  return buckets;
}

const rate = (served: number, requested: number) => (requested === 0 ? 1 : Math.round((served / requested) * 10_000) / 10_000);
