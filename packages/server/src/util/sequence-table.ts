/**
 * Values keyed by integers handed out in increasing order (a proposal counter), most of them
 * removed soon and roughly in order: a ring of slots over the window from the oldest key still
 * held to the newest.
 *
 * Why not a Map: a Map that lives long enough to reach V8's old generation allocates every new
 * hash table it rehashes into (as it grows, and as it shrinks after deletes) in the old
 * generation too. A table that takes one key and loses it again for every write then feeds the
 * old generation about 50 bytes per write, which only a mark-compact reclaims (measured: a
 * one-key set/delete cycle on an old Map, 53-59 bytes of old-space growth per cycle). The ring
 * allocates only when the window outgrows it.
 *
 * Its size follows the span from the oldest key held to the newest, not the number held: for
 * keys that are all released within a bounded time (proposals end or time out), not for ones
 * that may be held indefinitely while newer keys come and go.
 */
export class SequenceTable<V> {
  private slots: (V | undefined)[];
  private mask: number;
  /** the oldest key that may still be held (every key below it is gone) */
  private low = 0;
  /** one past the newest key ever set (low === high: empty window) */
  private high = 0;
  private count = 0;

  constructor(initialCapacity = 64) {
    let cap = 8;
    while (cap < initialCapacity) cap *= 2;
    this.slots = new Array<V | undefined>(cap).fill(undefined);
    this.mask = cap - 1;
  }

  get size(): number {
    return this.count;
  }

  /** slots in the ring (grows with the span of held keys, see above) */
  get capacity(): number {
    return this.slots.length;
  }

  /** Sets a key at or above every key set before (keys are never reused). */
  set(key: number, value: V): void {
    if (!Number.isSafeInteger(key) || key < this.high)
      throw new RangeError(`SequenceTable keys must increase: ${key} after ${this.high - 1}`);
    if (this.count === 0) this.low = this.high = key;
    while (key - this.low >= this.slots.length) this.grow();
    this.slots[key & this.mask] = value;
    this.high = key + 1;
    this.count++;
  }

  get(key: number): V | undefined {
    if (key < this.low || key >= this.high) return undefined;
    return this.slots[key & this.mask];
  }

  /** Removes and returns the key's value (undefined if it holds none). */
  take(key: number): V | undefined {
    if (key < this.low || key >= this.high) return undefined;
    const i = key & this.mask;
    const v = this.slots[i];
    if (v === undefined) return undefined;
    this.slots[i] = undefined;
    this.count--;
    if (this.count === 0) this.low = this.high;
    else if (key === this.low) while (this.slots[this.low & this.mask] === undefined) this.low++;
    return v;
  }

  /** Doubles the ring, keeping every held key at its slot for the new mask. */
  private grow(): void {
    const next = new Array<V | undefined>(this.slots.length * 2).fill(undefined);
    const mask = next.length - 1;
    for (let k = this.low; k < this.high; k++) next[k & mask] = this.slots[k & this.mask];
    this.slots = next;
    this.mask = mask;
  }
}
