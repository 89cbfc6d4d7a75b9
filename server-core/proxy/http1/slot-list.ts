// A list whose items know their own index: O(1) add and swap-remove without a Set. Long-lived
// collections churned on the hot path must not be Sets: V8 chains a Set's replaced hash tables for
// live iterators, and once one is promoted the chain keeps every later member alive until a full
// GC (docs/ARCHITECTURE.md, "GC nepotism"). Each user keeps the index in a field of its own.
export class SlotList<T> {
  readonly items: T[] = [];

  constructor(
    private readonly slotOf: (item: T) => number,
    private readonly setSlot: (item: T, slot: number) => void,
  ) {}

  get length(): number {
    return this.items.length;
  }

  /** Adds an item that is not listed (slot < 0); false when it already is. */
  add(item: T): boolean {
    if (this.slotOf(item) >= 0) return false;
    this.setSlot(item, this.items.length);
    this.items.push(item);
    return true;
  }

  /** Removes a listed item (the last one takes its slot) and marks it `unlisted`; false when it was not listed. */
  remove(item: T, unlisted = -1): boolean {
    const slot = this.slotOf(item);
    if (slot < 0) return false;
    this.setSlot(item, unlisted);
    const last = this.items.pop() as T;
    if (last !== item) {
      this.items[slot] = last;
      this.setSlot(last, slot);
    }
    return true;
  }
}
