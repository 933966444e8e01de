// What the engine looks up for each line, found once for all of them: its customer's profile, its place in
// line id order, the day numbers of its dates. A million lines are a million lookups, not three million.
import { dayNumbers } from './dates';
import type { AllocationInput } from './types';

export interface LineIndex {
  /** Per line, the index of its customer's profile in `input.customers`; -1 when it has none. */
  owner: Int32Array;
  /** Line indices in line id order (UTF-16 code units, as `<` compares); a line listed twice sits next to its twin. */
  idOrder: Uint32Array;
  /** Per line, its id. */
  ids: string[];
  /** Per line, the day numbers of its requested and order dates (NaN: not a date). */
  requestedDay: Float64Array;
  orderDay: Float64Array;
}

export function indexLines(input: Pick<AllocationInput, 'lines' | 'customers'>): LineIndex {
  const { lines } = input;
  const n = lines.length;
  const profileAt = new Map(input.customers.map((c, i) => [c.customerId, i]));
  const days = dayNumbers();
  const owner = new Int32Array(n);
  const requestedDay = new Float64Array(n);
  const orderDay = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const line = lines[i]!;
    owner[i] = profileAt.get(line.customerId) ?? -1;
    requestedDay[i] = days(line.requestedDate);
    orderDay[i] = days(line.orderDate);
  }
  // Plain arrays of the exact length (grown by push, a million-line array leaves its smaller copies behind);
  // one sorts by TimSort, which takes ids already in order, or in a few runs, in one pass.
  const ids = lines.map((line) => line.lineId);
  const byId = lines.map((_, i) => i);
  byId.sort((a, b) => {
    const x = ids[a]!;
    const y = ids[b]!;
    return x < y ? -1 : x > y ? 1 : 0;
  });
  return { owner, idOrder: Uint32Array.from(byId), ids, requestedDay, orderDay };
}
