import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { CounterNames } from './counter-names';
import { headersOf, RateLimitState } from './rate-limit-headers';

/**
 * Counters for the per-key `max_per_sec` limits and the global per-principal limits, kept in
 * @nestjs/throttler's storage: FixedWindowThrottlerStorage over SharedCounters, in Redis when
 * REDIS_URL is set, in-process otherwise.
 */
@Injectable()
export class RateLimitService {
  constructor(
    @Inject(ThrottlerStorage) private readonly storage: ThrottlerStorage,
    private readonly config: AppConfig,
  ) {}

  /**
   * One request of an API key with `max_per_sec` set: counted per wall-clock second. Over the
   * limit: 429 with the contract's message and Retry-After.
   */
  async hitKey(keyId: string, maxPerSec: number): Promise<RateLimitState> {
    const now = Date.now();
    const { totalHits } = await this.storage.increment(this.counterNames.keyWindow(keyId, now), msLeftInSecond(now), maxPerSec, 0, 'key');
    return keyState(totalHits, maxPerSec);
  }

  /** `hitKey` when the storage can count without waiting; undefined (nothing counted) otherwise. */
  hitKeyNow(keyId: string, maxPerSec: number): RateLimitState | undefined {
    const now = Date.now();
    const record = this.incrementNow(this.counterNames.keyWindow(keyId, now), msLeftInSecond(now), maxPerSec);
    return record && keyState(record.totalHits, maxPerSec);
  }

  /** The global limit of a principal (`kind` and `id`, as in Principal): stricter for writes than for reads. */
  async hitPrincipal(kind: string, id: string, write: boolean): Promise<RateLimitState> {
    const limit = this.principalLimit(write);
    const name = write ? 'writes' : 'reads';
    return principalState(await this.storage.increment(this.counterNames.global(kind, id, write), 60_000, limit, 0, name), limit, name);
  }

  /** `hitPrincipal` when the storage can count without waiting; undefined (nothing counted) otherwise. */
  hitPrincipalNow(kind: string, id: string, write: boolean): RateLimitState | undefined {
    const limit = this.principalLimit(write);
    const record = this.incrementNow(this.counterNames.global(kind, id, write), 60_000, limit);
    return record && principalState(record, limit, write ? 'writes' : 'reads');
  }

  private readonly counterNames = new CounterNames();

  private principalLimit(write: boolean): number {
    return write ? this.config.env.RATE_LIMIT_WRITES_PER_MINUTE : this.config.env.RATE_LIMIT_READS_PER_MINUTE;
  }

  private incrementNow(key: string, ttl: number, limit: number): ThrottlerStorageRecord | undefined {
    const storage = this.storage as ThrottlerStorage & { incrementNow?(key: string, ttl: number, limit: number): ThrottlerStorageRecord | undefined };
    return storage.incrementNow?.(key, ttl, limit);
  }
}

/** Milliseconds until the wall-clock second of `now` ends (at least 1). */
function msLeftInSecond(now: number): number {
  return Math.max(1000 - (now % 1000), 1);
}

function keyState(totalHits: number, maxPerSec: number): RateLimitState {
  const state = { limit: maxPerSec, remaining: Math.max(0, maxPerSec - totalHits), reset: 1 };
  if (totalHits > maxPerSec) {
    throw new KeywardError('rate', Messages.apiKeyRateLimited(maxPerSec), { retryAfter: 1, headers: headersOf(state) });
  }
  return state;
}

function principalState(record: ThrottlerStorageRecord, limit: number, name: string): RateLimitState {
  const reset = Math.max(1, Math.ceil(record.timeToExpire));
  const state = { limit, remaining: Math.max(0, limit - record.totalHits), reset };
  if (record.totalHits > limit) {
    throw new KeywardError('rate', `Rate limit exceeded: ${limit} ${name} per minute. Try again in ${reset} s.`, {
      retryAfter: reset,
      headers: headersOf(state),
    });
  }
  return state;
}
