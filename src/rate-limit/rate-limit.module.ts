import { Global, Module } from '@nestjs/common';
import { ThrottlerModule } from '@nestjs/throttler';
import { AppConfig } from '../config/app-config';
import { FixedWindowThrottlerStorage } from './fixed-window.storage';
import { RateLimitService } from './rate-limit.service';

@Global()
@Module({
  imports: [
    ThrottlerModule.forRootAsync({
      inject: [AppConfig],
      useFactory: (config: AppConfig) => ({
        throttlers: [
          { name: 'reads', ttl: 60_000, limit: config.env.RATE_LIMIT_READS_PER_MINUTE },
          { name: 'writes', ttl: 60_000, limit: config.env.RATE_LIMIT_WRITES_PER_MINUTE },
        ],
        storage: new FixedWindowThrottlerStorage(),
      }),
    }),
  ],
  providers: [RateLimitService],
  exports: [RateLimitService],
})
export class RateLimitModule {}
