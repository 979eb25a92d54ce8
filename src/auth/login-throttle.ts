import { KeywardError } from '../common/errors/keyward-error';
import type { Counters } from '../rate-limit/counters';

/** Consecutive failures after which each attempt on the account waits, doubling, up to the cap. */
export const FAILURES_BEFORE_DELAY = 5;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const IP_WINDOW_MS = 60_000;
/** Failure counts are forgotten after this long without a failure. */
const FAILURE_MEMORY_MS = 60 * 60_000;

/** The wait before an attempt on an account that already has `failures` consecutive failures. */
export function loginDelayFor(failures: number): number {
  if (failures < FAILURES_BEFORE_DELAY) return 0;
  return Math.min(BASE_DELAY_MS * 2 ** (failures - FAILURES_BEFORE_DELAY), MAX_DELAY_MS);
}

/**
 * Brute-force protection for logins, in the shared counters (Redis when configured, so every
 * instance sees every attempt): a per-IP attempt budget per minute, and per account name (known
 * or not, so that the answer does not reveal which accounts exist) a delay that grows from the
 * 5th consecutive failure.
 */
export class LoginThrottle {
  constructor(
    private readonly counters: Counters,
    private readonly attemptsPerIpPerMinute: number,
  ) {}

  /** Counts an attempt from `ip`; a 429 once the minute's budget is spent. */
  async admit(ip: string): Promise<void> {
    const { count, msLeft } = await this.counters.hit(`login:ip:${ip}`, IP_WINDOW_MS);
    if (count > this.attemptsPerIpPerMinute) {
      const retryAfter = Math.max(1, Math.ceil(msLeft / 1000));
      throw new KeywardError('rate', 'Too many login attempts from this address; try again later.', { retryAfter });
    }
  }

  /**
   * Counts an attempt on `account` as a failure until `recordSuccess` says otherwise, in one atomic
   * step so that parallel guesses each see the ones before them. Returns the failure count with
   * this attempt and the delay it must wait before it is checked.
   */
  async recordAttempt(account: string): Promise<{ failures: number; delayMs: number }> {
    const failures = await this.counters.bump(accountKey(account), FAILURE_MEMORY_MS);
    return { failures, delayMs: loginDelayFor(failures - 1) };
  }

  /** Milliseconds the next attempt on `account` would wait. */
  async delayFor(account: string): Promise<number> {
    return loginDelayFor(await this.counters.read(accountKey(account)));
  }

  /** A success resets the account's count. */
  async recordSuccess(account: string): Promise<void> {
    await this.counters.reset(accountKey(account));
  }
}

function accountKey(account: string): string {
  return `login:account:${account.trim().toLowerCase()}`;
}
