import { Algorithm, hashSync, verifySync } from '@node-rs/argon2';
import { randomBytes } from 'node:crypto';
import { expectProblem, http, issuedSecrets, login, loginAsAdmin, metricValue, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { withDatabase } from '../support/storage';
import { createMember } from '../support/tenants';
import { TcpProxy } from '../../tools/tcp-proxy';

/**
 * Several instances on one PostgreSQL and one Redis (the docker-compose shape), and what each does
 * when one of them goes away. Needs DATABASE_URL and REDIS_URL: CI's first pass sets both; the
 * embedded default has nothing to share.
 */
const shared = process.env.DATABASE_URL && process.env.REDIS_URL ? describe : describe.skip;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function createKey(server: TestServer, admin: Session, body: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const response = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Scale-out', ...body });
  if (response.status !== 201) throw new Error(`create key: ${response.status} ${JSON.stringify(response.body)}`);
  issuedSecrets.add(response.body.secret);
  return { id: response.body.api_key.id, secret: response.body.secret };
}

const asKey = (secret: string) => ({ 'X-API-Key': secret });

/** Polls until `done` holds, returning the milliseconds it took; fails after `timeoutMs`. */
async function within(timeoutMs: number, done: () => Promise<boolean>): Promise<number> {
  const started = Date.now();
  while (!(await done())) {
    if (Date.now() - started > timeoutMs) throw new Error(`not within ${timeoutMs} ms`);
    await sleep(5);
  }
  return Date.now() - started;
}

shared('two instances sharing PostgreSQL and Redis', () => {
  let a: TestServer;
  let b: TestServer;
  let admin: Session;

  beforeAll(async () => {
    // A long TTL: only the invalidation message can make B see a change quickly.
    const env = { CACHE_TTL_MS: '60000' };
    a = await startServer('scale-a', { env });
    b = await startServer('scale-b', { env, shareStorageOf: a });
    admin = await loginAsAdmin(a);
  });

  afterAll(async () => {
    await b?.destroy();
    await a?.destroy();
  });

  it('enforces max_per_sec 10 once across both instances', async () => {
    const key = await createKey(a, admin, { privileges: ['view_api_keys'], max_per_sec: 10 });
    // Warm both caches in an earlier second, then fire 40 requests at the start of a fresh one.
    await http(a).get('/api/v2/account').set(asKey(key.secret)).expect(200);
    await http(b).get('/api/v2/account').set(asKey(key.secret)).expect(200);
    let statuses: number[] = [];
    for (let attempt = 0; attempt < 3; attempt += 1) {
      await sleep(1000 - (Date.now() % 1000) + 20);
      const second = Math.floor(Date.now() / 1000);
      statuses = (
        await Promise.all(Array.from({ length: 40 }, (_, i) => http(i % 2 ? a : b).get('/api/v2/account').set(asKey(key.secret))))
      ).map((response) => response.status);
      if (Math.floor(Date.now() / 1000) === second) break;
    }
    expect(statuses.filter((status) => status === 200)).toHaveLength(10);
    expect(statuses.filter((status) => status === 429)).toHaveLength(30);
  });

  it('counts failed logins on both instances toward one account delay', async () => {
    const email = `nobody-${Date.now()}@example.test`;
    const attempt = (server: TestServer) => http(server).post('/api/v2/auth/login').send({ email, password: 'wrong-password' });
    for (let i = 0; i < 5; i += 1) expect((await attempt(a)).status).toBe(401);
    // The sixth failure waits about a second before it is checked, on the other instance too.
    const started = Date.now();
    expect((await attempt(b)).status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  /**
   * A logs `member` in while `change` runs. A's hashing thread does one hash at a time, in order, so
   * 40 unknown-user logins sent to A put A's step of the login after the change: A's verification
   * when they go before A's login, A's upgraded hash of an older hash when they go just after it.
   * Returns A's answer.
   */
  async function loginOnADuring(member: { email: string; password: string }, step: 'verification' | 'upgrade', change: () => Promise<void>) {
    const queue = () =>
      Array.from({ length: 40 }, (_, i) =>
        http(a).post('/api/v2/auth/login').send({ email: `nobody-${i}-${Date.now()}@example.test`, password: 'wrong-password' }).then((response) => response),
      );
    const queuedBefore = step === 'verification' ? queue() : [];
    if (step === 'verification') await sleep(50);
    const onA = http(a).post('/api/v2/auth/login').send({ email: member.email, password: member.password }).then((response) => response);
    await sleep(10);
    const queuedAfter = step === 'upgrade' ? queue() : [];
    // By then A has read the account; its verification waits behind the 40 for a good while yet.
    if (step === 'verification') await sleep(40);
    await change();
    const [answer] = await Promise.all([onA, ...queuedBefore, ...queuedAfter]);
    return answer;
  }

  const liveSessionsOf = (userId: string) =>
    withDatabase(a, async (client) => Number((await client.query(`SELECT count(*) FROM sessions WHERE user_id = $1 AND revoked_at IS NULL`, [userId])).rows[0].count));

  /** A login with the old password while B changes it must be refused, the new hash kept, and no session come of the old password. */
  async function loginDuringPasswordChange(step: 'verification' | 'upgrade', olderHash?: (password: string) => string) {
    const member = await createMember(a, admin, admin.organizationId, {}, `race-${step}`);
    const self = await login(b, member.email, member.password);
    const newPassword = `pw-new-${randomBytes(12).toString('base64url')}`;
    issuedSecrets.add(newPassword);
    if (olderHash) {
      const older = olderHash(member.password);
      await withDatabase(a, (client) => client.query(`UPDATE users SET password_hash = $1 WHERE id = $2`, [older, member.userId]));
    }
    const refused = await loginOnADuring(member, step, async () => {
      const change = await http(b).post('/api/v2/users/me/password').set(self.headers).send({ current_password: member.password, new_password: newPassword });
      expect(change.status).toBe(204);
    });
    // The password A checked is no longer the account's when A would open the session.
    expectProblem(refused, 401, 'login');

    // The new hash stays (an upgraded hash of the old password would have replaced it), and no
    // session came of the old password after the change: B's own is the only one left.
    const stored = await withDatabase(a, async (client) => (await client.query(`SELECT password_hash FROM users WHERE id = $1`, [member.userId])).rows[0].password_hash as string);
    expect(verifySync(stored, newPassword)).toBe(true);
    expect(verifySync(stored, member.password)).toBe(false);
    expect(await liveSessionsOf(member.userId)).toBe(1);
    expectProblem(await http(a).post('/api/v2/auth/login').send({ email: member.email, password: member.password }), 401, 'login');
    expect((await login(a, member.email, newPassword)).userId).toBe(member.userId);
  }

  it('refuses a login whose password was changed on the other instance after it was verified', async () => {
    await loginDuringPasswordChange('verification');
  });

  it('refuses a login whose password was changed on the other instance while its hash was upgraded, and keeps the new hash', async () => {
    // An older release's parameters (argon2id, 19 MiB), slow enough that both instances are still
    // verifying it when the other request arrives; a successful login would replace it.
    await loginDuringPasswordChange('upgrade', (password) =>
      hashSync(password, { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 16, parallelism: 1 }),
    );
  });

  it('refuses a login whose account was deactivated after its password was verified', async () => {
    // No route deactivates a user yet: an operator's change in the database, committed mid-login.
    const member = await createMember(a, admin, admin.organizationId, {}, 'race-deactivated');
    const refused = await loginOnADuring(member, 'verification', async () => {
      await withDatabase(a, (client) => client.query(`UPDATE users SET active = false WHERE id = $1`, [member.userId]));
    });
    expectProblem(refused, 401, 'login');
    expect(await liveSessionsOf(member.userId)).toBe(0);
  });

  it('refuses a key on B soon after it is revoked on A', async () => {
    const key = await createKey(a, admin, { privileges: ['view_api_keys'] });
    await http(b).get('/api/v2/account').set(asKey(key.secret)).expect(200);
    await http(b).get('/api/v2/account').set(asKey(key.secret)).expect(200);
    await http(a).delete(`/api/v2/api-keys/${key.id}`).set(admin.headers).expect(200);
    // On A when the call returns; on B within the bound (100 ms target, 1 s at worst if a message were lost).
    expectProblem(await http(a).get('/api/v2/account').set(asKey(key.secret)), 401, 'api');
    const elapsed = await within(1000, async () => (await http(b).get('/api/v2/account').set(asKey(key.secret))).status === 401);
    expect(elapsed).toBeLessThan(1000);
  });

  it('empties each cache once per change: the acting instance ignores the echo of its own message', async () => {
    const key = await createKey(a, admin, { privileges: ['view_api_keys'] });
    const invalidations = (server: TestServer) => metricValue(server, 'keyward_credential_cache_invalidations_total');
    const [beforeA, beforeB] = [await invalidations(a), await invalidations(b)];
    await http(a).delete(`/api/v2/api-keys/${key.id}`).set(admin.headers).expect(200);
    await within(1000, async () => (await invalidations(b)) === beforeB + 1);
    // Long enough for A's own message to have come back to it through Redis as well.
    await sleep(300);
    expect(await invalidations(a)).toBe(beforeA + 1);
    expect(await invalidations(b)).toBe(beforeB + 1);
  });

  it('drops a privilege on B soon after it is removed from a role on A', async () => {
    const role = await http(a).post('/api/v2/roles').set(admin.headers).send({ title: 'Shared role', privileges: ['view_api_keys', 'view_activity'] });
    expect(role.status).toBe(201);
    const key = await createKey(a, admin, { roles: [role.body.id] });
    const privilegesOnB = async () => (await http(b).get('/api/v2/account').set(asKey(key.secret))).body.privileges as string[];
    expect(await privilegesOnB()).toContain('view_activity');
    await http(a).patch(`/api/v2/roles/${role.body.id}`).set(admin.headers).send({ privileges: ['view_api_keys'] }).expect(200);
    await within(1000, async () => !(await privilegesOnB()).includes('view_activity'));
    expectProblem(await http(b).get('/api/v2/activity').set(asKey(key.secret)), 403, 'access');
  });
});

shared('when Redis goes away', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    const redis = new URL(process.env.REDIS_URL as string);
    proxy = new TcpProxy(redis.hostname, Number(redis.port || 6379));
    await proxy.start();
    server = await startServer('redis-down', { env: { REDIS_URL: TcpProxy.urlThrough(proxy, process.env.REDIS_URL as string) } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
    await proxy?.cut();
  });

  it('keeps serving with per-instance limits, says so, and shares them again when Redis returns', async () => {
    const key = await createKey(server, admin, { privileges: ['view_api_keys'], max_per_sec: 5 });
    await http(server).get('/api/v2/account').set(asKey(key.secret)).expect(200);
    expect(await metricValue(server, 'keyward_shared_counters_degraded')).toBe(0);

    await proxy.cut();
    await sleep(1000 - (Date.now() % 1000) + 20);
    const statuses = (await Promise.all(Array.from({ length: 8 }, () => http(server).get('/api/v2/account').set(asKey(key.secret))))).map((r) => r.status);
    expect(statuses.filter((status) => status === 200)).toHaveLength(5);
    expect(statuses.filter((status) => status === 429)).toHaveLength(3);
    expect(await metricValue(server, 'keyward_shared_counters_degraded')).toBe(1);
    expect(await metricValue(server, 'keyward_shared_counters_fallbacks_total')).toBeGreaterThanOrEqual(1);
    expect(server.logs.some((line) => line.includes("rate limits and login throttling use this instance's own counters"))).toBe(true);
    const ready = await http(server).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.info.redis).toMatchObject({ status: 'up', shared_limits: false });

    await proxy.restore();
    await within(10_000, async () => {
      await sleep(200);
      await http(server).get('/api/v2/account').set(asKey(key.secret));
      return (await metricValue(server, 'keyward_shared_counters_degraded')) === 0;
    });
    // The log line travels through the server's stdout pipe: it may arrive just after the metric.
    await within(5_000, async () => server.logs.some((line) => line.includes('Redis answers again')));
  });
});

shared('when PostgreSQL goes away', () => {
  let proxy: TcpProxy;
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    const database = new URL(process.env.DATABASE_URL as string);
    proxy = new TcpProxy(database.hostname, Number(database.port || 5432));
    await proxy.start();
    server = await startServer('pg-down');
    // The same database, reached through the proxy; a long TTL keeps the revoked key below cached.
    await server.restart({ DATABASE_URL: TcpProxy.urlThrough(proxy, server.storage.databaseUrl as string), CACHE_TTL_MS: '60000' });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await proxy?.restore().catch(() => undefined);
    await server?.destroy();
    await proxy?.cut();
  });

  it('fails closed, honours cached revocations, reports not ready, and recovers on its own', async () => {
    const valid = await createKey(server, admin, { privileges: ['view_api_keys'] });
    const revoked = await createKey(server, admin, { privileges: ['view_api_keys'] });
    await http(server).delete(`/api/v2/api-keys/${revoked.id}`).set(admin.headers).expect(200);
    expectProblem(await http(server).get('/api/v2/account').set(asKey(revoked.secret)), 401, 'api');
    await http(server).get('/api/v2/account').set(asKey(valid.secret)).expect(200);

    await proxy.cut();
    const ready = await http(server).get('/health/ready');
    expect(ready.status).toBe(503);
    expect(ready.body.error.database.status).toBe('down');
    expectProblem(await http(server).get('/api/v2/account').set(asKey(revoked.secret)), 401, 'api');
    const unknown = await http(server).get('/api/v2/account').set(asKey('UnknownKeyUnknownKey1234'));
    expectProblem(unknown, 503, 'unavailable');
    expect(unknown.headers['retry-after']).toBe('5');
    expect(JSON.stringify(unknown.body)).not.toMatch(/ECONNREFUSED|Connection terminated|typeorm|pg-pool/i);
    const unknownV1 = await http(server).get('/api/app/get_api_keys/v1').set(asKey('UnknownKeyUnknownKey5678'));
    expect(unknownV1.status).toBe(503);
    expect(unknownV1.body.code).toBe('internal');
    const writes = await http(server).post('/api/v2/roles').set(admin.headers).send({ title: 'During the outage' });
    expect(writes.status).not.toBe(201);

    await proxy.restore();
    await within(20_000, async () => {
      await sleep(200);
      return (await http(server).get('/health/ready')).status === 200;
    });
    await http(server).get('/api/v2/account').set(asKey(valid.secret)).expect(200);
    expectProblem(await http(server).get('/api/v2/account').set(asKey(revoked.secret)), 401, 'api');
    expect((await http(server).post('/api/v2/roles').set(admin.headers).send({ title: 'After the outage' })).status).toBe(201);
  });
});
