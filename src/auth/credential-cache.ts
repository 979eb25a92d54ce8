import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { REDIS } from '../redis/redis.module';
import { SharedLoads } from './shared-loads';

const MARK = 'keywardInvalidateCredentials';

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
    private readonly cache: CredentialCache,
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

/**
 * Verified credential lookups, cached in-process so that an authenticated request needs no
 * database work in steady state. What is cached is the stored state, never the decision: expiry,
 * grace periods and IP binding are judged again on every hit.
 *
 * Any committed change that can reduce access bumps a generation, which empties the cache here
 * and, through Redis, on every other instance; a lookup that began before a bump never stores
 * its result. Entries also expire after CACHE_TTL_MS, which bounds staleness if a message is lost.
 */
@Injectable()
export class CredentialCache implements OnModuleInit, OnApplicationShutdown {
  private readonly logger = new Logger('CredentialCache');
  private readonly spaces: CacheSpace<unknown>[] = [];
  private generationValue = 0;
  /** What entry times count from; moved forward whenever the cache is emptied, so they stay small. */
  private epoch = Date.now();
  private subscriber: Redis | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    @Optional() @Inject(REDIS) private readonly redis: Redis | null,
  ) {}

  onModuleInit(): void {
    const cache = this;
    this.dataSource.subscribers.push({
      afterTransactionCommit(event) {
        if (event.queryRunner.data?.[MARK]) {
          delete event.queryRunner.data[MARK];
          cache.invalidateEverywhere();
        }
      },
      afterTransactionRollback(event) {
        if (event.queryRunner.data) delete event.queryRunner.data[MARK];
      },
    });
    if (this.redis) {
      // Queued until connected, and subscribed again by ioredis after every reconnection.
      this.subscriber = this.redis.duplicate({ enableOfflineQueue: true, commandTimeout: undefined });
      this.subscriber.on('error', (error: Error) => this.logger.warn(`invalidation channel: ${error.message}`));
      this.subscriber.on('message', () => this.invalidateHere());
      // Messages sent while this instance was disconnected are lost: forget everything on (re)connection.
      this.subscriber.on('ready', () => this.invalidateHere());
      this.subscriber.subscribe(this.channel).catch((error: Error) => this.logger.warn(`cannot subscribe: ${error.message}`));
    }
  }

  onApplicationShutdown(): void {
    this.subscriber?.disconnect();
  }

  /** This deployment's invalidation channel. */
  private get channel(): string {
    return `${this.config.redisNamespace}credentials:invalidate`;
  }

  get generation(): number {
    return this.generationValue;
  }

  /** A space of its own for one kind of lookup, emptied with all the others by every invalidation. */
  space<T>(): CacheSpace<T> {
    const space = new CacheSpace<T>(this, this.config.env.CACHE_TTL_MS, this.config.env.CACHE_MAX_ENTRIES);
    this.spaces.push(space as CacheSpace<unknown>);
    return space;
  }

  /** Milliseconds since the epoch of the current cache contents. */
  now(): number {
    return Date.now() - this.epoch;
  }

  /** Marks the transaction: when it commits, every instance drops its cached credentials. */
  markForInvalidation(manager: EntityManager): void {
    if (manager.queryRunner) manager.queryRunner.data = { ...(manager.queryRunner.data ?? {}), [MARK]: true };
    else this.invalidateEverywhere();
  }

  invalidateEverywhere(): void {
    this.invalidateHere();
    this.redis?.publish(this.channel, String(Date.now())).catch((error: Error) => this.logger.warn(`cannot publish invalidation: ${error.message}`));
  }

  private invalidateHere(): void {
    this.generationValue += 1;
    for (const space of this.spaces) space.clear();
    this.epoch = Date.now();
  }

  get size(): number {
    return this.spaces.reduce((sum, space) => sum + space.size, 0);
  }
}
