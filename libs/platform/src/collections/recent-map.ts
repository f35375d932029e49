/**
 * A Map that holds at most `capacity` entries: `set` makes a key the most recent, and once the
 * map is full the least recently set key goes. Bounds the per-instance caches (verified tokens,
 * presence answers, per-room lists) whose forgotten entries are simply worked out again.
 */
export class RecentMap<K, V> {
  private readonly entries = new Map<K, V>();

  constructor(private readonly capacity: number) {}

  get size(): number {
    return this.entries.size;
  }

  get(key: K): V | undefined {
    return this.entries.get(key);
  }

  set(key: K, value: V): void {
    this.entries.delete(key);
    this.entries.set(key, value);
    if (this.entries.size <= this.capacity) return;
    const oldest = this.entries.keys().next();
    if (!oldest.done) this.entries.delete(oldest.value);
  }

  /** From the least to the most recently set. */
  keys(): MapIterator<K> {
    return this.entries.keys();
  }

  delete(key: K): boolean {
    return this.entries.delete(key);
  }

  clear(): void {
    this.entries.clear();
  }
}
