// What the engine looks up for each line, found once for all of them: its customer's profile, its place in
// line id order, the day numbers of its dates. A million lines are a million lookups, not three million.
import { dayNumbers } from './dates';
import type { AllocationInput } from './types';

export interface LineIndex {
  /** Per line, the index of its customer's profile in `input.customers`; -1 when it has none. */
  owner: Int32Array;
  /** Line indices in line id order (UTF-16 code units, as `<` compares); a line listed twice sits next to its twin. */
  idOrder: Uint32Array;
  /** A date's day number (NaN: not a date), remembered for each text. */
  days: (iso: string) => number;
}

export function indexLines(input: Pick<AllocationInput, 'lines' | 'customers'>): LineIndex {
  const { lines } = input;
  const profileAt = new Map(input.customers.map((c, i) => [c.customerId, i]));
  const owner = new Int32Array(lines.length);
  for (let i = 0; i < lines.length; i++) owner[i] = profileAt.get(lines[i]!.customerId) ?? -1;
  const idOrder = new Uint32Array(lines.length);
  for (let i = 0; i < lines.length; i++) idOrder[i] = i;
  idOrder.sort((a, b) => {
    const [x, y] = [lines[a]!.lineId, lines[b]!.lineId];
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { owner, idOrder, days: dayNumbers() };
}
