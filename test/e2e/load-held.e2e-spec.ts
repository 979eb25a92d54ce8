import autocannon from 'autocannon';
import { http, issuedSecrets, loginAsAdmin } from '../support/client';
import { rssMegabytes, startServer, TestServer } from '../support/server';

/**
 * quality.md: a sustained load (LOAD_SECONDS, at least 60 s, 50 connections) of mixed realistic
 * traffic against a server holding data: no errors other than intended 429s, and resident memory
 * at the end within 10 % of what it was after the warm-up. Not a timing test: nothing here
 * depends on how fast this machine is.
 */
const SECONDS = Math.max(60, Number(process.env.LOAD_SECONDS ?? 60));
const CONNECTIONS = 50;

describe('load held', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('load-held', { env: { LOG_LEVEL: 'warn', USAGE_FLUSH_INTERVAL_MS: '1000' } });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it(`serves ${CONNECTIONS} connections for ${SECONDS} s without errors and with stable memory`, async () => {
    const admin = await loginAsAdmin(server);
    const keys: string[] = [];
    for (let i = 0; i < 20; i += 1) {
      const created = await http(server)
        .post('/api/v2/api-keys')
        .set(admin.headers)
        .send({ title: `Load ${i}`, privileges: ['view_api_keys', 'verify_api_keys', 'view_activity'], ...(i === 0 ? { max_per_sec: 50 } : {}) });
      keys.push(created.body.secret);
      issuedSecrets.add(created.body.secret);
    }
    const role = (await http(server).post('/api/v2/roles').set(admin.headers).send({ title: 'Load role', privileges: ['run_jobs'] })).body.id;
    const mix: autocannon.Request[] = [];
    keys.forEach((key, i) => {
      mix.push({ method: 'GET', path: '/api/v2/account', headers: { 'x-api-key': key } });
      mix.push({ method: 'GET', path: '/api/app/get_api_keys/v1', headers: { 'x-api-key': key } });
      mix.push({
        method: 'POST',
        path: '/api/v2/api-keys/verify',
        headers: { 'x-api-key': key, 'content-type': 'application/json' },
        body: JSON.stringify({ key: keys[(i + 1) % keys.length], privilege: 'view_api_keys' }),
      });
      if (i % 5 === 0) mix.push({ method: 'GET', path: '/api/v2/activity?limit=20', headers: { 'x-api-key': key } });
    });
    mix.push({ method: 'GET', path: '/api/v2/account', headers: { authorization: `Bearer ${admin.token}` } });
    mix.push({ method: 'GET', path: `/api/v2/roles/${role}`, headers: admin.headers });
    mix.push({ method: 'GET', path: '/health/live' });

    const run = (duration: number) =>
      autocannon({ url: server.url, connections: CONNECTIONS, duration, requests: mix });
    // The heap grows and is collected in a sawtooth, so one reading depends on where in the tooth it
    // falls: memory is read every second, and peaks over 10-20 s windows are compared.
    const readings: Array<{ at: number; rss: number }> = [];
    const sampler = setInterval(() => readings.push({ at: Date.now(), rss: rssMegabytes(server.pid) }), 1000);
    const peakBetween = (from: number, to: number) => Math.max(...readings.filter((reading) => reading.at >= from && reading.at <= to).map((reading) => reading.rss));
    // Long enough for the heap to reach its working size on a quiet machine; on a busy one it is
    // still growing at the end of it, so "after warm-up" is the peak of the 20 s around the boundary.
    const warmUp = await run(30);
    const heldFrom = Date.now();
    const held = await run(SECONDS);
    const afterWarmUp = peakBetween(heldFrom - 10_000, heldFrom + 10_000);
    const atEnd = peakBetween(Date.now() - 10_000, Date.now());
    clearInterval(sampler);

    const refusals = held.statusCodeStats?.['429']?.count ?? 0;
    const unexpected = Object.entries(held.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2') && code !== '429');
    process.stdout.write(
      `load held: ${SECONDS} s, ${CONNECTIONS} connections, ${held.requests.total} requests (${Math.round(held.requests.average)}/s, p99 ${held.latency.p99} ms), ` +
        `${refusals} intended 429s, peak RSS ${Math.round(afterWarmUp)} MB at the end of the warm-up, ${Math.round(atEnd)} MB at the end\n`,
    );
    expect(warmUp.errors + held.errors + held.timeouts).toBe(0);
    expect(unexpected).toEqual([]);
    // The one key with max_per_sec: 50 is driven harder than that: its 429s are the intended ones.
    expect(refusals).toBeGreaterThan(0);
    expect(atEnd).toBeLessThanOrEqual(afterWarmUp * 1.1);
  }, (SECONDS + 150) * 1000);
});
