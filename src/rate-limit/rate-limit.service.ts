import { Inject, Injectable } from '@nestjs/common';
import { ThrottlerStorage } from '@nestjs/throttler';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

/**
 * Counters for the per-key `max_per_sec` limits and the global per-principal limits, kept in
 * @nestjs/throttler's storage (in-process, or Redis when the scale-out work plugs it in).
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
    const second = Math.floor(now / 1000);
    const msLeft = (second + 1) * 1000 - now;
    const { totalHits } = await this.storage.increment(`key:${keyId}:${second}`, Math.max(msLeft, 1), maxPerSec, 0, 'key');
    const state = { limit: maxPerSec, remaining: Math.max(0, maxPerSec - totalHits), reset: 1 };
    if (totalHits > maxPerSec) {
      throw new KeywardError('rate', Messages.apiKeyRateLimited(maxPerSec), { retryAfter: 1, headers: headersOf(state) });
    }
    return state;
  }

  /** The global limit of a principal: stricter for writes than for reads. */
  async hitPrincipal(tracker: string, write: boolean): Promise<RateLimitState> {
    const limit = write ? this.config.env.RATE_LIMIT_WRITES_PER_MINUTE : this.config.env.RATE_LIMIT_READS_PER_MINUTE;
    const name = write ? 'writes' : 'reads';
    const record = await this.storage.increment(`${name}:${tracker}`, 60_000, limit, 0, name);
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
}

/** IETF draft names (api-v2.md). */
export function headersOf(state: RateLimitState): Record<string, string> {
  return {
    'ratelimit-limit': String(state.limit),
    'ratelimit-remaining': String(state.remaining),
    'ratelimit-reset': String(state.reset),
  };
}
