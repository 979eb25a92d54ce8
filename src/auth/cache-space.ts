import { SharedLoads } from './shared-loads';

/** What a space needs of the cache that owns it (CredentialCache). */
export interface CacheOwner {
  /** Bumped by every invalidation, which empties every space. */
  readonly generation: number;
  /**
   * Milliseconds since the epoch of the current cache contents. May empty every space first (a
   * new epoch), so a space reads it before it looks an entry up.
   */
  now(): number;
}

/**
 * How far an EpochClock counts from one epoch (about 12 days) before it starts a new one: its
 * readings stay small integers.
 */
export const EPOCH_SPAN_MS = 2 ** 30;

/**
 * Milliseconds since an epoch, as a small integer. Date.now() arithmetic gives a double even when
 * the value is whole, and a double stored in an object's field is a heap number of its own: two per
 * cache entry, 32 bytes per cached credential (3 MB at 100,000 keys). Past EPOCH_SPAN_MS, or when
 * the wall clock was set back, the clock restarts at 0 and calls `onRestart` first, which must
 * forget everything timed against the old epoch (a cache of seconds loses nothing it needs).
 */
export class EpochClock {
  private epoch: number;

  constructor(
    private readonly onRestart: () => void,
    private readonly wallClock: () => number = Date.now,
  ) {
    this.epoch = wallClock();
  }

  now(): number {
    const elapsed = this.wallClock() - this.epoch;
    if (elapsed >= 0 && elapsed < EPOCH_SPAN_MS) return elapsed | 0;
    this.restart();
    return 0;
  }

  /** Forgets everything timed so far (`onRestart`) and counts from now. */
  restart(): void {
    this.onRestart();
    this.epoch = this.wallClock();
  }
}

/** Times are milliseconds since the cache's epoch (EpochClock): small integers, held inline. */
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
    // The clock first: reading it may empty the space (CacheOwner.now), and what it held is then gone.
    const now = this.cache.now();
    const entry = this.entries.get(key);
    if (!entry) return undefined;
    const age = now - entry.storedAt;
    // A negative age is an entry from before the owner's clock restarted: as stale as an old one.
    if (age > this.ttlMs || age < 0) {
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
