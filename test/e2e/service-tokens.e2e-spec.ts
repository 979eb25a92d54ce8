import { expectNoSecretsInLogs, expectProblem, expectV1Error, http, issuedSecrets, loginAsAdmin, requestFrom, Session, metricValue, missingPrivilege } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { storedText } from '../support/storage';
import { createSubAccount, memberSession } from '../support/tenants';

const missing = missingPrivilege;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('service tokens', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    // Listening on :: serves IPv6 clients and IPv4 ones (seen as ::ffff:127.0.0.x); 127.0.0.2 plays a trusted proxy.
    server = await startServer('service-tokens', { env: { HOST: '::', TRUST_PROXY: '127.0.0.2', USAGE_FLUSH_INTERVAL_MS: '200', WEBHOOK_POLL_MS: '600000' } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const createToken = async (owner: Session, body: Record<string, unknown> = {}) => {
    const response = await http(server).post('/api/v2/service-tokens').set(owner.headers).send({ name: 'CI pipeline', ...body });
    if (response.status !== 201) throw new Error(`token: ${response.status} ${JSON.stringify(response.body)}`);
    issuedSecrets.add(response.body.secret);
    return { id: response.body.service_token.id as string, secret: response.body.secret as string, clientId: response.body.service_token.client_id as string, body: response.body };
  };
  const bearer = (secret: string) => ({ Authorization: `Bearer ${secret}` });

  it('creates a prefixed token shown once, and stores no plaintext', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens', 'view_api_keys'] });
    const token = await createToken(owner);
    expect(token.secret).toMatch(/^kst_[A-Za-z0-9]{46}$/);
    expect(token.body.service_token).toMatchObject({ name: 'CI pipeline', owner_id: owner.userId, organization_id: admin.organizationId, privileges: null, ip_ranges: [], expires_at: null, status: 'active' });
    expect(token.body.service_token.client_id).toMatch(/^kstc_/);
    const read = await http(server).get(`/api/v2/service-tokens/${token.id}`).set(owner.headers);
    expect(JSON.stringify(read.body)).not.toContain(token.secret);
    const stored = await storedText(server);
    expect(stored).toContain(token.body.service_token.mask);
    expect(stored).not.toContain(token.secret);
  });

  it('works as Bearer on v1 and v2 and does exactly what its owner can, following the owner\'s changes', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens', 'view_api_keys', 'view_activity'] });
    const token = await createToken(owner);
    const account = await http(server).get('/api/v2/account').set(bearer(token.secret));
    expect(account.body).toMatchObject({ principal: { type: 'service_token', id: token.id }, authenticated_by: 'service_token', user_id: owner.userId, organization_id: admin.organizationId });
    expect(account.body.privileges).toEqual(['create_service_tokens', 'view_activity', 'view_api_keys']);
    expect((await http(server).get('/api/app/get_api_keys/v1').set(bearer(token.secret))).body.code).toBe(0);
    expect((await http(server).get('/api/v2/activity').set(bearer(token.secret))).status).toBe(200);
    expectV1Error(await http(server).post('/api/app/create_role/v1').set(bearer(token.secret)).send({ title: 'x' }), 403, 'access', missing('Create Roles'));

    await http(server).patch(`/api/v2/organizations/${admin.organizationId}/members/${owner.userId}`).set(admin.headers).send({ privileges: ['create_service_tokens', 'view_api_keys'] });
    const lost = expectProblem(await http(server).get('/api/v2/activity').set(bearer(token.secret)), 403, 'access');
    expect(lost.detail).toBe(missing('View Activity'));

    await http(server).patch(`/api/v2/organizations/${admin.organizationId}/members/${owner.userId}`).set(admin.headers).send({ active: false });
    expectV1Error(
      await http(server).get('/api/app/get_api_keys/v1').set(bearer(token.secret)),
      403,
      'session',
      'The owner of this service token no longer has access to its organization.',
    );
    expect((await http(server).get('/api/v2/account').set(bearer(token.secret))).status).toBe(401);
    await http(server).patch(`/api/v2/organizations/${admin.organizationId}/members/${owner.userId}`).set(admin.headers).send({ active: true });
    expect((await http(server).get('/api/v2/account').set(bearer(token.secret))).status).toBe(200);

    await http(server).delete(`/api/v2/organizations/${admin.organizationId}/members/${owner.userId}`).set(admin.headers);
    const removed = expectProblem(await http(server).get('/api/v2/account').set(bearer(token.secret)), 401, 'session');
    expect(removed.detail).toBe('The owner of this service token no longer has access to its organization.');
  });

  it('narrows to a list of the owner\'s privileges, and refuses a token wider than its creator', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens', 'view_api_keys', 'view_activity'] });
    const narrow = await createToken(owner, { privileges: ['view_api_keys'] });
    expect((await http(server).get('/api/v2/account').set(bearer(narrow.secret))).body.privileges).toEqual(['view_api_keys']);
    expectProblem(await http(server).get('/api/v2/activity').set(bearer(narrow.secret)), 403, 'access');
    const wider = await http(server).post('/api/v2/service-tokens').set(owner.headers).send({ name: 'wide', privileges: ['admin'] });
    expect(expectProblem(wider, 403, 'access').detail).toBe(missing('Administrator'));
    const widened = await http(server).patch(`/api/v2/service-tokens/${narrow.id}`).set(owner.headers).send({ privileges: ['run_jobs'] });
    expect(expectProblem(widened, 403, 'access').detail).toBe(missing('Run Jobs'));
    const noPrivilege = await memberSession(server, admin, admin.organizationId, { privileges: ['view_api_keys'] });
    expect(expectProblem(await http(server).post('/api/v2/service-tokens').set(noPrivilege.headers).send({ name: 'x' }), 403, 'access').detail).toBe(missing('Create Service Tokens'));
    const apiKey = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'k', privileges: ['create_service_tokens'] });
    issuedSecrets.add(apiKey.body.secret);
    expectProblem(await http(server).post('/api/v2/service-tokens').set({ 'X-API-Key': apiKey.body.secret }).send({ name: 'x' }), 403, 'access');
    const creator = await createToken(owner, { privileges: ['create_service_tokens', 'view_api_keys'] });
    const child = await http(server).post('/api/v2/service-tokens').set(bearer(creator.secret)).send({ name: 'child' });
    issuedSecrets.add(child.body.secret);
    expect(child.body.service_token).toMatchObject({ owner_id: owner.userId, privileges: ['create_service_tokens', 'view_api_keys'] });
  });

  it('does not let a token change tokens (it could widen itself or drop its IP binding)', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['admin'] });
    const token = await createToken(owner, { privileges: ['view_api_keys'], ip_ranges: ['127.0.0.0/8'] });
    const headers = { ...bearer(token.secret), 'X-User-Id': token.clientId };
    for (const call of [
      http(server).patch(`/api/v2/service-tokens/${token.id}`).send({ privileges: null, ip_ranges: [] }),
      http(server).post(`/api/v2/service-tokens/${token.id}/rotate`).send({}),
    ]) {
      const problem = expectProblem(await call.set(headers), 403, 'access');
      expect(problem.detail).toBe('A service token cannot change service tokens; sign in as their owner.');
    }
    const unchanged = await http(server).get(`/api/v2/service-tokens/${token.id}`).set(owner.headers);
    expect(unchanged.body).toMatchObject({ privileges: ['view_api_keys'], ip_ranges: ['127.0.0.0/8'] });
  });

  it('refuses a bad checksum without touching the database', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens'] });
    const token = await createToken(owner);
    const forged = token.secret.slice(0, -1) + (token.secret.endsWith('A') ? 'B' : 'A');
    const queries = () => metricValue(server, 'keyward_db_queries_total');
    // Let the usage of the earlier requests be written first (flushes run every 200 ms here).
    await new Promise((resolve) => setTimeout(resolve, 700));
    const before = await queries();
    for (let i = 0; i < 5; i += 1) {
      const problem = expectProblem(await http(server).get('/api/v2/account').set(bearer(forged)), 401, 'session');
      expect(problem.detail).toBe('Invalid service token.');
    }
    expect(await queries()).toBe(before);
    expectV1Error(await http(server).get('/api/app/get_roles/v1').set(bearer(forged)), 403, 'session', 'Invalid service token.');
  });

  describe('bound to IP ranges', () => {
    let owner: Session;
    const url = (host: string, path = '/api/v2/account') => `http://${host}:${server.port}${path}`;

    beforeAll(async () => {
      owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens', 'view_api_keys'] });
    });

    it('needs X-User-Id with its client id and an address inside a range', async () => {
      const token = await createToken(owner, { ip_ranges: ['127.0.0.1/32', '10.9.0.0/16'] });
      expect(token.body.service_token.ip_ranges).toEqual(['127.0.0.1/32', '10.9.0.0/16']);
      const headers = { ...bearer(token.secret), 'X-User-Id': token.clientId };
      expect((await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.1', headers })).status).toBe(200);

      const noId = await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.1', headers: bearer(token.secret) });
      expect(noId.status).toBe(401);
      expect(noId.body.detail).toBe('This service token is bound to IP ranges: send its client id in X-User-Id.');
      const other = await createToken(owner, { ip_ranges: ['127.0.0.1/32'] });
      const wrongId = await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.1', headers: { ...bearer(token.secret), 'X-User-Id': other.clientId } });
      expect(wrongId.status).toBe(401);
      const v1NoId = await requestFrom(url('127.0.0.1', '/api/app/get_api_keys/v1'), { localAddress: '127.0.0.1', headers: bearer(token.secret) });
      expect(v1NoId.status).toBe(403);
      expect(v1NoId.body.code).toBe('session');

      const outside = await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.3', headers });
      expect(outside.status).toBe(403);
      expect(outside.body).toMatchObject({ code: 'access', detail: 'This service token may not be used from this address.' });
      expect(JSON.stringify(outside.body)).not.toMatch(/127\.0\.0\.[13]|10\.9/);
    });

    it('handles range edges and IPv6 ranges', async () => {
      const edges = await createToken(owner, { ip_ranges: ['127.0.0.4/31'] });
      const headers = { ...bearer(edges.secret), 'X-User-Id': edges.clientId };
      expect((await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.4', headers })).status).toBe(200);
      expect((await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.5', headers })).status).toBe(200);
      expect((await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.6', headers })).status).toBe(403);
      expect((await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.3', headers })).status).toBe(403);

      const v6 = await createToken(owner, { ip_ranges: ['::1/128'] });
      const v6Headers = { ...bearer(v6.secret), 'X-User-Id': v6.clientId };
      expect((await requestFrom(url('[::1]'), { localAddress: '::1', headers: v6Headers })).status).toBe(200);
      expect((await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.1', headers: v6Headers })).status).toBe(403);
      const mapped = await createToken(owner, { ip_ranges: ['::ffff:127.0.0.1/128'] });
      expect(mapped.body.service_token.ip_ranges).toEqual(['127.0.0.1/32']);
      expectProblem(await http(server).post('/api/v2/service-tokens').set(owner.headers).send({ name: 'bad', ip_ranges: ['10.0.0.0/33'] }), 400, 'validation');
      expectProblem(await http(server).post('/api/v2/service-tokens').set(owner.headers).send({ name: 'bad', ip_ranges: ['not-an-ip'] }), 400, 'validation');
    });

    it('marks the session cookie Secure when a trusted proxy says the request came over HTTPS', async () => {
      const body = { email: server.adminEmail, password: server.adminPassword };
      const viaProxy = await requestFrom(url('127.0.0.1', '/api/v2/auth/login'), { localAddress: '127.0.0.2', method: 'POST', headers: { 'X-Forwarded-Proto': 'https' }, body });
      expect(String(viaProxy.headers['set-cookie'])).toMatch(/; Secure/);
      issuedSecrets.add(String(viaProxy.body.session_id));
      const spoofed = await requestFrom(url('127.0.0.1', '/api/v2/auth/login'), { localAddress: '127.0.0.1', method: 'POST', headers: { 'X-Forwarded-Proto': 'https' }, body });
      expect(String(spoofed.headers['set-cookie'])).not.toMatch(/Secure/);
      issuedSecrets.add(String(spoofed.body.session_id));
    });

    it('reads X-Forwarded-For only from a trusted proxy', async () => {
      const token = await createToken(owner, { ip_ranges: ['192.0.2.0/24'] });
      const headers = { ...bearer(token.secret), 'X-User-Id': token.clientId, 'X-Forwarded-For': '192.0.2.10' };
      const spoofed = await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.1', headers });
      expect(spoofed.status).toBe(403);
      const viaProxy = await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.2', headers });
      expect(viaProxy.status).toBe(200);
      const chained = await requestFrom(url('127.0.0.1'), { localAddress: '127.0.0.2', headers: { ...headers, 'X-Forwarded-For': '192.0.2.10, 198.51.100.7' } });
      expect(chained.status).toBe(403);
    });
  });

  it('rotates with and without grace, keeping the client id', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens'] });
    const token = await createToken(owner);
    const graced = await http(server).post(`/api/v2/service-tokens/${token.id}/rotate`).set(owner.headers).send({ grace_seconds: 2 });
    expect(graced.status).toBe(201);
    issuedSecrets.add(graced.body.secret);
    expect(graced.body.service_token).toMatchObject({ client_id: token.clientId, rotated_from: token.id });
    expect((await http(server).get('/api/v2/account').set(bearer(token.secret))).status).toBe(200);
    expect((await http(server).get('/api/v2/account').set(bearer(graced.body.secret))).status).toBe(200);
    await sleep(2100);
    expect(expectProblem(await http(server).get('/api/v2/account').set(bearer(token.secret)), 401, 'session').detail).toBe('Service token is revoked.');
    const immediate = await http(server).post(`/api/v2/service-tokens/${graced.body.service_token.id}/rotate`).set(owner.headers).send({});
    issuedSecrets.add(immediate.body.secret);
    expectProblem(await http(server).get('/api/v2/account').set(bearer(graced.body.secret)), 401, 'session');
    expect((await http(server).get('/api/v2/account').set(bearer(immediate.body.secret))).status).toBe(200);
  });

  it('revokes on the next request, refuses expired tokens, and records the lifecycle with the token as actor', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens', 'create_roles'] });
    const token = await createToken(owner, { expires_at: new Date(Date.now() + 60_000).toISOString() });
    const role = await http(server).post('/api/v2/roles').set(bearer(token.secret)).send({ title: 'Made by a token' });
    expect(role.status).toBe(201);
    await http(server).patch(`/api/v2/service-tokens/${token.id}`).set(owner.headers).send({ name: 'Renamed' });
    expect((await http(server).delete(`/api/v2/service-tokens/${token.id}`).set(owner.headers)).body.status).toBe('revoked');
    expect(expectProblem(await http(server).get('/api/v2/account').set(bearer(token.secret)), 401, 'session').detail).toBe('Service token is revoked.');
    const activity = await http(server).get(`/api/v2/activity?target_id=${token.id}`).set(admin.headers);
    expect(activity.body.data.map((record: { action: string }) => record.action).sort()).toEqual(['service_token_create', 'service_token_revoke', 'service_token_update']);
    const byToken = await http(server).get(`/api/v2/activity?action=role_create&target_id=${role.body.id}`).set(admin.headers);
    expect(byToken.body.data[0].actor).toEqual({ type: 'service_token', id: token.id });

    const expiring = await createToken(owner, { expires_at: new Date(Date.now() + 1500).toISOString() });
    expect((await http(server).get('/api/v2/account').set(bearer(expiring.secret))).status).toBe(200);
    await sleep(1600);
    expect(expectProblem(await http(server).get('/api/v2/account').set(bearer(expiring.secret)), 401, 'session').detail).toBe('Service token is expired.');
    const used = await http(server).get(`/api/v2/service-tokens/${expiring.id}`).set(owner.headers);
    expect(used.body.last_used_at).not.toBeNull();
  });

  it('keeps tokens to their owner and their organization', async () => {
    const owner = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens'] });
    const other = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens'] });
    const token = await createToken(owner);
    expectProblem(await http(server).get(`/api/v2/service-tokens/${token.id}`).set(other.headers), 404, 'notfound');
    expectProblem(await http(server).patch(`/api/v2/service-tokens/${token.id}`).set(other.headers).send({ name: 'x' }), 404, 'notfound');
    expectProblem(await http(server).delete(`/api/v2/service-tokens/${token.id}`).set(other.headers), 404, 'notfound');
    expect((await http(server).get('/api/v2/service-tokens').set(other.headers)).body.data).toEqual([]);
    const all = await http(server).get('/api/v2/service-tokens?limit=200').set(admin.headers);
    expect(all.body.data.map((entry: { id: string }) => entry.id)).toContain(token.id);

    const sub = await createSubAccount(server, admin, 'Token Tenant');
    const subAdmin = await memberSession(server, admin, sub, { privileges: ['admin'] });
    for (const call of [
      http(server).get(`/api/v2/service-tokens/${token.id}`),
      http(server).patch(`/api/v2/service-tokens/${token.id}`).send({ name: 'Stolen' }),
      http(server).delete(`/api/v2/service-tokens/${token.id}`),
      http(server).post(`/api/v2/service-tokens/${token.id}/rotate`).send({}),
    ]) {
      expectProblem(await call.set(subAdmin.headers), 404, 'notfound');
    }
    // A token is bound to its organization: X-Organization-Id is ignored.
    const parentToken = await createToken(admin);
    const intoSub = await http(server).get('/api/v2/account').set({ ...bearer(parentToken.secret), 'X-Organization-Id': sub });
    expect(intoSub.body.organization_id).toBe(admin.organizationId);
    expect((await http(server).get(`/api/v2/service-tokens/${token.id}`).set(owner.headers)).body.name).toBe('CI pipeline');
  });

  it('logged none of the tokens, keys, passwords or session ids the tests used', () => {
    expectNoSecretsInLogs(server);
  });
});
