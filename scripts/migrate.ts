import 'reflect-metadata';
import { DataSource } from 'typeorm';
import { resolveAppSecret } from '../src/config/app-config';
import { parseEnvironment } from '../src/config/environment';
import { createRootLogger } from '../src/common/logging/logger';
import { buildDataSourceOptions } from '../src/database/data-source-options';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database. */
async function run(): Promise<void> {
  const env = parseEnvironment(process.env);
  const logger = createRootLogger(env.LOG_LEVEL);
  const embedded = env.DATABASE_URL ? null : await EmbeddedPostgres.start(env.DATA_DIR, logger);
  if (embedded) resolveAppSecret(env);
  const dataSource = new DataSource(buildDataSourceOptions(env.DATABASE_URL ?? (embedded as EmbeddedPostgres).url, 1));
  try {
    await dataSource.initialize();
    const applied = await dataSource.runMigrations({ transaction: 'each' });
    logger.info({ applied: applied.map((migration) => migration.name) }, `${applied.length} migration(s) applied`);
  } finally {
    await dataSource.destroy();
    await embedded?.stop();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
