/**
 * A bounded map of what was used lately, in two generations: new and used entries go into the
 * young map; when it holds `generation` entries it becomes the old map and the previous old map
 * is dropped. So it keeps between `generation` and 2 × `generation` entries, and every operation
 * is O(1). (Evicting the oldest entry of one Map one at a time is not: a V8 Map leaves a hole per
 * deleted entry, and finding its first live entry walks over the holes at its front.)
 */
export class RecentCache<K, V> {
  private young = new Map<K, V>();
  private old = new Map<K, V>();

  constructor(private readonly generation: number) {}

  get(key: K): V | undefined {
    const v = this.young.get(key);
    if (v !== undefined) return v;
    const o = this.old.get(key);
    if (o !== undefined) this.set(key, o); // still used: keep it through the next turnover
    return o;
  }

  set(key: K, value: V): void {
    this.young.set(key, value);
    if (this.young.size >= this.generation) {
      this.old = this.young;
      this.young = new Map();
    }
  }

  /** Replaces the value of a key held (in its generation); does nothing for a key not held. */
  update(key: K, value: V): void {
    if (this.young.has(key)) this.young.set(key, value);
    else if (this.old.has(key)) this.old.set(key, value);
  }

  delete(key: K): void {
    this.young.delete(key);
    this.old.delete(key);
  }

  clear(): void {
    this.young = new Map();
    this.old = new Map();
  }

  /** entries held, counting a key held in both generations twice */
  get size(): number {
    return this.young.size + this.old.size;
  }
}
