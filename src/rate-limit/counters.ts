import type Redis from 'ioredis';

export interface WindowHit {
  /** Hits in the window, this one included. */
  count: number;
  /** Milliseconds until the window ends. */
  msLeft: number;
}

/**
 * The counters behind every limit: per-key `max_per_sec`, the global per-principal limits and
 * login throttling. Shared through Redis when it is configured, so that several instances enforce
 * one limit together; per instance otherwise.
 */
export interface Counters {
  /**
   * One hit in a fixed window that starts at the key's first hit and lasts `windowMs`. With the
   * `limit` the caller enforces, a shared store may reserve hits for this instance in advance
   * (never more than the limit in total).
   */
  hit(key: string, windowMs: number, limit?: number): Promise<WindowHit>;
  /**
   * The same hit when it can be counted without waiting (in-process counters always; Redis from
   * this instance's reservation), or undefined, having counted nothing: then call `hit`. Spares
   * the hot path a chain of promises for what is a few arithmetic operations.
   */
  hitNow?(key: string, windowMs: number, limit?: number): WindowHit | undefined;
  /** Adds one to a count that is forgotten `ttlMs` after its last increment; the new count. */
  bump(key: string, ttlMs: number): Promise<number>;
  /** The current count (0 when forgotten). */
  read(key: string): Promise<number>;
  reset(key: string): Promise<void>;
}

const SWEEP_INTERVAL_MS = 10_000;
const MAX_KEYS = 1_000_000;

/** In-process counters: O(1) per hit, swept periodically, bounded in size. */
export class LocalCounters implements Counters {
  private readonly entries = new Map<string, { count: number; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async hit(key: string, windowMs: number): Promise<WindowHit> {
    return this.hitNow(key, windowMs);
  }

  hitNow(key: string, windowMs: number): WindowHit {
    const now = this.now();
    const entry = this.live(key, now) ?? this.start(key, now + windowMs);
    entry.count += 1;
    return { count: entry.count, msLeft: entry.expiresAt - now };
  }

  async bump(key: string, ttlMs: number): Promise<number> {
    const now = this.now();
    const entry = this.live(key, now) ?? this.start(key, 0);
    entry.count += 1;
    entry.expiresAt = now + ttlMs;
    return entry.count;
  }

  async read(key: string): Promise<number> {
    return this.live(key, this.now())?.count ?? 0;
  }

  async reset(key: string): Promise<void> {
    this.entries.delete(key);
  }

  close(): void {
    clearInterval(this.sweeper);
  }

  private live(key: string, now: number) {
    const entry = this.entries.get(key);
    return entry && entry.expiresAt > now ? entry : undefined;
  }

  private start(key: string, expiresAt: number) {
    if (this.entries.size >= MAX_KEYS) this.sweep();
    if (this.entries.size >= MAX_KEYS) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
    const entry = { count: 0, expiresAt };
    this.entries.set(key, entry);
    return entry;
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, entry] of this.entries) if (entry.expiresAt <= now) this.entries.delete(key);
  }
}


// Each script is one atomic step on the Redis server: concurrent instances never lose a hit.
const HIT = `
local count = redis.call('INCR', KEYS[1])
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[1])
  ttl = tonumber(ARGV[1])
end
return {count, ttl}`;

// Reserves up to ARGV[1] hits of a window whose limit is ARGV[2]: returns {granted, total reserved, ms left}.
const LEASE = `
local used = tonumber(redis.call('GET', KEYS[1]) or '0')
local grant = math.min(tonumber(ARGV[1]), math.max(0, tonumber(ARGV[2]) - used))
if grant > 0 then used = redis.call('INCRBY', KEYS[1], grant) end
local ttl = redis.call('PTTL', KEYS[1])
if ttl < 0 then
  redis.call('PEXPIRE', KEYS[1], ARGV[3])
  ttl = tonumber(ARGV[3])
end
return {grant, used, ttl}`;

const BUMP = `
local count = redis.call('INCR', KEYS[1])
redis.call('PEXPIRE', KEYS[1], ARGV[1])
return count`;

type ScriptedRedis = Redis & {
  keywardHit(key: string, windowMs: number): Promise<[number, number]>;
  keywardLease(key: string, want: number, limit: number, windowMs: number): Promise<[number, number, number]>;
  keywardBump(key: string, ttlMs: number): Promise<number>;
};

/** Limits from this size up are served from reservations; smaller ones (a key's max_per_sec of 10) count every hit in Redis. */
export const LEASE_MIN_LIMIT = 200;
/** A reservation is this share of the limit: an instance holds at most 1 % of it unused. */
const LEASE_SHARE = 100;
const MAX_LEASES = 100_000;

interface Lease {
  /** Reserved hits not yet used by this instance. */
  remaining: number;
  /** Hits reserved by all instances in the window when this reservation was made. */
  reserved: number;
  endsAt: number;
}

/**
 * Counters in Redis, shared by every instance. Commands fail fast while Redis is unreachable.
 *
 * Exact limits below LEASE_MIN_LIMIT: one atomic script per hit. For larger limits (the global
 * per-minute limits) a round trip per request would cost more than the rest of the request, so
 * an instance reserves 1 % of the limit at a time with one atomic script and counts those hits
 * locally. The reservations never add up to more than the limit, so the limit holds across
 * instances; hits an instance reserved but did not use are lost to the others until the window
 * ends (at most 1 % of the limit per instance).
 */
export class RedisCounters implements Counters {
  private readonly redis: ScriptedRedis;
  private readonly leases = new Map<string, Lease>();
  private readonly reserving = new Map<string, Promise<void>>();

  /** `namespace` keeps deployments sharing one Redis apart. */
  constructor(
    redis: Redis,
    private readonly namespace: string,
  ) {
    redis.defineCommand('keywardHit', { numberOfKeys: 1, lua: HIT });
    redis.defineCommand('keywardLease', { numberOfKeys: 1, lua: LEASE });
    redis.defineCommand('keywardBump', { numberOfKeys: 1, lua: BUMP });
    this.redis = redis as ScriptedRedis;
  }

  hitNow(key: string, _windowMs: number, limit?: number): WindowHit | undefined {
    if (limit === undefined || limit < LEASE_MIN_LIMIT) return undefined;
    const now = Date.now();
    const lease = this.leases.get(key);
    if (!lease || lease.endsAt <= now) return undefined;
    if (lease.remaining > 0) {
      lease.remaining -= 1;
      return { count: lease.reserved - lease.remaining, msLeft: lease.endsAt - now };
    }
    if (lease.reserved >= limit) return { count: limit + 1, msLeft: lease.endsAt - now };
    return undefined;
  }

  async hit(key: string, windowMs: number, limit?: number): Promise<WindowHit> {
    if (limit === undefined || limit < LEASE_MIN_LIMIT) {
      const [count, msLeft] = await this.redis.keywardHit(this.prefixed(key), Math.max(1, Math.ceil(windowMs)));
      return { count: Number(count), msLeft: Number(msLeft) };
    }
    for (;;) {
      const now = Date.now();
      const lease = this.leases.get(key);
      if (lease && lease.endsAt > now) {
        if (lease.remaining > 0) {
          lease.remaining -= 1;
          return { count: lease.reserved - lease.remaining, msLeft: lease.endsAt - now };
        }
        // Everything is reserved: over the limit until the window ends.
        if (lease.reserved >= limit) return { count: limit + 1, msLeft: lease.endsAt - now };
      }
      // One reservation at a time per key; requests arriving meanwhile wait for it.
      const pending = this.reserving.get(key) ?? this.reserve(key, windowMs, limit);
      await pending;
    }
  }

  private reserve(key: string, windowMs: number, limit: number): Promise<void> {
    const done = (async () => {
      const [granted, reserved, msLeft] = await this.redis.keywardLease(
        this.prefixed(key),
        Math.max(1, Math.floor(limit / LEASE_SHARE)),
        limit,
        Math.max(1, Math.ceil(windowMs)),
      );
      if (this.leases.size >= MAX_LEASES) this.sweepLeases();
      this.leases.set(key, { remaining: Number(granted), reserved: Number(reserved), endsAt: Date.now() + Math.max(1, Number(msLeft)) });
    })().finally(() => this.reserving.delete(key));
    this.reserving.set(key, done);
    return done;
  }

  private sweepLeases(): void {
    const now = Date.now();
    for (const [key, lease] of this.leases) if (lease.endsAt <= now) this.leases.delete(key);
    while (this.leases.size >= MAX_LEASES) {
      const oldest = this.leases.keys().next().value;
      if (oldest === undefined) break;
      this.leases.delete(oldest);
    }
  }

  async bump(key: string, ttlMs: number): Promise<number> {
    return Number(await this.redis.keywardBump(this.prefixed(key), Math.max(1, Math.ceil(ttlMs))));
  }

  async read(key: string): Promise<number> {
    return Number((await this.redis.get(this.prefixed(key))) ?? 0);
  }

  async reset(key: string): Promise<void> {
    await this.redis.del(this.prefixed(key));
  }

  private prefixed(key: string): string {
    return `${this.namespace}counter:${key}`;
  }
}

const RETRY_PAUSE_MS = 1000;

/**
 * Redis counters that keep working when Redis does not: while it is unreachable every operation
 * uses the instance's own counters (each instance then enforces the limits alone), and the first
 * success after an outage switches back. `onModeChange` is told of each switch.
 */
export class FallbackCounters implements Counters {
  private degraded = false;
  /** After a failure, the shared counters are tried again only after a pause (a hung Redis costs one timeout, not one per request). */
  private retryAt = 0;

  constructor(
    private readonly shared: Counters,
    private readonly local: Counters,
    private readonly sharedReady: () => boolean,
    private readonly onModeChange: (degraded: boolean, reason: string) => void,
    private readonly now: () => number = Date.now,
  ) {}

  get isDegraded(): boolean {
    return this.degraded;
  }

  hit(key: string, windowMs: number, limit?: number): Promise<WindowHit> {
    return this.use((counters) => counters.hit(key, windowMs, limit));
  }

  /** Only while the shared counters are in use and healthy; any switching is left to `hit`. */
  hitNow(key: string, windowMs: number, limit?: number): WindowHit | undefined {
    if (this.degraded || !this.sharedReady()) return undefined;
    return this.shared.hitNow?.(key, windowMs, limit);
  }

  bump(key: string, ttlMs: number): Promise<number> {
    return this.use((counters) => counters.bump(key, ttlMs));
  }

  read(key: string): Promise<number> {
    return this.use((counters) => counters.read(key));
  }

  reset(key: string): Promise<void> {
    return this.use((counters) => counters.reset(key));
  }

  private async use<T>(operation: (counters: Counters) => Promise<T>): Promise<T> {
    if (this.sharedReady() && (!this.degraded || this.now() >= this.retryAt)) {
      try {
        const result = await operation(this.shared);
        if (this.degraded) this.switchTo(false, 'Redis answers again');
        return result;
      } catch (error) {
        this.retryAt = this.now() + RETRY_PAUSE_MS;
        if (!this.degraded) this.switchTo(true, (error as Error).message);
      }
    } else if (!this.degraded) {
      this.switchTo(true, 'Redis is not connected');
    }
    return operation(this.local);
  }

  private switchTo(degraded: boolean, reason: string): void {
    this.degraded = degraded;
    this.onModeChange(degraded, reason);
  }
}
