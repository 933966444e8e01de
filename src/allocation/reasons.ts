// A line's reason codes while the engine works: one bit each (in REASON_CODES order) of a single number,
// listed as codes once, when the plan is written. A set per line would cost a million sets.
import { REASON_CODES, type ReasonCode } from './types';

export type ReasonBits = number;

export const REASON = Object.fromEntries(REASON_CODES.map((code, i) => [code, 2 ** i])) as Record<ReasonCode, ReasonBits>;

/** The codes whose bits are set, in REASON_CODES order. */
export function reasonList(bits: ReasonBits): ReasonCode[] {
  const codes: ReasonCode[] = [];
  for (let rest = bits; rest !== 0; rest &= rest - 1) codes.push(REASON_CODES[31 - Math.clz32(rest & -rest)]!);
  return codes;
}

/** `reasonList`, each set of bits worked out once (a plan's million lines have a few hundred sets): a copy per call. */
export function reasonLists(): (bits: ReasonBits) => ReasonCode[] {
  const known = new Map<ReasonBits, ReasonCode[]>();
  return (bits) => {
    let codes = known.get(bits);
    if (!codes) {
      codes = reasonList(bits);
      known.set(bits, codes);
    }
    return codes.slice();
  };
}
