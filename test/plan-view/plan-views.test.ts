// The plan views over plans the real engine makes: every line exactly once across pages whatever the page size,
// sort and filters; filters that hold on every line they let through; a per-customer roll-up that adds up; a
// comparison of two plans line by line; refused cursors named.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { allocate } from '../../src/allocation/engine';
import { DEFAULT_POLICY } from '../../src/allocation/policy';
import { REASON_CODES, REASON_WORDS, type CustomerProfile, type DemandLine, type PlanOverride } from '../../src/allocation/types';
import type { StoredPlan } from '../../src/incident/planning';
import { comparisonPage, previewImpact } from '../../src/plan-view/compare';
import { PLAN_LINE_OUTCOMES, planView, type PlanView } from '../../src/plan-view/lines';
import { customersPage, linesPage, PLAN_SORTS, PlanQueryError, type PlanFilter, type PlanSort } from '../../src/plan-view/pages';
import { AS_OF, customer, input, line } from '../allocation/fixtures';

const STAGES = DEFAULT_POLICY.stages.map((s) => s.name);

/** A crisis of `size` lines over a fifth as many customers, some holding confirmations, some critical. */
function crisis(size: number) {
  const customers: (CustomerProfile & { name: string })[] = [];
  for (let c = 0; c < Math.ceil(size / 5); c++) {
    customers.push({ ...customer(`C-${String(c).padStart(5, '0')}`, STAGES[c % STAGES.length]!, { critical: c % 37 === 0 }), name: `Customer ${c} GmbH` });
  }
  const lines: DemandLine[] = [];
  for (let i = 0; i < size; i++) {
    lines.push(
      line(`L-${String(i).padStart(6, '0')}`, customers[i % customers.length]!.customerId, 4 + (i % 17), {
        confirmedQuantity: i % 9 === 0 ? 2 : 0,
        requestedDate: `2024-05-${String(7 + (i % 20)).padStart(2, '0')}`,
        unitMargin: (i * 7) % 11,
        partialAllowed: i % 13 !== 0,
      }),
    );
  }
  const pool = Math.floor(lines.reduce((sum, l) => sum + l.quantity, 0) * 0.45);
  const substitutes = [{ sku: 'SUB-1', ratio: 1, priceDelta: 0, available: Math.floor(size / 4), packSize: 1 }];
  return { lines, customers, pool, substitutes };
}

function stored(world: ReturnType<typeof crisis>, overrides: PlanOverride[] = []): StoredPlan {
  const plan = allocate(input({ ...world, overrides }));
  return { ...plan, basis: { revision: 0, policy: DEFAULT_POLICY, asOf: AS_OF, nextInboundEta: null, overrides, basedOn: null } };
}

const viewOf = (world: ReturnType<typeof crisis>, plan: StoredPlan) => planView(plan, world, { policy: DEFAULT_POLICY, asOf: AS_OF, nextInboundEta: null });

/** Every page of lines, following the cursors. */
function allPages(view: PlanView, query: PlanFilter & { sort?: PlanSort; limit: number }) {
  const seen: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  const totals = new Set<number>();
  do {
    const page = linesPage(view, { ...query, ...(cursor ? { cursor } : {}) });
    expect(page.items.length).toBeLessThanOrEqual(query.limit);
    seen.push(...page.items.map((l) => l.lineId));
    totals.add(page.total);
    cursor = page.nextCursor ?? undefined;
    pages += 1;
    if (pages > view.lines.length + 1) throw new Error('the cursors never reach the last page');
  } while (cursor);
  // Every page counts the same total.
  expect(totals.size).toBe(1);
  return { seen, pages, total: [...totals][0]! };
}

const world = crisis(3000);
const plan = stored(world);
const view = viewOf(world, plan);

describe('the plan line by line', () => {
  it('ranks every line once, in the engine priority order, with its customer, outcome and reasons in words', () => {
    expect(view.lines.map((l) => l.position)).toEqual(view.lines.map((_, i) => i + 1));
    expect(new Set(view.lines.map((l) => l.lineId)).size).toBe(world.lines.length);
    // Critical customers come first.
    const firstNonCritical = view.lines.findIndex((l) => !l.customer.critical);
    expect(view.lines.slice(firstNonCritical).some((l) => l.customer.critical)).toBe(false);
    for (const l of view.lines) {
      const source = world.lines.find((d) => d.lineId === l.lineId)!;
      expect(l.allocated + l.substitute + l.backordered).toBe(l.requested);
      expect(l.held).toBe(source.confirmedQuantity);
      expect(l.change).toBe(l.allocated - l.held);
      expect(l.customer.name).toMatch(/^Customer \d+ GmbH$/);
      expect(l.reasons.length).toBeGreaterThan(0);
      for (const r of l.reasons) expect(r.words).toBe(REASON_WORDS[r.code]);
      const expected = l.backordered === 0 && l.substitute === 0 ? 'full' : l.substitute > 0 ? 'substitute' : l.allocated > 0 ? 'partial' : 'nothing';
      expect(l.outcome).toBe(expected);
    }
    // The crisis has every outcome, so the filters below are tried on each.
    expect(new Set(view.lines.map((l) => l.outcome))).toEqual(new Set(PLAN_LINE_OUTCOMES));
  });

  it('pages every line exactly once across pages, whatever the page size, sort and filters', () => {
    const reasons = [...new Set(view.lines.flatMap((l) => l.reasons.map((r) => r.code)))];
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 700 }),
        fc.constantFrom(...PLAN_SORTS),
        fc.record(
          {
            stage: fc.constantFrom(...STAGES),
            outcome: fc.constantFrom(...PLAN_LINE_OUTCOMES),
            reason: fc.constantFrom(...reasons),
            customer: fc.constantFrom('1', 'gmbh', 'C-0001', 'customer 42 '),
          },
          { requiredKeys: [] },
        ),
        (limit, sort, filter) => {
          const expected = view.lines.filter(
            (l) =>
              (filter.stage === undefined || l.customer.stage === filter.stage) &&
              (filter.outcome === undefined || l.outcome === filter.outcome) &&
              (filter.reason === undefined || l.reasons.some((r) => r.code === filter.reason)) &&
              (filter.customer === undefined ||
                l.customer.customerId.toLowerCase().includes(filter.customer.trim().toLowerCase()) ||
                l.customer.name!.toLowerCase().includes(filter.customer.trim().toLowerCase())),
          );
          const { seen, pages, total } = allPages(view, { ...filter, sort, limit });
          expect(total).toBe(expected.length);
          expect(seen.length).toBe(expected.length);
          expect(new Set(seen)).toEqual(new Set(expected.map((l) => l.lineId)));
          expect(pages).toBe(Math.max(1, Math.ceil(expected.length / limit)));
        },
      ),
      { numRuns: 60 },
    );
  });

  it('sorts by priority unless asked otherwise, ties by priority', () => {
    const byPriority = linesPage(view, { limit: 50 }).items;
    expect(byPriority.map((l) => l.position)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    const mostBackordered = linesPage(view, { sort: 'backordered', limit: 1000 }).items;
    for (let i = 1; i < mostBackordered.length; i++) {
      const [a, b] = [mostBackordered[i - 1]!, mostBackordered[i]!];
      expect(a.backordered > b.backordered || (a.backordered === b.backordered && a.position < b.position)).toBe(true);
    }
  });

  it('refuses a cursor it did not issue, or one of another order, naming the cursor', () => {
    const next = linesPage(view, { limit: 10 }).nextCursor!;
    expect(() => linesPage(view, { limit: 10, cursor: 'not-a-cursor' })).toThrow(PlanQueryError);
    expect(() => linesPage(view, { limit: 10, cursor: 'not-a-cursor' })).toThrow(/^cursor: /);
    expect(() => linesPage(view, { limit: 10, sort: 'line', cursor: next })).toThrow(/^cursor: belongs to pages in priority order, not line/);
  });

  it('rolls the lines up per customer: one row each, totals of its lines, every line in exactly one customer', () => {
    const rows = [];
    let cursor: string | undefined;
    do {
      const page = customersPage(view, { stage: STAGES[1], limit: 97, ...(cursor ? { cursor } : {}) });
      rows.push(...page.items);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);
    const ofStage = view.lines.filter((l) => l.customer.stage === STAGES[1]);
    expect(rows.flatMap((c) => c.lines.map((l) => l.lineId)).sort()).toEqual(ofStage.map((l) => l.lineId).sort());
    expect(new Set(rows.map((c) => c.customerId)).size).toBe(rows.length);
    for (const c of rows) {
      expect(c.stage).toBe(STAGES[1]);
      expect(c.lines.every((l) => l.customer.customerId === c.customerId)).toBe(true);
      expect(c.requested).toBe(c.lines.reduce((s, l) => s + l.requested, 0));
      expect(c.allocated).toBe(c.lines.reduce((s, l) => s + l.allocated, 0));
      expect(c.substitute).toBe(c.lines.reduce((s, l) => s + l.substitute, 0));
      expect(c.backordered).toBe(c.lines.reduce((s, l) => s + l.backordered, 0));
      expect(c.position).toBe(c.lines[0]!.position);
    }
    expect(rows.map((c) => c.position)).toEqual([...rows.map((c) => c.position)].sort((a, b) => a - b));
  });
});

describe('two plans compared line by line', () => {
  // A line the plan leaves short, pinned in full: it improves, others pay for it.
  const short = view.lines.find((l) => l.outcome === 'nothing' && l.requested > 5)!;
  const revised = stored(world, [{ lineId: short.lineId, allocate: short.requested }]);
  const revisedView = viewOf(world, revised);

  it('a plan beside itself is unchanged on every line', () => {
    const page = comparisonPage(view, view, { limit: 1000 });
    expect(page.total).toBe(world.lines.length);
    expect(page.summary.every((s) => s.improved === 0 && s.worse === 0 && s.delta === 0)).toBe(true);
  });

  it('says which lines improved or got worse, by how much, and sums per stage', () => {
    const all = comparisonPage(view, revisedView, { limit: 1000 });
    const improved = comparisonPage(view, revisedView, { change: 'improved', limit: 1000 });
    const pinned = improved.items.find((l) => l.lineId === short.lineId)!;
    expect(pinned).toMatchObject({ change: 'improved', allocatedFrom: 0, allocatedTo: short.requested, backorderedTo: 0, delta: short.requested - short.substitute });
    expect(comparisonPage(view, revisedView, { change: 'worse', limit: 1000 }).total).toBeGreaterThan(0);
    for (const stage of all.summary) {
      expect(stage.improved + stage.worse + stage.unchanged).toBe(stage.lines);
      expect(stage.delta).toBe(stage.servedTo - stage.servedFrom);
    }
    expect(all.summary.reduce((s, row) => s + row.lines, 0)).toBe(world.lines.length);
    expect(revisedView.byId.get(short.lineId)!.override).toEqual({ allocate: short.requested, reason: null });
    expect(revisedView.byId.get(short.lineId)!.reasons.map((r) => r.code)).toContain('override');
  });

  it('gives an override preview its impact per stage and per customer', () => {
    const { impact, changedLines, changedLineCount } = previewImpact(view, revisedView);
    expect(changedLineCount).toBeGreaterThan(1);
    expect(changedLines.map((l) => l.lineId)).toContain(short.lineId);
    const mine = impact.perCustomer.find((c) => c.customerId === short.customer.customerId)!;
    expect(mine.delta).toBeGreaterThan(0);
    // Customers with no changed line are left out; the per-customer deltas add up to the per-stage ones.
    expect(new Set(impact.perCustomer.map((c) => c.customerId))).toEqual(new Set(changedLines.map((l) => l.customerId)));
    const byStage = (rows: { stage: string; delta: number }[]) =>
      Object.fromEntries(STAGES.map((s) => [s, rows.filter((r) => r.stage === s).reduce((sum, r) => sum + r.delta, 0)]));
    expect(byStage(impact.perCustomer)).toEqual(byStage(impact.perStage));
  });
});

it('has words for every reason code', () => {
  for (const code of REASON_CODES) expect(REASON_WORDS[code].length).toBeGreaterThan(5);
});
