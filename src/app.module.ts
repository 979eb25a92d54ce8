import { DynamicModule, Global, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { ScheduleModule } from '@nestjs/schedule';
import { TypeOrmModule } from '@nestjs/typeorm';
import type { Logger } from 'pino';
import { AuditModule } from './audit/audit.module';
import { AuthModule } from './auth/auth.module';
import { CredentialCacheModule } from './auth/credential-cache.module';
import { KeywardExceptionFilter } from './common/errors/exception.filter';
import { AppConfig } from './config/app-config';
import { buildDataSourceOptions } from './database/data-source-options';
import { CountingTypeOrmLogger, QueryCounter } from './database/query-counter';
import { DocsController } from './docs/docs.controller';
import { API_DOCUMENTS } from './docs/docs.tokens';
import { BenchController } from './operations/bench.controller';
import { Metrics } from './operations/metrics';
import { OperationsModule } from './operations/operations.module';
import { OrganizationsModule } from './organizations/organizations.module';
import { RedisModule } from './redis/redis.module';
import { RateLimitModule } from './rate-limit/rate-limit.module';
import { UsageModule } from './keys/usage.module';
import { KeysModule } from './keys/keys.module';
import { ServiceTokensModule } from './service-tokens/service-tokens.module';
import { WebhooksModule } from './webhooks/webhooks.module';

export interface AppDependencies {
  config: AppConfig;
  logger: Logger;
  queryCounter: QueryCounter;
}

@Global()
@Module({})
class CoreModule {
  static forRoot({ config, queryCounter }: AppDependencies): DynamicModule {
    return {
      module: CoreModule,
      providers: [
        { provide: AppConfig, useValue: config },
        { provide: QueryCounter, useValue: queryCounter },
        { provide: Metrics, useValue: new Metrics(() => queryCounter.total) },
        { provide: API_DOCUMENTS, useValue: { current: null } },
      ],
      exports: [AppConfig, QueryCounter, Metrics, API_DOCUMENTS],
    };
  }
}

@Module({})
export class AppModule {
  static forRoot(dependencies: AppDependencies): DynamicModule {
    const { config, logger, queryCounter } = dependencies;
    const poolSize = config.embedded ? 1 : config.env.DB_POOL_SIZE;
    return {
      module: AppModule,
      imports: [
        CoreModule.forRoot(dependencies),
        TypeOrmModule.forRoot({
          ...buildDataSourceOptions(
            config.databaseUrl,
            poolSize,
            new CountingTypeOrmLogger(queryCounter, logger.child({ context: 'TypeORM' })),
          ),
          // main.ts has already migrated, under a lock.
          migrationsRun: false,
          retryAttempts: 3,
          retryDelay: 1000,
        }),
        ScheduleModule.forRoot(),
        RedisModule,
        CredentialCacheModule,
        RateLimitModule,
        UsageModule,
        AuditModule,
        AuthModule,
        OrganizationsModule,
        KeysModule,
        ServiceTokensModule,
        WebhooksModule,
        OperationsModule,
      ],
      controllers: config.env.BENCH_ROUTES ? [DocsController, BenchController] : [DocsController],
      providers: [{ provide: APP_FILTER, useClass: KeywardExceptionFilter }],
    };
  }
}
