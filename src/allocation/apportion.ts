// Largest-remainder (Hamilton) apportionment in whole units, with integer arithmetic only: the same
// weights always give the same split, whatever order anything was summed in.

/**
 * Splits `total` units in proportion to `weights` (whole, non-negative), no share above its bound (each
 * bound at most its weight; by default the weight itself). A share that would exceed its bound is held at it and the rest is split again among
 * the others, still in proportion. When the bounds add up to no more than `total`, each gets its bound.
 * Equal remainders go to the lower index first, so callers pass weights in priority order.
 */
export function apportion(total: number, weights: readonly number[], bounds: readonly number[] = weights): number[] {
  const shares = weights.map(() => 0);
  let active = weights.map((_, i) => i).filter((i) => weights[i]! > 0 && bounds[i]! > 0);
  let rest = total;
  for (;;) {
    const split = largestRemainder(rest, active.map((i) => weights[i]!));
    const over = new Set(active.filter((i, k) => split[k]! > bounds[i]!));
    if (over.size === 0) {
      active.forEach((i, k) => (shares[i] = split[k]!));
      return shares;
    }
    for (const i of over) {
      shares[i] = bounds[i]!;
      rest -= bounds[i]!;
    }
    active = active.filter((i) => !over.has(i));
  }
}

function largestRemainder(total: number, weights: readonly number[]): number[] {
  const sum = weights.reduce((a, w) => a + w, 0);
  if (total >= sum) return [...weights];
  const shares = weights.map((w) => Math.floor((total * w) / sum));
  let rest = total - shares.reduce((a, s) => a + s, 0);
  const byRemainder = weights.map((w, i) => ({ i, remainder: (total * w) % sum })).sort((a, b) => b.remainder - a.remainder || a.i - b.i);
  for (const { i } of byRemainder) {
    if (rest === 0) break;
    shares[i]! += 1;
    rest -= 1;
  }
  return shares;
}
