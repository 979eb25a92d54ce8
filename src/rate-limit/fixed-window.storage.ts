import type { ThrottlerStorage } from '@nestjs/throttler';
import type { ThrottlerStorageRecord } from '@nestjs/throttler/dist/throttler-storage-record.interface';
import { Counters, WindowHit } from './counters';

/**
 * @nestjs/throttler's storage interface over fixed-window counters: O(1) per hit, in Redis when
 * configured (the library's default store keeps and filters one timestamp per hit).
 */
export class FixedWindowThrottlerStorage implements ThrottlerStorage {
  constructor(private readonly counters: Counters) {}

  async increment(key: string, ttl: number, limit: number): Promise<ThrottlerStorageRecord> {
    return record(await this.counters.hit(key, ttl, limit), limit);
  }

  /** `increment` when the counters can count without waiting; undefined (nothing counted) otherwise. */
  incrementNow(key: string, ttl: number, limit: number): ThrottlerStorageRecord | undefined {
    const hit = this.counters.hitNow?.(key, ttl, limit);
    return hit && record(hit, limit);
  }
}

function record({ count, msLeft }: WindowHit, limit: number): ThrottlerStorageRecord {
  const timeToExpire = Math.max(0, Math.ceil(msLeft / 1000));
  const isBlocked = count > limit;
  return { totalHits: count, timeToExpire, isBlocked, timeToBlockExpire: isBlocked ? timeToExpire : 0 };
}
