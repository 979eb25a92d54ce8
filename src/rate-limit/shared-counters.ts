import { Global, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../operations/metrics';
import { RedisConnection } from '../redis/redis.module';
import { Counters, FallbackCounters, LocalCounters, RedisCounters, WindowHit } from './counters';

/**
 * The counters every limit uses: in Redis when REDIS_URL is set, falling back to this instance's
 * own counters (with a metric and a log line) while Redis is unreachable; per instance otherwise.
 */
@Injectable()
export class SharedCounters implements Counters, OnApplicationShutdown {
  private readonly logger = new Logger('RateLimits');
  private readonly local = new LocalCounters();
  private readonly counters: Counters;

  constructor(redis: RedisConnection, metrics: Metrics, config: AppConfig) {
    const client = redis.client;
    this.counters = client
      ? new FallbackCounters(new RedisCounters(client, config.redisNamespace), this.local, () => client.status === 'ready', (degraded, reason) => {
          metrics.sharedCountersDegraded.set(degraded ? 1 : 0);
          if (!degraded) {
            this.logger.log('Redis answers again: limits are shared across instances again');
            return;
          }
          metrics.sharedCountersFallbacks.inc();
          this.logger.warn(`Redis unavailable (${reason}): rate limits and login throttling use this instance's own counters`);
        })
      : this.local;
  }

  hit(key: string, windowMs: number, limit?: number): Promise<WindowHit> {
    return this.counters.hit(key, windowMs, limit);
  }

  hitNow(key: string, windowMs: number, limit?: number): WindowHit | undefined {
    return this.counters.hitNow?.(key, windowMs, limit);
  }

  bump(key: string, ttlMs: number): Promise<number> {
    return this.counters.bump(key, ttlMs);
  }

  read(key: string): Promise<number> {
    return this.counters.read(key);
  }

  reset(key: string): Promise<void> {
    return this.counters.reset(key);
  }

  onApplicationShutdown(): void {
    this.local.close();
  }
}

@Global()
@Module({ providers: [SharedCounters], exports: [SharedCounters] })
export class SharedCountersModule {}
