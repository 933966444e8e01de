// The decision figures of one allocation of one crisis, and Pareto dominance between two of them.
import type { AllocationInput } from '../../../src/allocation/types';
import type { Outcome } from './baselines';

export interface Figures {
  /** Customers that get neither the SKU nor a substitute. */
  nothing: number;
  /** Fill of critical customers' lines; null when the crisis has none. */
  criticalFill: number | null;
  /** Fill of integrated and interdependent customers' lines; null when the crisis has none. */
  strategicFill: number | null;
  /** Units of the SKU the largest customer gets, over the supply (pool and confirmations). */
  largestShare: number;
  /** Jain's index of customers' fill rates: 1 when all are equal, 1/n when one customer gets everything. */
  jain: number;
}

export const FIGURE_LABELS: Record<keyof Figures, string> = {
  nothing: 'customers left with nothing',
  criticalFill: "critical customers' fill",
  strategicFill: 'integrated + interdependent fill',
  largestShare: "largest customer's share of the pool",
  jain: 'Jain fairness of customer fill rates',
};

/** Issue 12's goals for the default policy, as means over the bench's crises (Pareto: a share of them). */
export const GOALS = {
  /** Critical fill at most this far below strict priority's. */
  criticalBelowStrict: 0.01,
  strategicFill: 0.75,
  jain: 0.8,
  paretoOverFcfs: 0.95,
} as const;

/** The relationship stages the strategic fill counts (integrated + interdependent). */
export const STRATEGIC: ReadonlySet<string> = new Set(['integrated', 'interdependent']);

export function figuresOf(input: AllocationInput, outcome: Outcome): Figures {
  const profiles = new Map(input.customers.map((c) => [c.customerId, c]));
  const perCustomer = new Map<string, { requested: number; filled: number; units: number }>();
  const groups = { critical: { requested: 0, filled: 0 }, strategic: { requested: 0, filled: 0 } };
  input.lines.forEach((line, i) => {
    const { allocated, substituted } = outcome[i]!;
    const c = perCustomer.get(line.customerId) ?? { requested: 0, filled: 0, units: 0 };
    c.requested += line.quantity;
    c.filled += allocated + substituted;
    c.units += allocated;
    perCustomer.set(line.customerId, c);
    const profile = profiles.get(line.customerId)!;
    if (profile.critical) add(groups.critical, line.quantity, allocated + substituted);
    if (STRATEGIC.has(profile.stage)) add(groups.strategic, line.quantity, allocated + substituted);
  });
  const customers = [...perCustomer.values()].filter((c) => c.requested > 0);
  const rates = customers.map((c) => c.filled / c.requested);
  const sum = rates.reduce((a, r) => a + r, 0);
  const squares = rates.reduce((a, r) => a + r * r, 0);
  const supply = input.pool + input.lines.reduce((a, l) => a + l.confirmedQuantity, 0);
  return {
    nothing: customers.filter((c) => c.filled === 0).length,
    criticalFill: rate(groups.critical),
    strategicFill: rate(groups.strategic),
    largestShare: supply > 0 ? Math.max(0, ...customers.map((c) => c.units)) / supply : 0,
    jain: squares > 0 ? (sum * sum) / (rates.length * squares) : 1,
  };
}

function add(group: { requested: number; filled: number }, requested: number, filled: number) {
  group.requested += requested;
  group.filled += filled;
}

const rate = (g: { requested: number; filled: number }) => (g.requested > 0 ? g.filled / g.requested : null);

/** How much better a figure must be to count (and how much worse it may be to count as at least as good). */
export const EPS = 1e-9;

/** a is at least as good as b on every figure and better on one: fewer with nothing, more fill, a smaller largest share, fairer. */
export function dominates(a: Figures, b: Figures): boolean {
  const better = (Object.keys(FIGURE_LABELS) as (keyof Figures)[]).map((key) => advantage(key, a, b));
  return better.every((d) => d > -EPS) && better.some((d) => d > EPS);
}

export const worseOn = (key: keyof Figures, a: Figures, b: Figures) => advantage(key, a, b) < -EPS;

/** How much better a is than b on one figure (negative: worse). */
function advantage(key: keyof Figures, a: Figures, b: Figures): number {
  if (key === 'nothing') return b.nothing - a.nothing;
  if (key === 'largestShare') return b.largestShare - a.largestShare;
  return diff(a[key], b[key]);
}

const diff = (a: number | null, b: number | null) => (a === null || b === null ? 0 : a - b);
