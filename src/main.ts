import 'reflect-metadata';
import { AppConfig, resolveAppSecret } from './config/app-config';
import { ConfigurationError, parseEnvironment } from './config/environment';
import { createApp } from './app.factory';
import { createRootLogger } from './common/logging/logger';
import { EmbeddedPostgres } from './database/embedded-postgres';
import { runMigrations } from './database/migrate';
import { QueryCounter } from './database/query-counter';
import { BootstrapOutcome, BootstrapService } from './organizations/bootstrap.service';

async function main(): Promise<void> {
  let env;
  try {
    env = parseEnvironment(process.env);
  } catch (error) {
    if (error instanceof ConfigurationError) {
      process.stderr.write(`Keyward cannot start. ${error.message}\nSee .env.example for every variable and its meaning.\n`);
      process.exit(78);
    }
    throw error;
  }
  const logger = createRootLogger(env.LOG_LEVEL);
  const embedded = env.DATABASE_URL ? null : await EmbeddedPostgres.start(env.DATA_DIR, logger);
  const databaseUrl = env.DATABASE_URL ?? (embedded as EmbeddedPostgres).url;
  const { deploymentId } = await runMigrations(databaseUrl, logger);
  const config = new AppConfig(env, resolveAppSecret(env), databaseUrl, embedded !== null, deploymentId);

  const app = await createApp({ config, logger, queryCounter: new QueryCounter() });
  await app.init();
  const outcome = await app.get(BootstrapService).bootstrapIfEmpty();
  await app.listen({ port: env.PORT, host: env.HOST });
  const address = app.getHttpServer().address();
  const port = typeof address === 'object' && address ? address.port : env.PORT;
  const baseUrl = `http://${env.HOST.includes(':') ? `[${env.HOST}]` : env.HOST}:${port}`;
  logger.info({ url: baseUrl, port, database: embedded ? 'embedded' : 'external', redis: Boolean(env.REDIS_URL) }, 'Keyward listening');
  printWelcome(baseUrl, embedded !== null, outcome);

  let stopping = false;
  const shutdown = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal }, 'shutting down: draining requests');
    const timer = setTimeout(() => {
      logger.error('shutdown timed out; exiting');
      process.exit(1);
    }, env.SHUTDOWN_TIMEOUT_MS);
    timer.unref();
    try {
      await app.close();
      await embedded?.stop();
      logger.info('stopped');
      logger.flush();
      process.exit(0);
    } catch (error) {
      logger.error({ err: error }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
  process.once('SIGINT', () => void shutdown('SIGINT'));
}

/** Plain text on stdout, once: where the service is and how to log in the first time. */
function printWelcome(baseUrl: string, embedded: boolean, outcome: BootstrapOutcome | null): void {
  const lines = [
    '',
    `  Keyward is listening on ${baseUrl}`,
    `  Swagger UI:   ${baseUrl}/docs`,
    `  Database:     ${embedded ? 'embedded PostgreSQL (PGlite) under DATA_DIR' : 'DATABASE_URL'}`,
  ];
  if (outcome) {
    lines.push(
      '',
      `  First start: created organization "${outcome.organizationName}" and its administrator.`,
      `    email:    ${outcome.email}`,
      outcome.generatedPassword
        ? `    password: ${outcome.generatedPassword}    <- generated; shown only this once`
        : '    password: the value of BOOTSTRAP_ADMIN_PASSWORD',
      `  Log in:  curl -s -X POST ${baseUrl}/api/v2/auth/login -H 'Content-Type: application/json' \\`,
      `             -d '{"email":"${outcome.email}","password":"..."}'`,
    );
  }
  process.stdout.write(`${lines.join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`Keyward failed to start: ${error instanceof Error ? error.stack ?? error.message : String(error)}\n`);
  process.exit(1);
});
