// Impact assessment: how short the network is of a SKU, for whom, for how long, and how bad that is.
// A fold over demand pages (emptyImpact → foldDemandPage … → finishImpact) so a caller can page through
// 100k lines without holding them; assessImpact is the one-shot form. Pure: the accumulator is plain
// JSON (it can ride in an activity heartbeat) and nothing reads a clock.
//
// Definitions:
//   available   Σ over locations of max(0, onHand + inTransit − reserved − safetyStock): stock no line has
//               claimed, in-transit transfers included (they stay in the network), safety stock kept.
//   demand      Σ over lines of quantity − confirmedQuantity: what is open and not yet reserved.
//   shortage    demand − available (≤ 0: no shortage, severity 'none', the incident is a false alarm).
//   affected    lines with open unconfirmed demand, their customers and those customers' account managers.
//   revenueAtRisk  the shortage valued at the open demand's average unit price.
//   gapDays     days from asOf to the next inbound purchase order's ETA (0 if overdue), null with none.
//   daysOfCover days until the first requested date whose demand, served earliest date first, the available
//               stock no longer covers; null when it covers all of it.
import { dayNumber } from '../allocation/dates';
import type { Policy } from '../allocation/policy';
import type { DemandLine } from '../allocation/types';
import { GRADED_SEVERITIES, type Severity } from '../incident/vocabulary';
import { daysOfCover } from './cover';

export type { Severity };

export interface PositionInput {
  locationId: string;
  kind: 'hub' | 'spoke';
  onHand: number;
  reserved: number;
  safetyStock: number;
  inTransit: number;
}

export interface InboundInput {
  poId: string;
  quantity: number;
  eta: string;
}

export interface ImpactCustomer {
  customerId: string;
  stage: string;
  accountManagerId: string;
  /** Life-safety customers raise the severity (policy.severity.*.criticalCustomers). */
  critical?: boolean;
}

export type ImpactLine = Pick<DemandLine, 'lineId' | 'customerId' | 'quantity' | 'confirmedQuantity' | 'requestedDate' | 'unitPrice'>;

export interface StageImpact {
  stage: string;
  lines: number;
  customers: number;
  /** Open unconfirmed units. */
  demand: number;
  /** Open unconfirmed units at their unit price. */
  demandValue: number;
}

export interface Impact {
  sku: string;
  shortage: number;
  available: number;
  demand: number;
  affectedLines: number;
  affectedCustomers: number;
  affectedAccountManagers: number;
  criticalCustomers: number;
  revenueAtRisk: number;
  gapDays: number | null;
  daysOfCover: number | null;
  severity: Severity;
  /** Stages in the policy's order, then any the policy does not know, by name. */
  byStage: StageImpact[];
}

/** The running totals over demand pages; plain JSON. */
export interface ImpactAccumulator {
  lines: number;
  demand: number;
  valueCents: number;
  /** customerId → stage, for every affected customer. */
  customers: Record<string, string>;
  accountManagers: Record<string, true>;
  criticalCustomers: Record<string, true>;
  /** Requested date → open units. */
  demandByDate: Record<string, number>;
  byStage: Record<string, { lines: number; demand: number; valueCents: number }>;
}

export interface ImpactContext {
  sku: string;
  positions: PositionInput[];
  inbound: InboundInput[];
  asOf: string;
  policy: Policy;
}

export function emptyImpact(): ImpactAccumulator {
  return { lines: 0, demand: 0, valueCents: 0, customers: dict(), accountManagers: dict(), criticalCustomers: dict(), demandByDate: dict(), byStage: dict() };
}

/** A record copy without a prototype: an id such as "__proto__" is a key like any other. */
const dict = <T>(from: Record<string, T> = {}): Record<string, T> => Object.assign(Object.create(null) as Record<string, T>, from);

/** Adds one page of demand lines; `customers` must include every customer of the page. Returns a new accumulator. */
export function foldDemandPage(acc: ImpactAccumulator, lines: readonly ImpactLine[], customers: readonly ImpactCustomer[]): ImpactAccumulator {
  const profiles = new Map(customers.map((c) => [c.customerId, c]));
  const next: ImpactAccumulator = {
    ...acc,
    customers: dict(acc.customers),
    accountManagers: dict(acc.accountManagers),
    criticalCustomers: dict(acc.criticalCustomers),
    demandByDate: dict(acc.demandByDate),
    byStage: dict(acc.byStage),
  };
  for (const line of lines) {
    const open = line.quantity - line.confirmedQuantity;
    if (open <= 0) continue;
    const customer = profiles.get(line.customerId);
    if (!customer) throw new Error(`line ${line.lineId}: customer ${line.customerId} is missing from the page's customers`);
    const cents = open * Math.round(line.unitPrice * 100);
    next.lines += 1;
    next.demand += open;
    next.valueCents += cents;
    next.customers[customer.customerId] = customer.stage;
    next.accountManagers[customer.accountManagerId] = true;
    if (customer.critical) next.criticalCustomers[customer.customerId] = true;
    const date = line.requestedDate.slice(0, 10);
    next.demandByDate[date] = (next.demandByDate[date] ?? 0) + open;
    const stage = next.byStage[customer.stage] ?? { lines: 0, demand: 0, valueCents: 0 };
    next.byStage[customer.stage] = { lines: stage.lines + 1, demand: stage.demand + open, valueCents: stage.valueCents + cents };
  }
  return next;
}

export function finishImpact(acc: ImpactAccumulator, context: ImpactContext): Impact {
  const { asOf, policy } = context;
  const available = context.positions.reduce((sum, p) => sum + Math.max(0, p.onHand + p.inTransit - p.reserved - p.safetyStock), 0);
  const shortage = acc.demand - available;
  const gapDays = nextInboundGap(context.inbound, asOf);
  const criticalCustomers = Object.keys(acc.criticalCustomers).length;
  return {
    sku: context.sku,
    shortage,
    available,
    demand: acc.demand,
    affectedLines: acc.lines,
    affectedCustomers: Object.keys(acc.customers).length,
    affectedAccountManagers: Object.keys(acc.accountManagers).length,
    criticalCustomers,
    revenueAtRisk: shortage > 0 ? Math.round((acc.valueCents * shortage) / acc.demand) / 100 : 0,
    gapDays,
    daysOfCover: daysOfCover(acc.demandByDate, available, asOf),
    severity: severityOf(policy, { shortage, demand: acc.demand, gapDays, criticalCustomers }),
    byStage: stagesOf(acc, policy),
  };
}

/** The whole assessment at once, for callers that already hold every line. */
export function assessImpact(input: ImpactContext & { lines: readonly ImpactLine[]; customers: readonly ImpactCustomer[] }): Impact {
  return finishImpact(foldDemandPage(emptyImpact(), input.lines, input.customers), input);
}

function nextInboundGap(inbound: InboundInput[], asOf: string): number | null {
  if (inbound.length === 0) return null;
  const next = Math.min(...inbound.map((po) => dayNumber(po.eta)));
  return Math.max(0, next - dayNumber(asOf));
}

/** The most severe graded level with any criterion met; 'low' for a shortage that meets none. */
function severityOf(
  policy: Policy,
  figures: { shortage: number; demand: number; gapDays: number | null; criticalCustomers: number },
): Severity {
  if (figures.shortage <= 0) return 'none';
  const sharePercent = (figures.shortage * 100) / figures.demand;
  for (const level of GRADED_SEVERITIES.toReversed()) {
    const t = policy.severity[level];
    if (
      (t.shortageSharePercent !== undefined && sharePercent >= t.shortageSharePercent) ||
      (t.gapDays !== undefined && (figures.gapDays === null || figures.gapDays >= t.gapDays)) ||
      (t.criticalCustomers !== undefined && figures.criticalCustomers >= t.criticalCustomers)
    ) {
      return level;
    }
  }
  return 'low';
}

function stagesOf(acc: ImpactAccumulator, policy: Policy): StageImpact[] {
  const known = policy.stages.map((s) => s.name);
  const others = Object.keys(acc.byStage).filter((s) => !known.includes(s)).sort();
  const customersByStage = new Map<string, number>();
  for (const stage of Object.values(acc.customers)) customersByStage.set(stage, (customersByStage.get(stage) ?? 0) + 1);
  return [...known, ...others].flatMap((stage) => {
    const s = acc.byStage[stage];
    if (!s) return [];
    return [{ stage, lines: s.lines, customers: customersByStage.get(stage) ?? 0, demand: s.demand, demandValue: s.valueCents / 100 }];
  });
}
