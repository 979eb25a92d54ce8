/**
 * `npm run chaos`: fault injection against the local PostgreSQL and Redis (quality.md, Faults and
 * Nothing lost). Under a steady load of authenticated requests it stops PostgreSQL and starts it
 * again, stops Redis and starts it again, and SIGKILLs the instance and restarts it. Per phase it
 * records: requests accepted for a revoked or an unknown key (must be 0), the error rate, the time
 * to recover, usage counts lost (at most the write-behind interval's worth) and activity records
 * lost for acknowledged mutations (must be 0). Prints a table; exits non-zero if a bar is missed.
 *
 * It really stops the machine's servers (pg_ctlcluster, redis-cli shutdown), so run it when
 * nothing else uses them; they are started again whatever happens.
 */
import { execFile, execFileSync, execSync } from 'node:child_process';
import { promisify } from 'node:util';
import { readdirSync } from 'node:fs';
import { Client } from 'pg';
import { startServer, TestServer } from './server-process';

const DATABASE_URL = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
const REDIS_URL = process.env.REDIS_URL ?? 'redis://127.0.0.1:6379';
const OUTAGE_MS = Number(process.env.CHAOS_OUTAGE_MS ?? 6000);
const FLUSH_MS = 1000;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

const run = promisify(execFile);
const cluster = () => readdirSync('/etc/postgresql')[0];
// Asynchronous, so that the load keeps running while the servers stop and start.
const postgres = {
  stop: () => run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster(), 'main', 'stop', '-m', 'fast']),
  start: () => run('pg_ctlcluster', ['--skip-systemctl-redirect', cluster(), 'main', 'start']),
  up: () => {
    try {
      execFileSync('pg_isready', ['-q', '-h', '127.0.0.1', '-p', '5432']);
      return true;
    } catch {
      return false;
    }
  },
};
const redis = {
  stop: () => run('sh', ['-c', 'redis-cli -h 127.0.0.1 -p 6379 shutdown nosave || true']),
  start: () => run('redis-server', ['--daemonize', 'yes', '--bind', '127.0.0.1', '--port', '6379', '--save', '', '--appendonly', 'no']),
  up: () => {
    try {
      return execSync('redis-cli -h 127.0.0.1 -p 6379 ping', { stdio: ['ignore', 'pipe', 'ignore'] }).toString().includes('PONG');
    } catch {
      return false;
    }
  },
};

interface Tally {
  requests: number;
  validOk: number;
  lastSuccessAt: number;
  /** Answers that are neither the expected success nor a fail-closed refusal (5xx for a valid key counts here). */
  errors: number;
  acceptedBad: number;
  firstFailureAt: number | null;
  lastFailureAt: number | null;
}

interface PhaseRow {
  phase: string;
  requests: number;
  acceptedBad: number;
  errorRate: string;
  recoverySeconds: string;
}

async function json(server: TestServer, path: string, init: { method?: string; headers?: Record<string, string>; body?: unknown } = {}) {
  const response = await fetch(server.url + path, {
    method: init.method ?? 'GET',
    headers: { ...(init.body === undefined ? {} : { 'content-type': 'application/json' }), ...(init.headers ?? {}) },
    body: init.body === undefined ? undefined : JSON.stringify(init.body),
  });
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  return { status: response.status, body: (await response.json().catch(() => null)) as any };
}

async function main(): Promise<void> {
  process.env.DATABASE_URL = DATABASE_URL;
  process.env.REDIS_URL = REDIS_URL;
  const server = await startServer('chaos', { env: { USAGE_FLUSH_INTERVAL_MS: String(FLUSH_MS), LOG_LEVEL: 'warn', RATE_LIMIT_READS_PER_MINUTE: '1000000', RATE_LIMIT_WRITES_PER_MINUTE: '1000000' } });
  const rows: PhaseRow[] = [];
  const acknowledgedRoles: string[] = [];
  let validOkTotal = 0;
  let stop = false;
  let tally: Tally = freshTally();
  try {
    const login = await json(server, '/api/v2/auth/login', { method: 'POST', body: { email: server.adminEmail, password: server.adminPassword } });
    const admin = { 'X-Session-ID': login.body.session_id as string };
    const createKey = async (title: string) => (await json(server, '/api/v2/api-keys', { method: 'POST', headers: admin, body: { title, privileges: ['view_api_keys'] } })).body;
    const valid = await createKey('chaos valid');
    const revoked = await createKey('chaos revoked');
    const revocation = await json(server, `/api/v2/api-keys/${revoked.api_key.id}`, { method: 'DELETE', headers: admin });
    if (revocation.status !== 200) throw new Error(`could not revoke the key: ${revocation.status}`);
    const unknown = 'ChaosUnknownKey000000000';

    // The load: every 20 ms, one request per key kind, and a mutation every 200 ms.
    let tick = 0;
    const load = (async () => {
      while (!stop) {
        tick += 1;
        const at = Date.now();
        const calls: Array<Promise<void>> = [
          fetch(`${server.url}/api/v2/account`, { headers: { 'x-api-key': valid.secret } })
            .then((response) => {
              tally.requests += 1;
              if (response.status !== 200) return fail(tally, at);
              tally.validOk += 1;
              tally.lastSuccessAt = Date.now();
              validOkTotal += 1;
            })
            .catch(() => {
              tally.requests += 1;
              fail(tally, at);
            }),
          ...[revoked.secret, unknown].map((secret) =>
            fetch(`${server.url}/api/v2/account`, { headers: { 'x-api-key': secret } })
              .then((response) => {
                tally.requests += 1;
                if (response.status === 200) tally.acceptedBad += 1;
              })
              .catch(() => {
                tally.requests += 1;
              }),
          ),
        ];
        if (tick % 10 === 0) {
          calls.push(
            fetch(`${server.url}/api/v2/roles`, { method: 'POST', headers: { ...admin, 'content-type': 'application/json' }, body: JSON.stringify({ title: `chaos ${tick}` }) })
              .then(async (response) => {
                if (response.status === 201) acknowledgedRoles.push(((await response.json()) as { id: string }).id);
              })
              .catch(() => undefined),
          );
        }
        await Promise.all(calls);
        await sleep(20);
      }
    })();

    /** Injects a fault, keeps it for OUTAGE_MS, heals it, and waits until the valid key has been served for 2 s in a row. */
    const phase = async (name: string, inject: () => unknown, heal: () => unknown) => {
      tally = freshTally();
      await inject();
      await sleep(OUTAGE_MS);
      const healedAt = Date.now();
      await heal();
      const deadline = Date.now() + 60_000;
      const recovered = () => tally.lastSuccessAt > healedAt && (tally.lastFailureAt === null || Date.now() - tally.lastFailureAt > 2000);
      while (Date.now() < deadline && !recovered()) await sleep(100);
      if (!recovered()) throw new Error(`${name}: not recovered within 60 s`);
      const valid = tally.validOk + tally.errors;
      rows.push({
        phase: name,
        requests: tally.requests,
        acceptedBad: tally.acceptedBad,
        errorRate: `${((100 * tally.errors) / Math.max(1, valid)).toFixed(1)} %`,
        // From the moment the dependency (or the instance) is back to the valid key's last failure.
        recoverySeconds: tally.lastFailureAt === null ? '-' : (Math.max(0, tally.lastFailureAt - healedAt) / 1000).toFixed(1),
      });
    };

    await phase('steady load', () => undefined, () => undefined);
    await phase('PostgreSQL stopped, then started', postgres.stop, postgres.start);
    await phase('Redis stopped, then started', redis.stop, redis.start);
    // The kill is not awaited: the load sees the instance vanish mid-request.
    await phase('instance SIGKILLed, then restarted', () => void server.kill(), () => server.restart());
    stop = true;
    await load;

    // Usage: everything the valid key was served, against what is stored after a graceful stop.
    await server.stop();
    const client = new Client({ connectionString: server.storage.databaseUrl });
    await client.connect();
    const [{ total }] = (await client.query(`SELECT coalesce(sum(count), 0)::int AS total FROM api_key_usage_daily WHERE api_key_id = $1`, [valid.api_key.id])).rows;
    const recorded = new Set(
      (await client.query(`SELECT target_id FROM activity_records WHERE action = 'role_create'`)).rows.map((row: { target_id: string }) => row.target_id),
    );
    await client.end();
    const usageLost = validOkTotal - Number(total);
    const activityLost = acknowledgedRoles.filter((id) => !recorded.has(id)).length;

    printTable(rows);
    process.stdout.write(
      `usage: ${validOkTotal} requests served to the valid key, ${total} recorded, ${usageLost} lost (bound: one ${FLUSH_MS} ms write-behind interval at the SIGKILL)\n` +
        `activity: ${acknowledgedRoles.length} acknowledged mutations, ${activityLost} without their record\n`,
    );
    const accepted = rows.reduce((sum, row) => sum + row.acceptedBad, 0);
    // The bound on a SIGKILL: what the valid key can be served in one write-behind interval (one request per 20 ms at most).
    const perInterval = Math.ceil((1000 / 20) * (FLUSH_MS / 1000)) + 5;
    const ok = accepted === 0 && activityLost === 0 && usageLost >= 0 && usageLost <= perInterval;
    if (!ok) process.exitCode = 1;
    process.stdout.write(`chaos: ${ok ? 'every bar met' : 'a bar was missed'} (usage may lose at most ${perInterval})\n`);
  } finally {
    stop = true;
    if (!postgres.up()) await postgres.start();
    if (!redis.up()) await redis.start();
    await server.destroy().catch(() => undefined);
  }
}

function freshTally(): Tally {
  return { requests: 0, validOk: 0, lastSuccessAt: 0, errors: 0, acceptedBad: 0, firstFailureAt: null, lastFailureAt: null };
}

function fail(tally: Tally, at: number): void {
  tally.errors += 1;
  tally.firstFailureAt ??= at;
  tally.lastFailureAt = at;
}

function printTable(rows: PhaseRow[]): void {
  const header = ['phase', 'requests', 'accepted revoked/unknown', 'valid key refused', 'recovered after (s)'];
  const cells = rows.map((row) => [row.phase, String(row.requests), String(row.acceptedBad), row.errorRate, row.recoverySeconds]);
  const widths = header.map((title, column) => Math.max(title.length, ...cells.map((row) => row[column].length)));
  const line = (values: string[]) => `| ${values.map((value, column) => value.padEnd(widths[column])).join(' | ')} |`;
  process.stdout.write(`\n${line(header)}\n|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|\n${cells.map(line).join('\n')}\n\n`);
}

main().catch((error: unknown) => {
  process.stderr.write(`chaos failed: ${error instanceof Error ? error.stack : String(error)}\n`);
  const restore = async () => {
    if (!postgres.up()) await postgres.start();
    if (!redis.up()) await redis.start();
  };
  void restore().finally(() => process.exit(1));
});
