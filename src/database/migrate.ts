import { DataSource } from 'typeorm';
import type { Logger } from 'pino';
import { buildDataSourceOptions } from './data-source-options';

/**
 * Applies pending migrations, holding a PostgreSQL advisory lock so that instances starting
 * together take turns (the second finds nothing left to do). One connection: the lock is a
 * session lock and must be held by the connection that migrates. Returns the migrations applied
 * and the deployment id (see the CreateDeployment migration).
 */
export async function runMigrations(url: string, logger: Logger): Promise<{ applied: string[]; deploymentId: string }> {
  const dataSource = new DataSource(buildDataSourceOptions(url, 1));
  await dataSource.initialize();
  try {
    await dataSource.query(`SELECT pg_advisory_lock(hashtext('keyward:migrations'))`);
    try {
      const applied = await dataSource.runMigrations({ transaction: 'each' });
      const names = applied.map((migration) => migration.name);
      if (names.length > 0) logger.info({ applied: names }, `${names.length} migration(s) applied`);
      const [deployment] = await dataSource.query(`SELECT id FROM deployment`);
      return { applied: names, deploymentId: deployment.id as string };
    } finally {
      await dataSource.query(`SELECT pg_advisory_unlock(hashtext('keyward:migrations'))`);
    }
  } finally {
    await dataSource.destroy();
  }
}
