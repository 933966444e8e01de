// Largest-remainder (Hamilton) apportionment in whole units, with integer arithmetic only: the same
// weights always give the same split, whatever order anything was summed in.

/**
 * Splits `total` units in proportion to `weights` (whole, non-negative), no share above its bound (each
 * bound at most its weight; by default the weight itself). A share that would exceed its bound is held at it and the rest is split again among
 * the others, still in proportion. When the bounds add up to no more than `total`, each gets its bound.
 * Equal remainders go to the lower index first, so callers pass weights in priority order.
 */
export function apportion(total: number, weights: readonly number[], bounds: readonly number[] = weights): number[] {
  const shares: number[] = [];
  let active: number[] = [];
  for (let i = 0; i < weights.length; i++) {
    shares.push(0);
    if (weights[i]! > 0 && bounds[i]! > 0) active.push(i);
  }
  let rest = total;
  for (;;) {
    const split = largestRemainder(rest, active, weights);
    const under: number[] = [];
    for (let k = 0; k < active.length; k++) {
      const i = active[k]!;
      if (split[k]! > bounds[i]!) {
        shares[i] = bounds[i]!;
        rest -= bounds[i]!;
      } else under.push(i);
    }
    if (under.length === active.length) {
      for (let k = 0; k < active.length; k++) shares[active[k]!] = split[k]!;
      return shares;
    }
    active = under;
  }
}

/** `total` split in proportion to the weights of `active`, one share per entry of `active`. */
function largestRemainder(total: number, active: readonly number[], weights: readonly number[]): Float64Array {
  const shares = new Float64Array(active.length);
  let sum = 0;
  for (const i of active) sum += weights[i]!;
  if (total >= sum) {
    for (let k = 0; k < active.length; k++) shares[k] = weights[active[k]!]!;
    return shares;
  }
  let rest = total;
  for (let k = 0; k < active.length; k++) {
    shares[k] = Math.floor((total * weights[active[k]!]!) / sum);
    rest -= shares[k]!;
  }
  if (rest === 0) return shares;
  // The units left over go one each to the largest remainders, ties to the lower index.
  const remainder = new Float64Array(active.length);
  for (let k = 0; k < active.length; k++) remainder[k] = (total * weights[active[k]!]!) % sum;
  const byRemainder = new Uint32Array(active.length);
  for (let k = 0; k < active.length; k++) byRemainder[k] = k;
  byRemainder.sort((a, b) => remainder[b]! - remainder[a]! || a - b);
  for (let k = 0; k < rest && k < active.length; k++) shares[byRemainder[k]!]! += 1;
  return shares;
}
