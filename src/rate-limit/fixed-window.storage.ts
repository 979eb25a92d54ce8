import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { Counters } from './counters';

/**
 * @nestjs/throttler's storage interface over fixed-window counters: O(1) per hit, in Redis when
 * configured (the library's default store keeps and filters one timestamp per hit).
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counters: Counters) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    const { count, msLeft } = await this.counters.hit(key, ttl, limit);
    const timeToExpire = Math.max(0, Math.ceil(msLeft / 1000));
    const isBlocked = count > limit;
    return { totalHits: count, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
  }
}
