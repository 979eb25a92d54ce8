import { Inject, Injectable, Logger, OnApplicationShutdown, OnModuleInit, Optional } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { Metrics } from '../operations/metrics';
import { REDIS } from '../redis/redis.module';
import { CacheOwner, CacheSpace, EpochClock } from './cache-space';

export { CacheSpace };

const MARK = 'keywardInvalidateCredentials';

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
export class CredentialCache implements OnModuleInit, OnApplicationShutdown, CacheOwner {
  private readonly logger = new Logger('CredentialCache');
  private readonly spaces: CacheSpace<unknown>[] = [];
  private generationValue = 0;
  /** What entry times count from; moved forward whenever the cache is emptied, so they stay small. */
  private readonly clock = new EpochClock(() => {
    for (const space of this.spaces) space.clear();
  });
  private subscriber: Redis | null = null;
  /** Names this instance's invalidation messages (earlier versions sent a timestamp: never equal). */
  private readonly instanceId = randomUUID();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly metrics: Metrics,
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
      // Not this instance's own message: it emptied its cache when it published, and emptying it
      // again when the echo arrives would drop what it cached since (a just-revoked key's state,
      // which must still be answered from memory if PostgreSQL goes away).
      this.subscriber.on('message', (_channel: string, message: string) => {
        if (message !== this.instanceId) this.invalidateHere();
      });
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

  /** Milliseconds since the epoch of the current cache contents (EpochClock). */
  now(): number {
    return this.clock.now();
  }

  /** Marks the transaction: when it commits, every instance drops its cached credentials. */
  markForInvalidation(manager: EntityManager): void {
    if (manager.queryRunner) manager.queryRunner.data = { ...(manager.queryRunner.data ?? {}), [MARK]: true };
    else this.invalidateEverywhere();
  }

  invalidateEverywhere(): void {
    this.invalidateHere();
    this.redis?.publish(this.channel, this.instanceId).catch((error: Error) => this.logger.warn(`cannot publish invalidation: ${error.message}`));
  }

  private invalidateHere(): void {
    this.metrics.credentialCacheInvalidations.inc();
    this.generationValue += 1;
    this.clock.restart();
  }

  get size(): number {
    return this.spaces.reduce((sum, space) => sum + space.size, 0);
  }
}
