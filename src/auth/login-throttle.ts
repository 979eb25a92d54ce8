import { KeywardError } from '../common/errors/keyward-error';

/** Consecutive failures after which each attempt on the account waits, doubling, up to the cap. */
export const FAILURES_BEFORE_DELAY = 5;
const BASE_DELAY_MS = 1000;
const MAX_DELAY_MS = 30_000;
const IP_WINDOW_MS = 60_000;
/** Failure counts are forgotten after this long without a failure. */
const FAILURE_MEMORY_MS = 60 * 60_000;
const MAX_TRACKED = 100_000;

/**
 * Brute-force protection for logins, kept per instance (the scale-out issue moves it to Redis):
 * a per-IP attempt budget per minute, and per account name (known or not, so that the answer
 * does not reveal which accounts exist) a delay that grows from the 5th consecutive failure.
 */
export class LoginThrottle {
  private readonly attemptsByIp = new Map<string, { windowStart: number; count: number }>();
  private readonly failuresByAccount = new Map<string, { failures: number; lastFailure: number }>();

  constructor(
    private readonly attemptsPerIpPerMinute: number,
    private readonly now: () => number = Date.now,
  ) {}

  /** Counts an attempt from `ip`; a 429 once the minute's budget is spent. */
  admit(ip: string): void {
    const now = this.now();
    const entry = this.attemptsByIp.get(ip);
    if (!entry || now - entry.windowStart >= IP_WINDOW_MS) {
      this.trim(this.attemptsByIp, (value) => now - value.windowStart >= IP_WINDOW_MS);
      this.attemptsByIp.set(ip, { windowStart: now, count: 1 });
      return;
    }
    entry.count += 1;
    if (entry.count > this.attemptsPerIpPerMinute) {
      const retryAfter = Math.max(1, Math.ceil((entry.windowStart + IP_WINDOW_MS - now) / 1000));
      throw new KeywardError('rate', 'Too many login attempts from this address; try again later.', { retryAfter });
    }
  }

  /** Milliseconds the next attempt on `account` must wait before it is checked. */
  delayFor(account: string): number {
    const entry = this.failuresByAccount.get(normalize(account));
    if (!entry || this.now() - entry.lastFailure > FAILURE_MEMORY_MS) return 0;
    if (entry.failures < FAILURES_BEFORE_DELAY) return 0;
    return Math.min(BASE_DELAY_MS * 2 ** (entry.failures - FAILURES_BEFORE_DELAY), MAX_DELAY_MS);
  }

  /** Records a failure; returns the account's consecutive failure count. */
  recordFailure(account: string): number {
    const key = normalize(account);
    const now = this.now();
    const entry = this.failuresByAccount.get(key);
    const failures = entry && now - entry.lastFailure <= FAILURE_MEMORY_MS ? entry.failures + 1 : 1;
    this.trim(this.failuresByAccount, (value) => now - value.lastFailure > FAILURE_MEMORY_MS);
    this.failuresByAccount.set(key, { failures, lastFailure: now });
    return failures;
  }

  /** A success resets the account's count. */
  recordSuccess(account: string): void {
    this.failuresByAccount.delete(normalize(account));
  }

  /** Keeps memory bounded: drops expired entries, and the oldest when still full. */
  private trim<V>(map: Map<string, V>, expired: (value: V) => boolean): void {
    if (map.size < MAX_TRACKED) return;
    for (const [key, value] of map) if (expired(value)) map.delete(key);
    while (map.size >= MAX_TRACKED) {
      const oldest = map.keys().next().value;
      if (oldest === undefined) break;
      map.delete(oldest);
    }
  }
}

function normalize(account: string): string {
  return account.trim().toLowerCase();
}
