// Counting steps one by one costs time in units (billions of them); a rule that holds up to some count and
// not after it is found by halving the range instead, in steps of the range's logarithm.

/** The largest n in lo..hi for which `holds(n)`, where `holds` is true up to some n and false after it; `holds(lo)` is taken as true. */
export function lastHolding(lo: number, hi: number, holds: (n: number) => boolean): number {
  while (lo < hi) {
    const mid = lo + Math.ceil((hi - lo) / 2);
    if (holds(mid)) lo = mid;
    else hi = mid - 1;
  }
  return lo;
}
