import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { FixedWindowThrottlerStorage } from './fixed-window.storage';
import { RateLimitService } from './rate-limit.service';
import { SharedCounters, SharedCountersModule } from './shared-counters';

@Global()
@Module({
  imports: [
    SharedCountersModule,
    ThrottlerModule.forRootAsync({
      imports: [SharedCountersModule],
      inject: [AppConfig, SharedCounters],
      useFactory: (config: AppConfig, counters: SharedCounters) => ({
        throttlers: [
          { name: 'reads', ttl: 60_000, limit: config.env.RATE_LIMIT_READS_PER_MINUTE },
          { name: 'writes', ttl: 60_000, limit: config.env.RATE_LIMIT_WRITES_PER_MINUTE },
        ],
        storage: new FixedWindowThrottlerStorage(counters),
      }),
    }),
  ],
  providers: [RateLimitService],
  exports: [RateLimitService, SharedCountersModule],
})
export class RateLimitModule {}
