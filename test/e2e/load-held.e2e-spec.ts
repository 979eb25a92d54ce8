import autocannon from 'autocannon';
import { http, issuedSecrets, loginAsAdmin } from '../support/client';
import { COLLECT_GARBAGE_ON_SIGNAL, CollectedMemory, memoryAfterFullCollection, startServer, TestServer } from '../support/server';

/**
 * A sustained load (LOAD_SECONDS, at least 60 s, 50 connections) of mixed realistic traffic
 * against a server holding data: no errors other than intended 429s, and no memory that grows with
 * the requests served. Memory is read after a full collection in every thread, at the end of the
 * warm-up and at the end, and may not grow by more than 10 %:
 * - the main thread's live heap: a leak of about 100 bytes a request (12 MB over the run) moved it
 *   by 22 % while resident memory fell;
 * - resident memory outside the main thread's committed heap (code, buffers, the other threads,
 *   the embedded database), where a leak outside JavaScript objects would show.
 * Resident memory as a whole is not compared: V8 keeps the heap pages it has grown to, and on a
 * slow machine it is still growing them after the warm-up (171 -> 192 MB, live heap 46.9 -> 46.3).
 * Not a timing test: nothing here depends on how fast this machine is.
 */
const SECONDS = Math.max(60, Number(process.env.LOAD_SECONDS ?? 60));
const CONNECTIONS = 50;

describe('load held', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('load-held', {
      env: { LOG_LEVEL: 'warn', USAGE_FLUSH_INTERVAL_MS: '1000', NODE_OPTIONS: COLLECT_GARBAGE_ON_SIGNAL },
    });
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
    const warmUp = await run(30);
    const afterWarmUp = await memoryAfterFullCollection(server);
    const held = await run(SECONDS);
    const atEnd = await memoryAfterFullCollection(server);

    const refusals = held.statusCodeStats?.['429']?.count ?? 0;
    const unexpected = Object.entries(held.statusCodeStats ?? {}).filter(([code]) => !code.startsWith('2') && code !== '429');
    const outsideHeap = (memory: CollectedMemory) => Math.round(memory.rss - memory.heapCommitted);
    process.stdout.write(
      `load held: ${SECONDS} s, ${CONNECTIONS} connections, ${held.requests.total} requests (${Math.round(held.requests.average)}/s, p99 ${held.latency.p99} ms), ` +
        `${refusals} intended 429s; after a full collection, at the end of the warm-up and at the end: live heap ${afterWarmUp.liveHeap} and ${atEnd.liveHeap} MB, ` +
        `resident outside the heap ${outsideHeap(afterWarmUp)} and ${outsideHeap(atEnd)} MB (resident ${afterWarmUp.rss} and ${atEnd.rss} MB)\n`,
    );
    expect(warmUp.errors + held.errors + held.timeouts).toBe(0);
    expect(unexpected).toEqual([]);
    // The one key with max_per_sec: 50 is driven harder than that: its 429s are the intended ones.
    expect(refusals).toBeGreaterThan(0);
    expect(atEnd.liveHeap).toBeLessThanOrEqual(afterWarmUp.liveHeap * 1.1);
    expect(outsideHeap(atEnd)).toBeLessThanOrEqual(outsideHeap(afterWarmUp) * 1.1);
  }, (SECONDS + 150) * 1000);
});
