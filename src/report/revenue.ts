// Revenue, per line at its unit price — the one definition the plan summary, `show`, the report, the API and
// the console state (the engine's own stage totals, kept byte for byte with its recorded plans, value
// backordered units instead and are not shown):
//   at risk    ordered units the SKU's own stock does not serve: requested − allocated (a kept confirmation
//              counts as served)
//   protected  the part of that recovered: substitutes at commit, then restocks and substitutes accepted later
//   lost       what stays unrecovered: cancelled by the customer or still unserved at closing
// so at risk = protected + lost once an incident closes, and protected ≤ at risk. Money in whole cents, so a
// sum does not depend on the order lines are added in. Pure.

export interface RevenueUnits {
  unitPrice: number;
  requested: number;
  allocated: number;
  /** Units of the line recovered (by substitutes at commit and whatever served it later). */
  recovered: number;
  /** Units cancelled or unserved at closing; 0 while the incident runs. */
  lost: number;
}

export interface RevenueCents {
  atRisk: number;
  protected: number;
  lost: number;
}

export const NO_REVENUE: RevenueCents = { atRisk: 0, protected: 0, lost: 0 };

/** Adds one line's revenue to a running sum in cents. */
export function addRevenue(sum: RevenueCents, line: RevenueUnits): RevenueCents {
  const cents = Math.round(line.unitPrice * 100);
  return {
    atRisk: sum.atRisk + (line.requested - line.allocated) * cents,
    protected: sum.protected + line.recovered * cents,
    lost: sum.lost + line.lost * cents,
  };
}

/**
 * A plan's revenue figures per stage and in total, by the definition above: what is at risk, and what the
 * plan's substitutes protect at commit.
 */
export function planRevenue(
  lines: readonly { lineId: string; stage: string; requested: number; allocated: number; substituted: number }[],
  unitPrice: (lineId: string) => number,
): { byStage: Map<string, { revenueAtRisk: number; revenueProtected: number }>; totals: { revenueAtRisk: number; revenueProtected: number } } {
  const sums = new Map<string, RevenueCents>();
  let total = NO_REVENUE;
  for (const l of lines) {
    const units = { unitPrice: unitPrice(l.lineId), requested: l.requested, allocated: l.allocated, recovered: l.substituted, lost: 0 };
    sums.set(l.stage, addRevenue(sums.get(l.stage) ?? NO_REVENUE, units));
    total = addRevenue(total, units);
  }
  const figures = (c: RevenueCents) => ({ revenueAtRisk: c.atRisk / 100, revenueProtected: c.protected / 100 });
  return { byStage: new Map([...sums].map(([stage, c]) => [stage, figures(c)])), totals: figures(total) };
}
