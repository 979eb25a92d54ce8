import { join } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import { PGLiteSocketServer } from '@electric-sql/pglite-socket';
import { EMBEDDED_DATABASE_NICENESS, lowerThreadPriority } from '../common/thread-priority';

/**
 * The embedded database's own thread: PGlite and its wire-protocol server. PostgreSQL compiled to
 * WebAssembly runs every query synchronously, so on the service's thread a write (a login's
 * session row, a usage flush) would hold up every request queued behind it.
 */
export type EmbeddedWorkerMessage = { ready: string } | { failed: string };

/**
 * PostgreSQL's buffer pool, inside the process's memory. PostgreSQL's default (128 MB) is touched
 * when the database starts and cost the service 112 MB of resident memory; the hot path reads
 * nothing from the database (its credential cache does), and pages outside the pool are read from
 * the operating system's file cache.
 */
const SHARED_BUFFERS = '16MB';

async function serve(root: string): Promise<void> {
  lowerThreadPriority(EMBEDDED_DATABASE_NICENESS);
  // pg_trgm backs the activity keyword index (the same extension a PostgreSQL server provides).
  const database = await PGlite.create(join(root, 'pgdata'), {
    extensions: { pg_trgm },
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${SHARED_BUFFERS}`],
  });
  // Two: the migration connection may still be closing when the app's pool (of one) connects.
  // They are never used at the same time, so queries never interleave.
  const server = new PGLiteSocketServer({ db: database, host: '127.0.0.1', port: 0, maxConnections: 2 });
  await server.start();
  parentPort?.on('message', (message: unknown) => {
    if (message !== 'stop') return;
    void server
      .stop()
      .then(() => database.close())
      // Nothing is left to keep the thread alive: it ends by itself (see close() in embedded-postgres.ts).
      .then(() => parentPort?.close());
  });
  parentPort?.postMessage({ ready: server.getServerConn() } satisfies EmbeddedWorkerMessage);
}

serve((workerData as { root: string }).root).catch((error: unknown) => {
  parentPort?.postMessage({ failed: error instanceof Error ? error.message : String(error) } satisfies EmbeddedWorkerMessage);
});
