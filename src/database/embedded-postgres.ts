import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import type { Logger } from 'pino';

/**
 * The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) with its data under
 * DATA_DIR, served over the Postgres wire protocol on a free loopback port so that TypeORM's
 * ordinary `postgres` driver talks to it. PGlite runs one query at a time, so the pool has one
 * connection.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly database: PGlite,
    private readonly server: PGLiteSocketServer,
    private readonly lockFile: string,
    readonly url: string,
  ) {}

  static async start(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
    const root = resolve(dataDir);
    mkdirSync(root, { recursive: true });
    const lockFile = join(root, 'keyward.pid');
    claimLock(lockFile);
    try {
      // pg_trgm backs the activity keyword index (the same extension a PostgreSQL server provides).
      const database = await PGlite.create(join(root, 'pgdata'), { extensions: { pg_trgm } });
      // Two: the migration connection may still be closing when the app's pool (of one) connects.
      // They are never used at the same time, so queries never interleave.
      const server = new PGLiteSocketServer({ db: database, host: '127.0.0.1', port: 0, maxConnections: 2 });
      await server.start();
      const address = server.getServerConn();
      logger.info({ dataDir: root }, 'embedded PostgreSQL (PGlite) started');
      return new EmbeddedPostgres(database, server, lockFile, `postgres://postgres@${address}/postgres`);
    } catch (error) {
      rmSync(lockFile, { force: true });
      throw error;
    }
  }

  async stop(): Promise<void> {
    await this.server.stop();
    await this.database.close();
    rmSync(this.lockFile, { force: true });
  }
}

/** Two processes writing one PGlite directory would corrupt it: refuse to start a second. */
function claimLock(lockFile: string): void {
  let holder: number | undefined;
  try {
    holder = Number(readFileSync(lockFile, 'utf8').trim());
  } catch {
    holder = undefined;
  }
  if (holder && holder !== process.pid && isAlive(holder)) {
    throw new Error(
      `DATA_DIR is in use by another Keyward process (pid ${holder}); stop it or choose another DATA_DIR.`,
    );
  }
  writeFileSync(lockFile, String(process.pid));
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
