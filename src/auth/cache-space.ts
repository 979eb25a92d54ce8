import { SharedLoads } from './shared-loads';

/** What a space needs of the cache that owns it (CredentialCache). */
export interface CacheOwner {
  /** Bumped by every invalidation, which empties every space. */
  readonly generation: number;
  /** Milliseconds since the epoch of the current cache contents. */
  now(): number;
}

/** Times are milliseconds since the cache's epoch: small integers, held inline (a Date.now() value is a heap number). */
class Entry<T> {
  constructor(
    readonly value: T,
    readonly storedAt: number,
    /** When the entry last moved to the most recently used end. */
    public touchedAt: number,
  ) {}
}

/**
 * A hit moves its entry to the most recently used end at most this often: re-inserting on every
 * hit cost a Map delete and insert per authenticated request, for an eviction order that is
 * exact to within a second either way.
 */
const TOUCH_INTERVAL_MS = 1000;

/**
 * One kind of cached lookup (API keys, sessions, ...), keyed without a prefix: a key in one space
 * can never name another space's value, and the hot path builds no "kind:" string per request.
 * Each space is a bounded LRU of CACHE_MAX_ENTRIES entries.
 */
export class CacheSpace<T> {
  private readonly entries = new Map<string, Entry<T>>();
  /** Loads under way in the current generation: concurrent misses of one key share one query. */
  private readonly loading = new SharedLoads();

  constructor(
    private readonly cache: CacheOwner,
    private readonly ttlMs: number,
    private readonly maxEntries: number,
  ) {}

  /** The cached value, if fresh. */
  get(key: string): T | undefined {
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const now = this.cache.now();
    if (now - entry.storedAt > this.ttlMs) {
      this.entries.delete(key);
      return undefined;
    }
    // Map order is insertion order: re-inserting keeps the least recently used first.
    if (now - entry.touchedAt >= TOUCH_INTERVAL_MS) {
      entry.touchedAt = now;
      this.entries.delete(key);
      this.entries.set(key, entry);
    }
    return entry.value;
  }

  /** Stores `value` unless the cache was invalidated since `generation` was read (the lookup began). */
  set(key: string, value: T, generation: number): void {
    if (generation !== this.cache.generation) return;
    const now = this.cache.now();
    this.entries.set(key, new Entry(value, now, now));
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  /** Read-through: the cached value, or `load()` cached under the generation seen before loading. */
  through(key: string, load: () => Promise<T | null>): Promise<T | null> {
    const cached = this.get(key);
    if (cached !== undefined) return Promise.resolve(cached);
    // When an entry expires under load, every request in flight for it would miss at once and
    // each query the database. They share the one load begun in the same generation instead: an
    // invalidation empties `loading` too, so a request arriving after it never receives a result
    // whose query began before it.
    const generation = this.cache.generation;
    return this.loading.run(key, async () => {
      const value = await load();
      if (value !== null) this.set(key, value, generation);
      return value;
    });
  }

  clear(): void {
    this.entries.clear();
    this.loading.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
