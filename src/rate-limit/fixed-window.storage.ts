import { OnApplicationShutdown } from '@nestjs/common';
import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';

const SWEEP_INTERVAL_MS = 10_000;
const MAX_KEYS = 1_000_000;

/**
 * In-process fixed-window counters behind @nestjs/throttler's storage interface: O(1) per hit
 * (the library's default keeps and filters one timestamp per hit, which costs on the hot path).
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage, OnApplicationShutdown {
  private readonly windows = new Map<string, { count: number; expiresAt: number }>();
  private readonly sweeper: NodeJS.Timeout;

  constructor(private readonly now: () => number = Date.now) {
    this.sweeper = setInterval(() => this.sweep(), SWEEP_INTERVAL_MS);
    this.sweeper.unref();
  }

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const now = this.now();
    let window = this.windows.get(key);
    if (!window || window.expiresAt <= now) {
      if (!window && this.windows.size >= MAX_KEYS) this.sweep();
      window = { count: 0, expiresAt: now + ttl };
      this.windows.set(key, window);
    }
    window.count += 1;
    const timeToExpire = Math.max(0, Math.ceil((window.expiresAt - now) / 1000));
    const isBlocked = window.count > limit;
    return { totalHits: window.count, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }

  private sweep(): void {
    const now = this.now();
    for (const [key, window] of this.windows) if (window.expiresAt <= now) this.windows.delete(key);
  }

  onApplicationShutdown(): void {
    clearInterval(this.sweeper);
  }
}
