import { join } from 'node:path';
import type { DataSourceOptions, Logger as TypeOrmLogger } from 'typeorm';
import { ENTITIES } from './entities';

/** One definition of the connection, shared by the application and `npm run migration:run`. */
export function buildDataSourceOptions(url: string, poolSize: number, logger?: TypeOrmLogger): DataSourceOptions {
  return {
    type: 'postgres',
    url,
    entities: ENTITIES,
    migrations: [join(__dirname, '..', '..', 'migrations', '*.js')],
    migrationsTableName: 'schema_migrations',
    migrationsTransactionMode: 'each',
    synchronize: false,
    // Ids come from gen_random_uuid(), core since PostgreSQL 13: no extension to install.
    installExtensions: false,
    logging: logger ? ['query', 'error', 'warn', 'migration'] : ['error', 'warn', 'migration'],
    logger,
    maxQueryExecutionTime: 1000,
    poolSize,
    extra: { connectionTimeoutMillis: 5000, idleTimeoutMillis: 30000 },
  };
}
