import 'reflect-metadata';
import { parseEnvironment } from '../src/config/environment';
import { createRootLogger } from '../src/common/logging/logger';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';
import { runMigrations } from '../src/database/migrate';

/** `npm run migration:run`: applies pending migrations to DATABASE_URL, or to the embedded database. */
async function run(): Promise<void> {
  const env = parseEnvironment(process.env);
  const logger = createRootLogger(env.LOG_LEVEL);
  const embedded = env.DATABASE_URL ? null : await EmbeddedPostgres.start(env.DATA_DIR, logger);
  try {
    const { applied } = await runMigrations(env.DATABASE_URL ?? (embedded as EmbeddedPostgres).url, logger);
    logger.info(`${applied.length} migration(s) applied; the schema is up to date`);
  } finally {
    await embedded?.stop();
  }
}

run().catch((error: unknown) => {
  process.stderr.write(`Migration failed: ${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
