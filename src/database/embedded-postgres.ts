import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { Logger } from 'pino';
import type { EmbeddedWorkerMessage } from './embedded-postgres.worker';

/**
 * The database thread's young generation. Its JavaScript only relays wire-protocol buffers, all
 * short-lived; with V8's default the young generation grew to its full size under a burst of
 * queries and stayed resident, full of garbage, once the thread went quiet. Capped, a server with
 * 100,000 keys cached read 370-401 MB VmRSS against 405-432 MB (three runs each of a harness that
 * takes the bench's reading), for the same time to load those keys.
 */
const WORKER_YOUNG_GENERATION_MB = 8;

/**
 * The embedded default database: PGlite (PostgreSQL compiled to WebAssembly) with its data under
 * DATA_DIR, served over the Postgres wire protocol on a free loopback port so that TypeORM's
 * ordinary `postgres` driver talks to it. PGlite runs one query at a time, so the pool has one
 * connection. It runs on a worker thread of its own (embedded-postgres.worker.ts), so queries never
 * block the thread that serves requests.
 */
export class EmbeddedPostgres {
  private constructor(
    private readonly worker: Worker,
    private readonly lockFile: string,
    private readonly logger: Logger,
    readonly url: string,
  ) {}

  static async start(dataDir: string, logger: Logger): Promise<EmbeddedPostgres> {
    const root = resolve(dataDir);
    mkdirSync(root, { recursive: true });
    const lockFile = join(root, 'keyward.pid');
    claimLock(lockFile);
    try {
      const created = !existsSync(join(root, 'pgdata', 'PG_VERSION'));
      let database = await launch(root);
      if (created) {
        // Creating the database (initdb, in a WebAssembly instance of its own) left the thread
        // holding 828 MB resident against 249 MB for the same server started again on the data;
        // ending the thread and starting a fresh one returns what initdb used.
        await close(database.worker, logger);
        database = await launch(root);
      }
      database.worker.on('error', (error) => logger.error({ err: error }, 'embedded PostgreSQL failed'));
      logger.info({ dataDir: root }, 'embedded PostgreSQL (PGlite) started');
      return new EmbeddedPostgres(database.worker, lockFile, logger, database.url);
    } catch (error) {
      rmSync(lockFile, { force: true });
      throw error;
    }
  }

  /** Closes the database and its thread, and releases DATA_DIR. */
  async stop(): Promise<void> {
    await close(this.worker, this.logger);
    rmSync(this.lockFile, { force: true });
  }
}

/** Starts the database's thread on the data under root; resolves when it accepts connections. */
async function launch(root: string): Promise<{ worker: Worker; url: string }> {
  const worker = new Worker(join(__dirname, 'embedded-postgres.worker.js'), {
    workerData: { root },
    resourceLimits: { maxYoungGenerationSizeMb: WORKER_YOUNG_GENERATION_MB },
  });
  try {
    const address = await new Promise<string>((resolvePromise, reject) => {
      const onExit = (code: number) => reject(new Error(`the embedded database stopped while starting (exit ${code})`));
      worker.once('error', reject);
      worker.once('exit', onExit);
      worker.once('message', (message: EmbeddedWorkerMessage) => {
        worker.off('error', reject);
        worker.off('exit', onExit);
        if ('ready' in message) resolvePromise(message.ready);
        else reject(new Error('failed' in message ? message.failed : 'the embedded database did not start'));
      });
    });
    return { worker, url: `postgres://postgres@${address}/postgres` };
  } catch (error) {
    await worker.terminate();
    throw error;
  }
}

/** How long a closed database's thread may take to end by itself before it is terminated. */
const THREAD_END_MS = 5000;

/**
 * Closes the database on a thread cleanly (its files stay consistent), then lets the thread end by
 * itself. `worker.terminate()` on a thread that has run WebAssembly is a known source of crashes in
 * Node (nodejs/node#47748: the environment's teardown); a fresh server's start, which ends the thread
 * that created the database, twice died of SIGSEGV before printing anything. Terminated only if it
 * has not ended in THREAD_END_MS.
 */
async function close(worker: Worker, logger: Logger): Promise<void> {
  const ended = new Promise<void>((resolvePromise) => worker.once('exit', () => resolvePromise()));
  worker.postMessage('stop');
  const timer = setTimeout(() => {
    logger.warn(`the embedded database's thread had not ended ${THREAD_END_MS} ms after closing; terminating it`);
    void worker.terminate();
  }, THREAD_END_MS);
  await ended;
  clearTimeout(timer);
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
