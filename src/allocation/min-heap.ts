// A binary min-heap of indices: the rationing rule serves, pack by pack, whichever customer has the fewest
// days of supply. `less` must be a strict total order, so the order of pops does not depend on the heap's shape.

export class MinHeap {
  private readonly items: Uint32Array;
  private count = 0;

  constructor(
    capacity: number,
    private readonly less: (a: number, b: number) => boolean,
  ) {
    this.items = new Uint32Array(capacity);
  }

  get size(): number {
    return this.count;
  }

  push(item: number): void {
    const items = this.items;
    let i = this.count++;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(item, items[parent]!)) break;
      items[i] = items[parent]!;
      i = parent;
    }
    items[i] = item;
  }

  /** The least item, left in the heap; only when `size` > 0. */
  peek(): number {
    return this.items[0]!;
  }

  /** The item at place `i` of the heap: each place's item is less than those at 2i + 1 and 2i + 2. */
  at(i: number): number {
    return this.items[i]!;
  }

  /** The least item; only when `size` > 0. */
  pop(): number {
    const items = this.items;
    const top = items[0]!;
    const last = items[--this.count]!;
    if (this.count > 0) this.sink(0, last);
    return top;
  }

  /** Puts the heap back in order after the order of its items changed. */
  reorder(): void {
    for (let i = (this.count >> 1) - 1; i >= 0; i--) this.sink(i, this.items[i]!);
  }

  /** Places `item` at place `i` or below it, moving lesser children up. */
  private sink(at: number, item: number): void {
    const items = this.items;
    const n = this.count;
    let i = at;
    for (;;) {
      const left = 2 * i + 1;
      if (left >= n) break;
      const child = left + 1 < n && this.less(items[left + 1]!, items[left]!) ? left + 1 : left;
      if (!this.less(items[child]!, item)) break;
      items[i] = items[child]!;
      i = child;
    }
    items[i] = item;
  }
}
