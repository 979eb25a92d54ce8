import { expectNoSecretsInLogs, expectProblem, expectV1Error, http, issuedSecrets, loginAsAdmin, Session } from '../support/client';
import { eventually } from '../support/eventually';
import { startServer, TestServer } from '../support/server';
import { storedText } from '../support/storage';
import { createSubAccount, memberSession } from '../support/tenants';

interface Issued {
  id: string;
  key: string;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('API keys', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('api-keys', { env: { USAGE_FLUSH_INTERVAL_MS: '200' } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  /** A key made through v1 by `actor` (default: the admin). */
  const createKey = async (params: Record<string, unknown>, actor: Record<string, string> = admin.headers): Promise<Issued> => {
    const response = await http(server).post('/api/app/create_api_key/v1').set(actor).send({ title: 'Test key', ...params });
    if (response.body.code !== 0) throw new Error(`create_api_key: ${response.status} ${JSON.stringify(response.body)}`);
    issuedSecrets.add(response.body.plain_key);
    return { id: response.body.api_key.id, key: response.body.plain_key };
  };
  const asKey = (key: string) => ({ 'X-API-Key': key });
  const listKeys = (key: string) => http(server).get('/api/app/get_api_keys/v1').set(asKey(key));

  it('generates 24 alphanumeric characters, returns them once, and masks them everywhere else', async () => {
    const response = await http(server).post('/api/app/create_api_key/v1').set(admin.headers).send({ title: 'Format', privileges: { view_api_keys: 1 } });
    const key: string = response.body.plain_key;
    issuedSecrets.add(key);
    expect(key).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(response.body.api_key.mask).toBe(`${key.slice(0, 4)}********${key.slice(-4)}`);
    expect(response.body.api_key).toMatchObject({ title: 'Format', active: 1, type: 'standard', privileges: { view_api_keys: 1 }, username: server.adminEmail, expires: 0, max_per_sec: 0, revision: 1 });
    const v1List = await http(server).get('/api/app/get_api_keys/v1').set(admin.headers);
    const v2List = await http(server).get('/api/v2/api-keys?limit=200').set(admin.headers);
    const v1One = await http(server).get(`/api/app/get_api_key/v1?id=${response.body.api_key.id}`).set(admin.headers);
    for (const body of [v1List.body, v2List.body, v1One.body]) expect(JSON.stringify(body)).not.toContain(key);
    expect(v1List.body.rows.map((row: { id: string }) => row.id)).toContain(response.body.api_key.id);
    const stored = await storedText(server);
    expect(stored).toContain(response.body.api_key.mask);
    expect(stored).not.toContain(key);
  });

  it('authenticates the same key in all four ways, and refuses two different keys', async () => {
    const { key } = await createKey({ privileges: { view_api_keys: 1 } });
    const ways = [
      http(server).get('/api/app/get_api_keys/v1').set('X-API-Key', key),
      http(server).get(`/api/app/get_api_keys/v1?api_key=${key}`),
      http(server).post('/api/app/get_api_keys/v1').send({ api_key: key }),
      http(server).get('/api/app/get_api_keys/v1').set('Authorization', `Bearer ${key}`),
      http(server).get('/api/v2/account').set('X-API-Key', key),
    ];
    for (const response of await Promise.all(ways)) {
      expect(response.status).toBe(200);
      expect(response.body.code ?? 0).toBe(0);
    }
    const account = await http(server).get('/api/v2/account').set('Authorization', `Bearer ${key}`);
    expect(account.body).toMatchObject({ principal: { type: 'api_key' }, authenticated_by: 'api_key', user_id: null });
    const other = await createKey({ privileges: { view_api_keys: 1 } });
    expectV1Error(await http(server).get(`/api/app/get_api_keys/v1?api_key=${other.key}`).set('X-API-Key', key), 400, 'api');
    expectProblem(await http(server).get('/api/v2/api-keys').set({ 'X-API-Key': key, Authorization: `Bearer ${other.key}` }), 400, 'api');
  });

  it('answers unknown, disabled, expired, revoked and rotated keys with the exact errors', async () => {
    expectV1Error(await listKeys('NoSuchKeyNoSuchKey123456'), 403, 'session', 'Invalid API Key');
    expect(expectProblem(await http(server).get('/api/v2/api-keys').set(asKey('NoSuchKeyNoSuchKey123456')), 401, 'session').detail).toBe('Invalid API Key');

    const disabled = await createKey({ privileges: { view_api_keys: 1 }, active: 0 });
    expectV1Error(await listKeys(disabled.key), 400, 'api', 'API Key is disabled');
    expect(expectProblem(await http(server).get('/api/v2/api-keys').set(asKey(disabled.key)), 401, 'api').detail).toBe('API Key is disabled');

    const expiring = await createKey({ privileges: { view_api_keys: 1 }, expires: Math.floor(Date.now() / 1000) + 2 });
    expect((await listKeys(expiring.key)).status).toBe(200);
    await sleep(2100);
    expectV1Error(await listKeys(expiring.key), 400, 'api', 'API Key is expired');

    const revoked = await createKey({ privileges: { view_api_keys: 1 } });
    expect((await listKeys(revoked.key)).status).toBe(200);
    expect((await http(server).post('/api/app/delete_api_key/v1').set(admin.headers).send({ id: revoked.id })).body).toEqual({ code: 0 });
    expectV1Error(await listKeys(revoked.key), 400, 'api', 'API Key is disabled');
    const listed = await http(server).get('/api/app/get_api_keys/v1?limit=1000').set(admin.headers);
    expect(listed.body.rows.map((row: { id: string }) => row.id)).not.toContain(revoked.id);
    expectV1Error(await http(server).get(`/api/app/get_api_key/v1?id=${revoked.id}`).set(admin.headers), 404, 'notfound', `API Key not found: ${revoked.id}`);
    const v2Read = await http(server).get(`/api/v2/api-keys/${revoked.id}`).set(admin.headers);
    expect(v2Read.body).toMatchObject({ status: 'revoked', revoked_at: expect.any(String) });
    const revokedList = await http(server).get('/api/v2/api-keys?status=revoked').set(admin.headers);
    expect(revokedList.body.data.map((row: { id: string }) => row.id)).toContain(revoked.id);

    const deactivated = await createKey({ privileges: { view_api_keys: 1 } });
    await http(server).post('/api/app/update_api_key/v1').set(admin.headers).send({ id: deactivated.id, active: 0 });
    expectV1Error(await listKeys(deactivated.key), 400, 'api', 'API Key is disabled');
  });

  it('judges each credential on a keep-alive connection by itself (the fingerprint a connection remembers is its own)', async () => {
    const { request, Agent } = await import('node:http');
    // One socket for every request below: the connection remembers the fingerprint of the last credential.
    const agent = new Agent({ keepAlive: true, maxSockets: 1 });
    const ports = new Set<number>();
    const account = (headers: Record<string, string>) =>
      new Promise<{ status: number; body: Record<string, unknown> }>((resolve, reject) => {
        const outgoing = request(`${server.url}/api/v2/account`, { agent, headers }, (response) => {
          ports.add(response.socket.localPort ?? 0);
          const chunks: Buffer[] = [];
          response.on('data', (chunk: Buffer) => chunks.push(chunk));
          response.on('end', () => resolve({ status: response.statusCode ?? 0, body: JSON.parse(Buffer.concat(chunks).toString('utf8')) }));
        });
        outgoing.on('error', reject);
        outgoing.end();
      });
    try {
      const first = await createKey({ privileges: { view_api_keys: 1 } });
      const second = await createKey({ privileges: { create_api_keys: 1 } });
      const principalOf = (response: { body: Record<string, unknown> }) => (response.body.principal as { id: string }).id;
      expect(principalOf(await account(asKey(first.key)))).toBe(first.id);
      expect(principalOf(await account(asKey(second.key)))).toBe(second.id);
      // A value one character away from a key this connection just used is unknown, not that key.
      const near = `${first.key.slice(0, -1)}${first.key.endsWith('a') ? 'b' : 'a'}`;
      expect((await account(asKey(first.key))).status).toBe(200);
      expect((await account(asKey(near))).status).toBe(401);
      expect((await account({ Authorization: `Bearer ${near}` })).status).toBe(401);
      // A session on the same connection is a user; the key after it is the key again.
      expect((await account(admin.headers)).body).toMatchObject({ principal: { type: 'user' } });
      expect(principalOf(await account(asKey(first.key)))).toBe(first.id);
      // Revoked while the connection remembers it: refused on the next request.
      expect((await http(server).post('/api/app/delete_api_key/v1').set(admin.headers).send({ id: first.id })).body).toEqual({ code: 0 });
      expect((await account(asKey(first.key))).status).toBe(401);
      expect(principalOf(await account(asKey(second.key)))).toBe(second.id);
      expect(ports.size).toBe(1);
    } finally {
      agent.destroy();
    }
  });

  it('rotates with a grace period: both keys work until it ends, then the old one is disabled', async () => {
    const old = await createKey({ privileges: { view_api_keys: 1 }, max_per_sec: 50, categories: ['ci'] });
    const rotated = await http(server).post('/api/app/rotate_api_key/v1').set(admin.headers).send({ id: old.id, grace_seconds: 2 });
    expect(rotated.body.code).toBe(0);
    issuedSecrets.add(rotated.body.plain_key);
    expect(rotated.body.plain_key).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(rotated.body.api_key).toMatchObject({ title: 'Test key', privileges: { view_api_keys: 1 }, max_per_sec: 50, categories: ['ci'] });
    expect((await listKeys(old.key)).status).toBe(200);
    expect((await listKeys(rotated.body.plain_key)).status).toBe(200);
    const oldRecord = await http(server).get(`/api/v2/api-keys/${old.id}`).set(admin.headers);
    expect(oldRecord.body).toMatchObject({ rotated_to: rotated.body.api_key.id, grace_until: expect.any(String) });
    const newRecord = await http(server).get(`/api/v2/api-keys/${rotated.body.api_key.id}`).set(admin.headers);
    expect(newRecord.body.rotated_from).toBe(old.id);
    await sleep(2100);
    expectV1Error(await listKeys(old.key), 400, 'api', 'API Key is disabled');
    expect((await listKeys(rotated.body.plain_key)).status).toBe(200);
    expectProblem(await http(server).post(`/api/v2/api-keys/${old.id}/rotate`).set(admin.headers).send({}), 409, 'conflict');

    const immediate = await createKey({ privileges: { view_api_keys: 1 } });
    const v2 = await http(server).post(`/api/v2/api-keys/${immediate.id}/rotate`).set(admin.headers).send({});
    expect(v2.status).toBe(201);
    issuedSecrets.add(v2.body.secret);
    expectV1Error(await listKeys(immediate.key), 400, 'api', 'API Key is disabled');
    expect((await listKeys(v2.body.secret)).status).toBe(200);
    expectProblem(await http(server).post(`/api/v2/api-keys/${v2.body.api_key.id}/rotate`).set(admin.headers).send({ grace_seconds: 604801 }), 400, 'validation');
  });

  it('enforces max_per_sec per wall-clock second: exactly 3 of 10 accepted, then it works again', async () => {
    const { key } = await createKey({ privileges: { view_api_keys: 1 }, max_per_sec: 3 });
    await sleep(1000 - (Date.now() % 1000) + 20);
    const responses = await Promise.all(Array.from({ length: 10 }, () => listKeys(key)));
    const accepted = responses.filter((response) => response.status === 200);
    const refused = responses.filter((response) => response.status === 429);
    expect(accepted).toHaveLength(3);
    expect(refused).toHaveLength(7);
    for (const response of refused) {
      expect(response.body).toEqual({ code: 'rate', description: 'API Key has exceeded rate limit (3/sec)' });
      expect(response.headers['retry-after']).toBe('1');
    }
    const single = await createKey({ privileges: { view_api_keys: 1 }, max_per_sec: 1 });
    await sleep(1000 - (Date.now() % 1000) + 20);
    const [first, second] = [await http(server).get('/api/v2/api-keys').set(asKey(single.key)), await http(server).get('/api/v2/api-keys').set(asKey(single.key))];
    expect(first.status).toBe(200);
    expect(expectProblem(second, 429, 'rate').detail).toBe('API Key has exceeded rate limit (1/sec)');
    expect(second.headers['retry-after']).toBe('1');
    await sleep(1100);
    const again = await listKeys(key);
    expect(again.status).toBe(200);
    expect(again.headers['ratelimit-limit']).toBe('3');
  });

  it('sends RateLimit headers on authenticated responses', async () => {
    const response = await http(server).get('/api/v2/api-keys').set(admin.headers);
    expect(Number(response.headers['ratelimit-limit'])).toBeGreaterThan(0);
    expect(Number(response.headers['ratelimit-remaining'])).toBeGreaterThanOrEqual(0);
    expect(Number(response.headers['ratelimit-reset'])).toBeGreaterThan(0);
  });

  describe('verify', () => {
    let verifier: Issued;

    beforeAll(async () => {
      verifier = await createKey({ title: 'Verifier', privileges: { verify_api_keys: 1 } });
    });

    const verify = (body: object, key = verifier.key) => http(server).post('/api/v2/api-keys/verify').set(asKey(key)).send(body);

    it('answers valid with the key\'s organization, privileges, expiry and rate limit', async () => {
      const key = await createKey({ privileges: { run_jobs: 1 }, max_per_sec: 5, expires: Math.floor(Date.now() / 1000) + 3600 });
      const response = await verify({ key: key.key, privilege: 'run_jobs' });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({
        valid: true,
        code: null,
        key_id: key.id,
        organization_id: admin.organizationId,
        privileges: ['run_jobs'],
        expires_at: expect.any(String),
        ratelimit: { limit: 5, remaining: 4, reset: 1 },
      });
      expect(response.body.description).toBeUndefined();
    });

    it('answers a missing privilege, category or group with the v1 access messages', async () => {
      const key = await createKey({ privileges: { create_events: 1 }, categories: ['staging'], groups: ['web'] });
      expect((await verify({ key: key.key, privilege: 'run_jobs' })).body).toMatchObject({
        valid: false,
        code: 'access',
        description: "You do not have the 'Run Jobs' privilege required to perform this action.",
      });
      expect((await verify({ key: key.key, category: 'production' })).body).toMatchObject({
        valid: false,
        code: 'access',
        description: 'You do not have the required account privileges to access category ID production.',
      });
      expect((await verify({ key: key.key, group: 'db' })).body).toMatchObject({
        valid: false,
        description: 'You do not have the required account privileges to access group ID db.',
      });
      expect((await verify({ key: key.key, category: 'staging', group: 'web', privilege: 'create_events' })).body.valid).toBe(true);
    });

    it('answers unknown, disabled and rate-limited keys as v1 would, with 200', async () => {
      const unknown = await verify({ key: 'UnknownUnknownUnknown123' });
      expect(unknown.status).toBe(200);
      expect(unknown.body).toMatchObject({ valid: false, code: 'session', description: 'Invalid API Key', key_id: null });
      const disabled = await createKey({ active: 0 });
      expect((await verify({ key: disabled.key })).body).toMatchObject({ valid: false, code: 'api', description: 'API Key is disabled' });
      const limited = await createKey({ max_per_sec: 1 });
      await sleep(1000 - (Date.now() % 1000) + 20);
      await verify({ key: limited.key });
      expect((await verify({ key: limited.key })).body).toMatchObject({ valid: false, code: 'rate', description: 'API Key has exceeded rate limit (1/sec)' });
    });

    it('requires verify_api_keys', async () => {
      const plain = await createKey({ privileges: { view_api_keys: 1 } });
      const problem = expectProblem(await verify({ key: plain.key }, plain.key), 403, 'access');
      expect(problem.detail).toBe("You do not have the 'Verify API Keys' privilege required to perform this action.");
    });

    it('counts verifications as usage of the verified key', async () => {
      const key = await createKey({});
      for (let i = 0; i < 3; i += 1) await verify({ key: key.key });
      // Written behind: the count once it is there, and it must be exactly 3.
      const usage = await eventually(() => http(server).get(`/api/v2/api-keys/${key.id}/usage`).set(admin.headers), (read) => read.body.this_month >= 3);
      expect(usage.body.this_month).toBe(3);
    });
  });

  it('lets a registration key do nothing but be verified for register_servers', async () => {
    const registration = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Template key', type: 'registration' });
    expect(registration.status).toBe(201);
    issuedSecrets.add(registration.body.secret);
    expect(registration.body.api_key).toMatchObject({ type: 'registration', privileges: ['register_servers'] });
    const key = registration.body.secret;
    const refusal = 'A registration key can only register servers; it cannot call this API.';
    expectV1Error(await listKeys(key), 403, 'access', refusal);
    expectV1Error(await http(server).get('/api/app/get_roles/v1').set(asKey(key)), 403, 'access', refusal);
    expect(expectProblem(await http(server).get('/api/v2/account').set(asKey(key)), 403, 'access').detail).toBe(refusal);
    expectProblem(await http(server).get(`/api/v2/api-keys/${registration.body.api_key.id}`).set(asKey(key)), 403, 'access');
    const widened = await http(server).patch(`/api/v2/api-keys/${registration.body.api_key.id}`).set(admin.headers).send({ privileges: ['admin'] });
    expectProblem(widened, 400, 'validation');
    expectProblem(await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Wide', type: 'registration', privileges: ['run_jobs'] }), 400, 'validation');
    const verifier = await createKey({ privileges: { verify_api_keys: 1 } });
    const verified = await http(server).post('/api/v2/api-keys/verify').set(asKey(verifier.key)).send({ key, privilege: 'register_servers' });
    expect(verified.body).toMatchObject({ valid: true, privileges: ['register_servers'] });
    const other = await http(server).post('/api/v2/api-keys/verify').set(asKey(verifier.key)).send({ key, privilege: 'run_jobs' });
    expect(other.body).toMatchObject({ valid: false, code: 'access' });
  });

  it('imports an existing key of at least 16 characters', async () => {
    const imported = 'legacy-system-key-0001';
    const response = await http(server).post('/api/app/create_api_key/v1').set(admin.headers).send({ title: 'Imported', key: imported, privileges: { view_api_keys: 1 } });
    issuedSecrets.add(imported);
    expect(response.body).toMatchObject({ code: 0, plain_key: imported, api_key: { mask: 'lega********0001' } });
    expect((await listKeys(imported)).status).toBe(200);
    expectV1Error(await http(server).post('/api/app/create_api_key/v1').set(admin.headers).send({ title: 'Short', key: 'too-short' }), 400, 'api');
    expectV1Error(await http(server).post('/api/app/create_api_key/v1').set(admin.headers).send({ title: 'Again', key: imported }), 400, 'api', 'This key is already in use; choose another.');
  });

  it('updates with a shallow merge, ignores `key`, and refuses widening beyond the caller', async () => {
    const issued = await createKey({ privileges: { view_api_keys: 1 }, description: 'before' });
    const updated = await http(server).post('/api/app/update_api_key/v1').set(admin.headers).send({ id: issued.id, title: 'Renamed', key: 'attempted-new-key-value' });
    expect(updated.body.api_key).toMatchObject({ title: 'Renamed', description: 'before', privileges: { view_api_keys: 1 }, revision: 2 });
    expect((await listKeys(issued.key)).status).toBe(200);
    expectV1Error(await listKeys('attempted-new-key-value'), 403, 'session', 'Invalid API Key');

    const limited = await memberSession(server, admin, admin.organizationId, { privileges: ['create_api_keys', 'edit_api_keys', 'view_api_keys', 'run_jobs'], categories: ['ci'] });
    const wider = await http(server).post('/api/v2/api-keys').set(limited.headers).send({ title: 'x', privileges: ['abort_jobs'], categories: ['ci'] });
    expect(expectProblem(wider, 403, 'access').detail).toBe("You do not have the 'Abort Jobs' privilege required to perform this action.");
    const unrestricted = await http(server).post('/api/v2/api-keys').set(limited.headers).send({ title: 'x', privileges: ['run_jobs'] });
    expectProblem(unrestricted, 403, 'access');
    const own = await http(server).post('/api/v2/api-keys').set(limited.headers).send({ title: 'ok', privileges: ['run_jobs'], categories: ['ci'] });
    expect(own.status).toBe(201);
    issuedSecrets.add(own.body.secret);
    expect(own.body.api_key.created_by).toMatchObject({ type: 'user', id: limited.userId, name: limited.email });
    const widen = await http(server).patch(`/api/v2/api-keys/${own.body.api_key.id}`).set(limited.headers).send({ privileges: ['run_jobs', 'admin'] });
    expectProblem(widen, 403, 'access');
  });

  it('keeps a key editable after a role it carried is deleted', async () => {
    const role = await http(server).post('/api/v2/roles').set(admin.headers).send({ title: 'Short-lived', privileges: ['run_jobs'] });
    const issued = await createKey({ roles: [role.body.id] });
    await http(server).delete(`/api/v2/roles/${role.body.id}`).set(admin.headers);
    const read = await http(server).get(`/api/v2/api-keys/${issued.id}`).set(admin.headers);
    expect(read.body.roles).toEqual([]);
    expect((await http(server).patch(`/api/v2/api-keys/${issued.id}`).set(admin.headers).send({ title: 'Still editable' })).status).toBe(200);
  });

  it('records every change with the acting principal, a key\'s id when a key acted', async () => {
    const manager = await createKey({ privileges: { create_api_keys: 1, edit_api_keys: 1, delete_api_keys: 1, view_api_keys: 1, run_jobs: 1 } });
    const created = await http(server).post('/api/v2/api-keys').set(asKey(manager.key)).send({ title: 'By a key', privileges: ['run_jobs'] });
    expect(created.status).toBe(201);
    issuedSecrets.add(created.body.secret);
    expect(created.body.api_key.created_by).toEqual({ type: 'api_key', id: manager.id, name: manager.id });
    const id = created.body.api_key.id;
    await http(server).patch(`/api/v2/api-keys/${id}`).set(asKey(manager.key)).send({ description: 'changed' });
    const rotation = await http(server).post(`/api/v2/api-keys/${id}/rotate`).set(asKey(manager.key)).send({ grace_seconds: 60 });
    issuedSecrets.add(rotation.body.secret);
    await http(server).delete(`/api/v2/api-keys/${rotation.body.api_key.id}`).set(asKey(manager.key));
    const activity = await http(server).get(`/api/v2/activity?actor_type=api_key&actor_id=${manager.id}`).set(admin.headers);
    expect(activity.body.data.map((record: { action: string }) => record.action).sort()).toEqual(['apikey_create', 'apikey_delete', 'apikey_rotate', 'apikey_update']);
    for (const record of activity.body.data) expect(record.actor).toEqual({ type: 'api_key', id: manager.id });
    expect(JSON.stringify(activity.body)).not.toContain(created.body.secret);
  });

  it('counts usage exactly after a flush, and keeps it across a graceful restart', async () => {
    const { id, key } = await createKey({ privileges: { view_api_keys: 1 } });
    for (let i = 0; i < 7; i += 1) expect((await listKeys(key)).status).toBe(200);
    const usage = await eventually(() => http(server).get(`/api/app/get_api_key_usage/v1?id=${id}`).set(admin.headers), (read) => read.body.usage?.month >= 7);
    expect(usage.body.code).toBe(0);
    expect(usage.body.usage.month).toBe(7);
    expect(usage.body.usage.days).toHaveLength(30);
    expect(usage.body.usage.days[29]).toEqual({ date: new Date().toISOString().slice(0, 10), count: 7 });
    expect(usage.body.usage.last_used_ip).toBe('127.0.0.1');
    expect(usage.body.usage.last_used).toBeGreaterThan(0);

    for (let i = 0; i < 3; i += 1) await listKeys(key);
    await server.restart({ USAGE_FLUSH_INTERVAL_MS: '60000' });
    admin = await loginAsAdmin(server);
    const after = await http(server).get(`/api/v2/api-keys/${id}/usage`).set(admin.headers);
    expect(after.body).toMatchObject({ this_month: 10, last_used_ip: '127.0.0.1' });
    const record = await http(server).get(`/api/v2/api-keys/${id}`).set(admin.headers);
    expect(record.body.last_used_at).not.toBeNull();
  });

  it('filters and pages the v2 list', async () => {
    await createKey({ title: 'Needle in haystack' });
    const found = await http(server).get('/api/v2/api-keys?q=needle').set(admin.headers);
    expect(found.body.data.map((key: { title: string }) => key.title)).toEqual(['Needle in haystack']);
    const percent = await http(server).get('/api/v2/api-keys?q=%25').set(admin.headers);
    expect(percent.body.data).toEqual([]);
    const active = await http(server).get('/api/v2/api-keys?status=active&limit=200').set(admin.headers);
    expect(active.body.data.every((key: { status: string }) => key.status === 'active')).toBe(true);
    const expired = await http(server).get('/api/v2/api-keys?status=expired').set(admin.headers);
    expect(expired.body.data.length).toBeGreaterThanOrEqual(1);
    const pages: string[] = [];
    let cursor: string | null = null;
    do {
      const page: { body: { data: Array<{ id: string }>; next_cursor: string | null } } = await http(server)
        .get(`/api/v2/api-keys?limit=4${cursor ? `&cursor=${cursor}` : ''}`)
        .set(admin.headers);
      pages.push(...page.body.data.map((key) => key.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(pages).size).toBe(pages.length);
    expect(pages.length).toBe((await http(server).get('/api/v2/api-keys?limit=200').set(admin.headers)).body.data.length);
  });

  describe('tenant isolation', () => {
    it('keeps keys of one organization out of reach of another and of its parent', async () => {
      const aId = await createSubAccount(server, admin, 'Key Tenant A');
      const bId = await createSubAccount(server, admin, 'Key Tenant B');
      const all = ['view_api_keys', 'create_api_keys', 'edit_api_keys', 'delete_api_keys', 'verify_api_keys'];
      const aAdmin = await memberSession(server, admin, aId, { privileges: ['admin'] });
      const bAdmin = await memberSession(server, admin, bId, { privileges: ['admin'] });
      const aKey = await createKey({ privileges: Object.fromEntries(all.map((p) => [p, 1])) }, aAdmin.headers);
      const bKey = await createKey({ privileges: { view_api_keys: 1 } }, bAdmin.headers);
      const before = (await http(server).get(`/api/v2/api-keys/${bKey.id}`).set(bAdmin.headers)).body;

      const calls = () => [
        http(server).get(`/api/v2/api-keys/${bKey.id}`),
        http(server).patch(`/api/v2/api-keys/${bKey.id}`).send({ title: 'Stolen' }),
        http(server).delete(`/api/v2/api-keys/${bKey.id}`),
        http(server).post(`/api/v2/api-keys/${bKey.id}/rotate`).send({}),
        http(server).get(`/api/v2/api-keys/${bKey.id}/usage`),
      ];
      for (const headers of [asKey(aKey.key), aAdmin.headers]) {
        for (const call of calls()) {
          const response = await call.set(headers);
          expect({ status: response.status, code: response.body.code }).toEqual({ status: 404, code: 'notfound' });
        }
      }
      for (const call of ['get_api_key', 'update_api_key', 'delete_api_key', 'rotate_api_key', 'get_api_key_usage']) {
        const response = await http(server).post(`/api/app/${call}/v1`).set(asKey(aKey.key)).send({ id: bKey.id, title: 'Stolen' });
        expect(response.body).toEqual({ code: 'notfound', description: `API Key not found: ${bKey.id}` });
      }
      const verified = await http(server).post('/api/v2/api-keys/verify').set(asKey(aKey.key)).send({ key: bKey.key });
      expect(verified.body).toMatchObject({ valid: false, code: 'session', description: 'Invalid API Key' });
      // A disabled key elsewhere is answered as unknown too: its state says nothing to outsiders.
      const bDisabled = await createKey({ active: 0 }, bAdmin.headers);
      const disabledElsewhere = await http(server).post('/api/v2/api-keys/verify').set(asKey(aKey.key)).send({ key: bDisabled.key });
      expect(disabledElsewhere.body).toMatchObject({ valid: false, code: 'session', description: 'Invalid API Key' });
      expect((await http(server).get(`/api/v2/api-keys/${bKey.id}`).set(bAdmin.headers)).body).toEqual(before);
      expect((await listKeys(bKey.key)).status).toBe(200);

      // A parent's key is bound to the parent: it cannot reach the sub-account, even when asking to.
      const parentKey = await createKey({ privileges: Object.fromEntries(all.map((p) => [p, 1])) });
      const intoChild = await http(server).get(`/api/v2/api-keys/${aKey.id}`).set({ ...asKey(parentKey.key), 'X-Organization-Id': aId });
      expectProblem(intoChild, 404, 'notfound');
      expectProblem(await http(server).get(`/api/v2/organizations/${aId}`).set(asKey(parentKey.key)), 404, 'notfound');
      const childList = await http(server).get('/api/v2/api-keys?limit=200').set({ ...asKey(parentKey.key), 'X-Organization-Id': aId });
      expect(childList.body.data.map((key: { id: string }) => key.id)).not.toContain(aKey.id);
      const parentVerifies = await http(server).post('/api/v2/api-keys/verify').set(asKey(parentKey.key)).send({ key: aKey.key });
      expect(parentVerifies.body).toMatchObject({ valid: false, description: 'Invalid API Key' });
      const adminVerifies = await http(server).post('/api/v2/api-keys/verify').set(admin.headers).send({ key: aKey.key });
      expect(adminVerifies.body.valid).toBe(true);
    });
  });

  it('logged none of the keys, passwords or session ids the tests used', () => {
    expectNoSecretsInLogs(server);
  });
});

describe('global rate limits', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('global-limits', { env: { RATE_LIMIT_READS_PER_MINUTE: '5', RATE_LIMIT_WRITES_PER_MINUTE: '2' } });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('limits each principal per minute, writes more strictly than reads, with RateLimit headers', async () => {
    const first = await loginAsAdmin(server);
    const second = await memberSession(server, first, first.organizationId, { privileges: ['create_roles'] });
    const reads = [];
    for (let i = 0; i < 6; i += 1) reads.push(await http(server).get('/api/v2/account').set(first.headers));
    expect(reads.slice(0, 5).map((response) => response.status)).toEqual([200, 200, 200, 200, 200]);
    expect(reads[0].headers['ratelimit-limit']).toBe('5');
    expect(reads[4].headers['ratelimit-remaining']).toBe('0');
    const refused = expectProblem(reads[5], 429, 'rate');
    expect(refused.detail).toMatch(/^Rate limit exceeded: 5 reads per minute/);
    expect(Number(reads[5].headers['retry-after'])).toBeGreaterThan(0);
    expect(reads[5].headers['ratelimit-remaining']).toBe('0');
    expectV1Error(await http(server).get('/api/app/get_roles/v1').set(first.headers), 429, 'rate');

    // The member creation above was the admin's first write of the minute.
    const writes = [];
    for (let i = 0; i < 2; i += 1) writes.push(await http(server).post('/api/v2/roles').set(first.headers).send({ title: `r${i}` }));
    expect(writes.map((response) => response.status)).toEqual([201, 429]);

    // Another principal has its own budget.
    expect((await http(server).get('/api/v2/account').set(second.headers)).status).toBe(200);
    expect((await http(server).post('/api/v2/roles').set(second.headers).send({ title: 'theirs' })).status).toBe(201);
  });
});
