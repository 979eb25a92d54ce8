import { Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import Redis from 'ioredis';
import { AppConfig } from '../config/app-config';

export const REDIS = Symbol('REDIS');

/** Holds the Redis connection when REDIS_URL is set; null otherwise (in-process equivalents are used). */
@Injectable()
export class RedisConnection implements OnApplicationShutdown {
  private readonly logger = new Logger('Redis');
  readonly client: Redis | null;
  private wasReady = false;

  constructor(config: AppConfig) {
    const url = config.env.REDIS_URL;
    this.client = url
      ? new Redis(url, {
          lazyConnect: false,
          // Fail fast while Redis is down instead of queueing commands; callers fall back.
          enableOfflineQueue: false,
          maxRetriesPerRequest: 1,
          connectTimeout: 2000,
          // A Redis that accepts connections but does not answer must not hold requests up.
          commandTimeout: 500,
          retryStrategy: (attempt) => Math.min(attempt * 200, 2000),
        })
      : null;
    this.client?.on('ready', () => {
      if (this.wasReady) this.logger.log('Redis connection restored');
      this.wasReady = true;
    });
    this.client?.on('error', (error: Error) => {
      this.logger.warn(`Redis unavailable: ${error.message}`);
    });
  }

  async ping(): Promise<boolean> {
    if (!this.client) return true;
    try {
      return (await this.client.ping()) === 'PONG';
    } catch {
      return false;
    }
  }

  async onApplicationShutdown(): Promise<void> {
    if (this.client) this.client.disconnect();
  }
}

@Global()
@Module({
  providers: [RedisConnection, { provide: REDIS, useFactory: (connection: RedisConnection) => connection.client, inject: [RedisConnection] }],
  exports: [RedisConnection, REDIS],
})
export class RedisModule {}

export const InjectRedis = () => Inject(REDIS);
