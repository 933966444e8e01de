// Rule 7 of the engine (engine.ts): the plan written from the book, once — each line's outcome with its
// reason codes, in line id order, and the totals per relationship stage in the policy's order.
import { cents, PINNED, STRATEGY, URGENT_BEFORE_ETA, type Book } from './book';
import { REASON, reasonLists, type ReasonBits } from './reasons';
import type { AllocationPlan, LineAllocation, ReasonCode, StageTotals, SubstituteAllocation, SubstituteUsage } from './types';

export function planOf(book: Book, run: { left: number; substitutes: SubstituteUsage[] }): AllocationPlan {
  const { input, policy } = book;
  const stageAt = new Map(policy.stages.map((s, k) => [s.name, k]));
  const totals = policy.stages.map(() => newTally());
  const all = newTally();
  // Written in priority order, where the book's figures sit side by side, each outcome put at its place in
  // line id order: the plan lists lines by id.
  const lines = new Array<LineAllocation>(book.lines);
  const exceptions: { rank: number; text: string }[] = [];
  let confirmedKept = 0;
  let confirmedReleased = 0;
  // Per customer: its stage's tally, units of the SKU, and whether it gets anything at all.
  const tallyOf = book.profile.map((profile) => stageAt.get(profile.stage));
  const units = new Float64Array(book.customers);
  const got = new Uint8Array(book.customers);
  const listed = reasonLists();
  for (let p = 0; p < book.lines; p++) {
    const c = book.customerOf[p]!;
    const outcome = outcomeOf(book, p, run.left, listed);
    lines[book.idRank[p]!] = outcome;
    count(all, outcome, book.priceCents[p]!);
    const ofStage = tallyOf[c];
    if (ofStage !== undefined) count(totals[ofStage]!, outcome, book.priceCents[p]!);
    confirmedKept += Math.min(book.confirmed[p]!, outcome.allocated);
    confirmedReleased += outcome.releasedConfirmation;
    if (outcome.exception) exceptions.push({ rank: book.idRank[p]!, text: outcome.exception });
    units[c]! += outcome.allocated;
    if (outcome.allocated + outcome.substituted > 0) got[c] = 1;
  }
  // Ties go to the lower customer id: the same plan always names the same customer.
  let largestCustomerId: string | null = null;
  let largest = 0;
  for (let c = 0; c < book.customers; c++) {
    const ofStage = tallyOf[c];
    for (const tally of ofStage === undefined ? [all] : [all, totals[ofStage]!]) {
      tally.customers += 1;
      if (!got[c]) tally.customersWithNothing += 1;
    }
    const held = units[c]!;
    const id = book.profile[c]!.customerId;
    if (held > largest || (held === largest && held > 0 && id < largestCustomerId!)) [largestCustomerId, largest] = [id, held];
  }
  const byStage = policy.stages.flatMap((stage, k) => (totals[k]!.lines > 0 ? [{ stage: stage.name, ...totalsOf(totals[k]!) }] : []));
  return {
    sku: input.sku,
    pool: input.pool,
    poolUsed: all.allocated - confirmedKept,
    poolLeft: run.left,
    confirmedKept,
    confirmedReleased,
    lines,
    byStage,
    totals: totalsOf(all),
    largestCustomerShare: book.supply > 0 ? largest / book.supply : 0,
    largestCustomerId,
    substitutes: run.substitutes,
    exceptions: exceptions.sort((a, b) => a.rank - b.rank).map((e) => e.text),
  };
}

/**
 * The per-stage and overall totals of lines as they stand (a plan whose lines changed after the engine wrote it),
 * as planOf counts them: stages in `stageOrder` (others only in the totals), a customer per stage of its lines.
 */
export function totalsOfLines(
  lines: readonly LineAllocation[],
  unitPriceOf: (lineId: string) => number,
  stageOrder: readonly string[],
): Pick<AllocationPlan, 'byStage' | 'totals'> {
  const stageAt = new Map(stageOrder.map((name, k) => [name, k]));
  const totals = stageOrder.map(() => newTally());
  const all = newTally();
  const customers = new Map<string, { ofStage: number | undefined; got: boolean }>();
  for (const line of lines) {
    const ofStage = stageAt.get(line.stage);
    const priceCents = cents(unitPriceOf(line.lineId));
    count(all, line, priceCents);
    if (ofStage !== undefined) count(totals[ofStage]!, line, priceCents);
    const customer = customers.get(line.customerId) ?? { ofStage, got: false };
    customer.got ||= line.allocated + line.substituted > 0;
    customers.set(line.customerId, customer);
  }
  for (const { ofStage, got } of customers.values()) {
    for (const tally of ofStage === undefined ? [all] : [all, totals[ofStage]!]) {
      tally.customers += 1;
      if (!got) tally.customersWithNothing += 1;
    }
  }
  return { byStage: stageOrder.flatMap((stage, k) => (totals[k]!.lines > 0 ? [{ stage, ...totalsOf(totals[k]!) }] : [])), totals: totalsOf(all) };
}

// Reasons that explain a shortfall, dropped once the line is served in full after all.
const SHORTFALL_REASONS = REASON['all-or-nothing-skipped'] | REASON['pack-size-rounded'];

function outcomeOf(book: Book, p: number, poolLeft: number, listed: (bits: ReasonBits) => ReasonCode[]): LineAllocation {
  const c = book.customerOf[p]!;
  const flags = book.flags[p]!;
  const [requested, confirmed] = [book.quantity[p]!, book.confirmed[p]!];
  const allocated = book.allocated[p]!;
  const substituted = book.covered[p]!;
  let reasons = book.reasons[p]!;
  const backordered = requested - allocated - substituted;
  const releasedConfirmation = Math.max(0, confirmed - allocated);
  const mustWin = book.strategy[c] === STRATEGY.win && !(flags & PINNED);
  if (flags & URGENT_BEFORE_ETA && allocated > 0) reasons |= REASON['urgent-before-eta'];
  if (releasedConfirmation > 0) reasons |= REASON['confirmation-released'];
  else if (confirmed > 0) reasons |= REASON['confirmation-kept'];
  if (backordered === 0) {
    reasons = (reasons & ~SHORTFALL_REASONS) | REASON['fully-served'];
    if (mustWin) reasons |= REASON['confirmation-won'];
  } else if (poolLeft === 0) reasons |= REASON['pool-exhausted'];
  const winMissed = mustWin && backordered > 0;
  if (winMissed) reasons |= REASON['win-exception'];
  const { customerId, stage } = book.profile[c]!;
  const lineId = book.ids[book.lineAt[p]!]!;
  const outcome: LineAllocation = {
    lineId,
    customerId,
    stage,
    requested,
    allocated,
    substitutes: substitutesOf(book, p),
    substituted,
    backordered,
    releasedConfirmation,
    reasons: listed(reasons),
  };
  if (winMissed) {
    outcome.exception = winException(outcome);
  }
  return outcome;
}

/** What a person is asked when a must-win line cannot be served in full (here, and when the commit finds a substitute gone). */
export function winException(line: Pick<LineAllocation, 'lineId' | 'customerId' | 'requested' | 'backordered'>): string {
  return `line ${line.lineId} (customer ${line.customerId}) must be served in full but ${line.backordered} of ${line.requested} units are missing: decide by hand`;
}

/** Line `p`'s substitutes, in the order they were offered (a list of its exact length: most lines have none). */
function substitutesOf(book: Book, p: number): SubstituteAllocation[] {
  let count = 0;
  for (const { covers } of book.substitutes) if (covers[p]! > 0) count++;
  if (count === 0) return [];
  const list = new Array<SubstituteAllocation>(count);
  count = 0;
  for (const { sku, quantity, covers } of book.substitutes) if (covers[p]! > 0) list[count++] = { sku, quantity: quantity[p]!, covers: covers[p]! };
  return list;
}

/** Running sums of one stage's lines (or all lines); money in whole cents, so the sums stay exact whatever their order. */
interface Tally {
  lines: number;
  customers: number;
  customersWithNothing: number;
  requested: number;
  allocated: number;
  substituted: number;
  backordered: number;
  atRiskCents: number;
  protectedCents: number;
}

const newTally = (): Tally => ({ lines: 0, customers: 0, customersWithNothing: 0, requested: 0, allocated: 0, substituted: 0, backordered: 0, atRiskCents: 0, protectedCents: 0 });

function count(tally: Tally, a: LineAllocation, priceCents: number): void {
  tally.lines += 1;
  tally.requested += a.requested;
  tally.allocated += a.allocated;
  tally.substituted += a.substituted;
  tally.backordered += a.backordered;
  tally.atRiskCents += a.backordered * priceCents;
  tally.protectedCents += (a.allocated + a.substituted) * priceCents;
}

function totalsOf(t: Tally): Omit<StageTotals, 'stage'> {
  return {
    lines: t.lines,
    customers: t.customers,
    requested: t.requested,
    allocated: t.allocated,
    substituted: t.substituted,
    backordered: t.backordered,
    fillRate: t.requested === 0 ? 1 : (t.allocated + t.substituted) / t.requested,
    customersWithNothing: t.customersWithNothing,
    revenueAtRisk: t.atRiskCents / 100,
    revenueProtected: t.protectedCents / 100,
  };
}
