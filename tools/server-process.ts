import { ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { Client } from 'pg';

/** The repository root: the nearest folder above with a package.json (works from src and from dist). */
function findRoot(start: string): string {
  let dir = start;
  while (!existsSync(join(dir, 'package.json'))) {
    const parent = dirname(dir);
    if (parent === dir) throw new Error('package.json not found above ' + start);
    dir = parent;
  }
  return dir;
}

const ROOT = findRoot(__dirname);
const ENTRY = join(ROOT, 'dist', 'src', 'main.js');

/** What a start command sets: environment variables before `node`, and node's own flags. */
export interface StartCommand {
  env: Record<string, string>;
  nodeFlags: string[];
}

/**
 * How `npm run start:prod` starts the server (and so `npm start` and the Dockerfile, which a unit
 * test holds to the same): the servers the tests and the bench start run as users run them.
 */
export const SERVER_START = startCommandOf(JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts['start:prod']);

/** Reads a start command of the form `[NAME=value ...] node [flags] dist/src/main.js`. */
export function startCommandOf(command: string): StartCommand {
  const words = command.trim().split(/\s+/);
  const env: Record<string, string> = {};
  let assignment: RegExpExecArray | null;
  while (words.length > 0 && (assignment = /^([A-Za-z_][A-Za-z0-9_]*)=(.*)$/.exec(words[0]))) {
    env[assignment[1]] = assignment[2];
    words.shift();
  }
  if (words[0] !== 'node' || words[words.length - 1] !== 'dist/src/main.js') {
    throw new Error(`not a start command of the form "[NAME=value ...] node [flags] dist/src/main.js": ${command}`);
  }
  return { env, nodeFlags: words.slice(1, -1) };
}

/** Every line any server started this way printed, for the secret scans. */
export const LOG_DIR = join(ROOT, '.tmp', 'test-logs');

export interface TestServer {
  url: string;
  port: number;
  /** The server process id (for memory readings). */
  readonly pid: number | undefined;
  adminEmail: string;
  adminPassword: string;
  /** Every line the process printed (stdout and stderr), across restarts. */
  logs: string[];
  /** Where the data lives: a DATA_DIR (embedded) or a database URL. */
  storage: { dataDir?: string; databaseUrl?: string };
  /** Graceful stop (SIGTERM); keeps the data so the server can be started again. */
  stop(): Promise<number | null>;
  /** Stops if running, then removes the data. */
  destroy(): Promise<void>;
  /** Starts the same server again on the same data, optionally with other settings. */
  restart(env?: Record<string, string>): Promise<void>;
  /** Kills the process without a chance to clean up. */
  kill(): Promise<void>;
}

/** Resident memory of a process, in MB (Linux /proc), for the memory bars. */
export function rssMegabytes(pid: number | undefined): number {
  if (!pid) return NaN;
  const match = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return match ? Number(match[1]) / 1024 : NaN;
}

/**
 * NODE_OPTIONS for a server whose memory is read after a full garbage collection (a preload for
 * the tests and the bench: on SIGUSR2 every thread collects, and the main thread reports its heap).
 */
export const COLLECT_GARBAGE_ON_SIGNAL = `--expose-gc --require ${JSON.stringify(join(ROOT, 'tools', 'collect-garbage-on-signal.cjs'))}`;

/** Memory of a server right after a full garbage collection in every thread, in MB. */
export interface CollectedMemory {
  /** Resident memory (VmRSS). */
  rss: number;
  /** What the main thread's heap holds: live data. */
  liveHeap: number;
  /**
   * The main thread's heap as committed: V8 keeps the pages it has grown to after collecting
   * (171 -> 192 MB resident for an unchanged 46-47 MB live heap, in one load test), so resident
   * memory minus this is the rest of the process (code, buffers, other threads, the embedded
   * database), which a leak outside the JavaScript heap would grow.
   */
  heapCommitted: number;
}

/**
 * Memory right after a full garbage collection in every thread of a server started with
 * COLLECT_GARBAGE_ON_SIGNAL; read with no load running. Read at an arbitrary moment instead,
 * resident memory is wherever the collector's sawtooth happens to be: 180-265 MB within one
 * minute of one load test.
 */
export async function memoryAfterFullCollection(server: TestServer): Promise<CollectedMemory> {
  const seen = server.logs.length;
  process.kill(server.pid as number, 'SIGUSR2');
  const deadline = Date.now() + 10_000;
  let line: string | undefined;
  while (!(line = server.logs.slice(seen).find((logged) => logged.startsWith('collected garbage')))) {
    if (Date.now() > deadline) throw new Error('the server did not report a full collection within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  // The other threads (the embedded database, password hashing) collect in their own turn.
  await new Promise((resolve) => setTimeout(resolve, 1000));
  const megabytes = (pattern: RegExp) => Math.round(Number(pattern.exec(line as string)?.[1]) / 1024 / 1024 * 10) / 10;
  return {
    rss: Math.round(rssMegabytes(server.pid)),
    liveHeap: megabytes(/live heap (\d+) bytes/),
    heapCommitted: megabytes(/heap committed (\d+) bytes/),
  };
}

/**
 * Field `number` (1-based, as in proc(5)) of a thread's stat line. The command name may hold spaces,
 * so fields are counted from its closing parenthesis, after which field 3 starts.
 */
function threadStatField(pid: number, tid: number, number: number): number {
  return Number(readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8').split(') ')[1].split(' ')[number - 3]);
}

/** The nice value (stat field 19) of each thread of a process, by thread id (Linux /proc; the main thread's id is the pid). */
export function threadNiceness(pid: number): Map<number, number> {
  const niceness = new Map<number, number>();
  for (const tid of readdirSync(`/proc/${pid}/task`)) niceness.set(Number(tid), threadStatField(pid, Number(tid), 19));
  return niceness;
}

/**
 * CPU time the process's main thread has used, in microseconds (Linux /proc; NaN elsewhere). The
 * request thread's time per request is steadier than requests/s on a shared machine, where the
 * load generator and other processes take turns on the same cores.
 */
export function mainThreadCpuMicros(pid: number | undefined): number {
  if (!pid) return NaN;
  try {
    // utime and stime (fields 14 and 15 of stat), in clock ticks of 10 ms.
    return (threadStatField(pid, pid, 14) + threadStatField(pid, pid, 15)) * 10_000;
  } catch {
    return NaN;
  }
}

/**
 * Runs SQL against the server's own database, as an attacker with database access would. The
 * embedded database lives inside the server process, so the server is stopped for it and started
 * again afterwards; a PostgreSQL server is reached while the service runs. The suites use it to
 * tamper with stored rows, the benchmark to seed keys.
 */
export async function withDatabase<T>(server: TestServer, work: (client: Client) => Promise<T>): Promise<T> {
  if (server.storage.databaseUrl) {
    const client = new Client({ connectionString: server.storage.databaseUrl });
    await client.connect();
    try {
      return await work(client);
    } finally {
      await client.end();
    }
  }
  // PGlite cannot be loaded inside jest, so a child process serves the data directory meanwhile.
  await server.stop();
  const child = spawn(process.execPath, [join(ROOT, 'dist', 'tools', 'embedded-db.js'), server.storage.dataDir as string], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout?.once('data', (chunk: Buffer) => resolve(JSON.parse(chunk.toString('utf8')).url));
    child.once('exit', (code) => reject(new Error(`embedded-db exited with ${code}`)));
  });
  const client = new Client({ connectionString: url });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
    await server.restart();
  }
}

/** Called with every server just before `destroy()` removes its data (the test suites scan it for secrets). */
export const lifecycle: { beforeDestroy?: (server: TestServer) => Promise<void> } = {};

export interface StartOptions {
  /** Extra or overriding environment variables. */
  env?: Record<string, string>;
  /** Another instance on the same database (DATABASE_URL mode): its owner drops the database. */
  shareStorageOf?: TestServer;
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const address = probe.address();
      probe.close(() => resolvePort(typeof address === 'object' && address ? address.port : 0));
    });
  });
}

/** The mode CI chooses: DATABASE_URL (and REDIS_URL) in the environment, or the embedded default. */
async function prepareStorage(name: string): Promise<TestServer['storage']> {
  const serverUrl = process.env.DATABASE_URL;
  if (!serverUrl) return { dataDir: mkdtempSync(join(tmpdir(), `keyward-${name}-`)) };
  const database = `kw_test_${name.replace(/[^a-z0-9]/gi, '_').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new Client({ connectionString: serverUrl });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${database}`);
  } finally {
    await admin.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return { databaseUrl: url.toString() };
}

async function dropStorage(storage: TestServer['storage']): Promise<void> {
  if (storage.dataDir) rmSync(storage.dataDir, { recursive: true, force: true });
  if (storage.databaseUrl && process.env.DATABASE_URL) {
    const database = new URL(storage.databaseUrl).pathname.slice(1);
    const admin = new Client({ connectionString: process.env.DATABASE_URL });
    await admin.connect();
    try {
      await admin.query(`DROP DATABASE IF EXISTS ${database} WITH (FORCE)`);
    } finally {
      await admin.end();
    }
  }
}

/** Starts the built server (`npm run build` first) on a free port with its own empty database. */
export async function startServer(name: string, options: StartOptions = {}): Promise<TestServer> {
  mkdirSync(LOG_DIR, { recursive: true });
  const logFile = join(LOG_DIR, `${name}-${process.pid}-${Date.now()}.log`);
  const shared = options.shareStorageOf?.storage;
  if (shared && !shared.databaseUrl) throw new Error('only instances on DATABASE_URL can share a database');
  const storage = shared ?? (await prepareStorage(name));
  const adminEmail = `admin+${name.toLowerCase().replace(/[^a-z0-9]/g, '')}@example.test`;
  const adminPassword = `pw-${randomBytes(12).toString('base64url')}`;
  const logs: string[] = [];
  let child: ChildProcess | null = null;
  let port = await freePort();
  let currentEnv: Record<string, string> = { ...(options.env ?? {}) };

  const baseEnv = (): NodeJS.ProcessEnv => {
    // Tests and the benchmark pass their settings explicitly; nothing else leaks in from the shell.
    const env: NodeJS.ProcessEnv = {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      NODE_ENV: 'test',
      PORT: String(port),
      HOST: '127.0.0.1',
      LOG_LEVEL: 'info',
      BOOTSTRAP_ADMIN_EMAIL: adminEmail,
      BOOTSTRAP_ADMIN_PASSWORD: adminPassword,
      BOOTSTRAP_ORG_NAME: `Org ${name}`,
      SHUTDOWN_TIMEOUT_MS: '10000',
      LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '100000',
    };
    if (storage.dataDir) env.DATA_DIR = storage.dataDir;
    if (storage.databaseUrl) {
      env.DATABASE_URL = storage.databaseUrl;
      env.APP_SECRET = 'test-app-secret-0123456789abcdefghijklmnop';
    }
    if (process.env.REDIS_URL) env.REDIS_URL = process.env.REDIS_URL;
    return { ...env, ...currentEnv };
  };

  /** Starts the process; a port taken between choosing and binding it (parallel suites) is retried. */
  const launch = async (): Promise<void> => {
    for (let attempt = 1; ; attempt += 1) {
      try {
        await launchOnce();
        return;
      } catch (error) {
        const portTaken = logs.slice(-20).some((line) => line.includes('EADDRINUSE'));
        if (!portTaken || attempt >= 5) throw error;
        port = await freePort();
      }
    }
  };

  const launchOnce = async () => {
    const proc = spawn(process.execPath, [...SERVER_START.nodeFlags, ENTRY], { env: { ...SERVER_START.env, ...baseEnv() }, stdio: ['ignore', 'pipe', 'pipe'] });
    child = proc;
    const collect = (chunk: Buffer) => {
      const text = chunk.toString('utf8');
      appendFileSync(logFile, text);
      for (const line of text.split('\n')) if (line.length > 0) logs.push(line);
    };
    proc.stdout?.on('data', collect);
    proc.stderr?.on('data', collect);
    const exited = new Promise<never>((_, reject) =>
      proc.once('exit', (code, signal) => reject(new Error(`server exited with ${signal ?? code} before it was ready:\n${logs.slice(-30).join('\n')}`))),
    );
    const deadline = Date.now() + 60_000;
    const linesBefore = logs.length;
    // Ready when this process says it listens: a probe of the port could reach another suite's server.
    const ready = (async () => {
      while (Date.now() < deadline) {
        if (proc.exitCode !== null) return;
        // The banner is printed whatever LOG_LEVEL is.
        if (logs.slice(linesBefore).some((line) => line.includes('Keyward is listening on http://'))) return;
        await new Promise((r) => setTimeout(r, 50));
      }
      throw new Error(`server did not become ready:\n${logs.slice(-30).join('\n')}`);
    })();
    await Promise.race([ready, exited]);
    proc.removeAllListeners('exit');
  };

  const waitForExit = (proc: ChildProcess): Promise<number | null> =>
    new Promise((resolveExit) => {
      if (proc.exitCode !== null || proc.signalCode !== null) resolveExit(proc.exitCode);
      else proc.once('exit', (code) => resolveExit(code));
    });

  await launch();
  const server: TestServer = {
    get url() {
      return `http://127.0.0.1:${port}`;
    },
    get port() {
      return port;
    },
    get pid() {
      return (child as ChildProcess | null)?.pid;
    },
    adminEmail,
    adminPassword,
    logs,
    storage,
    async stop() {
      const proc = child;
      if (!proc) return null;
      child = null;
      const exit = waitForExit(proc);
      proc.kill('SIGTERM');
      return exit;
    },
    async kill() {
      const proc = child;
      if (!proc) return;
      child = null;
      const exit = waitForExit(proc);
      proc.kill('SIGKILL');
      await exit;
    },
    async destroy() {
      await server.stop();
      try {
        if (lifecycle.beforeDestroy) await lifecycle.beforeDestroy(server);
      } finally {
        if (!shared) await dropStorage(storage);
      }
    },
    async restart(env?: Record<string, string>) {
      await server.stop();
      if (env) currentEnv = { ...currentEnv, ...env };
      port = await freePort();
      await launch();
    },
  };
  return server;
}
