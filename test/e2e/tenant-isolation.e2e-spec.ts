import { expectNoSecretsInLogs, expectProblem, expectV1Error, http, issuedSecrets, loginAsAdmin, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { createSubAccount, memberSession } from '../support/tenants';

type OpenApiDocument = { paths: Record<string, Record<string, unknown>> };

/**
 * Two sibling sub-accounts, A and B, each with an admin who belongs only there. Every route that
 * takes an id is called by A's admin with B's ids: each answers not-found and changes nothing.
 */
describe('tenant isolation', () => {
  let server: TestServer;
  let root: Session;
  let a: { id: string; admin: Session & { userId: string } };
  let b: { id: string; admin: Session & { userId: string }; roleId: string; memberId: string; childId: string; sessionId: string; keyId: string; tokenId: string; webhookId: string };
  let rootRoleId: string;

  beforeAll(async () => {
    // Webhooks point at the discard port on loopback: nothing leaves the machine.
    server = await startServer('isolation', { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
    root = await loginAsAdmin(server);
    const aId = await createSubAccount(server, root, 'Tenant A');
    const bId = await createSubAccount(server, root, 'Tenant B');
    a = { id: aId, admin: await memberSession(server, root, aId, { privileges: ['admin'] }, 'admin-a') };
    const bAdmin = await memberSession(server, root, bId, { privileges: ['admin'] }, 'admin-b');
    const role = await http(server).post('/api/v2/roles').set(bAdmin.headers).send({ title: 'B role', privileges: ['run_jobs'] });
    const member = await memberSession(server, bAdmin, bId, { privileges: ['run_jobs'] }, 'member-b');
    const childId = await createSubAccount(server, bAdmin, 'B child');
    const sessions = await http(server).get('/api/v2/auth/sessions').set(member.headers);
    const key = await http(server).post('/api/v2/api-keys').set(bAdmin.headers).send({ title: 'B key', privileges: ['run_jobs'] });
    issuedSecrets.add(key.body.secret);
    const token = await http(server).post('/api/v2/service-tokens').set(bAdmin.headers).send({ name: 'B token' });
    issuedSecrets.add(token.body.secret);
    const webhook = await http(server).post('/api/v2/webhooks').set(bAdmin.headers).send({ url: 'http://127.0.0.1:9/hook', events: ['api_key.rotation_due'] });
    issuedSecrets.add(webhook.body.secret);
    b = { id: bId, admin: bAdmin, roleId: role.body.id, memberId: member.userId, childId, sessionId: sessions.body.data[0].id, keyId: key.body.api_key.id, tokenId: token.body.service_token.id, webhookId: webhook.body.webhook.id };
    rootRoleId = (await http(server).post('/api/v2/roles').set(root.headers).send({ title: 'Root role' })).body.id;
  });

  afterAll(async () => {
    await server?.destroy();
  });

  /** What B looks like, to prove that nothing changed. */
  const snapshotOfB = async () => ({
    organization: (await http(server).get(`/api/v2/organizations/${b.id}`).set(b.admin.headers)).body,
    child: (await http(server).get(`/api/v2/organizations/${b.childId}`).set(b.admin.headers)).body,
    members: (await http(server).get(`/api/v2/organizations/${b.id}/members`).set(b.admin.headers)).body,
    role: (await http(server).get(`/api/v2/roles/${b.roleId}`).set(b.admin.headers)).body,
    sessions: (await http(server).get('/api/v2/auth/sessions').set(b.admin.headers)).body.data.length,
    key: (await http(server).get(`/api/v2/api-keys/${b.keyId}`).set(b.admin.headers)).body,
    token: (await http(server).get(`/api/v2/service-tokens/${b.tokenId}`).set(b.admin.headers)).body,
    webhook: (await http(server).get(`/api/v2/webhooks/${b.webhookId}`).set(b.admin.headers)).body,
    deliveries: (await http(server).get(`/api/v2/webhooks/${b.webhookId}/deliveries`).set(b.admin.headers)).body,
  });

  const v2Calls = () => [
    { route: 'GET /api/v2/organizations/{id}', call: () => http(server).get(`/api/v2/organizations/${b.id}`) },
    { route: 'PATCH /api/v2/organizations/{id}', call: () => http(server).patch(`/api/v2/organizations/${b.childId}`).send({ name: 'Stolen' }) },
    { route: 'DELETE /api/v2/organizations/{id}', call: () => http(server).delete(`/api/v2/organizations/${b.childId}`) },
    { route: 'GET /api/v2/organizations/{id}/members', call: () => http(server).get(`/api/v2/organizations/${b.id}/members`) },
    { route: 'POST /api/v2/organizations/{id}/members', call: () => http(server).post(`/api/v2/organizations/${b.id}/members`).send({ email: 'intruder@example.test', password: 'intruder-password' }) },
    { route: 'GET /api/v2/organizations/{id}/members/{userId}', call: () => http(server).get(`/api/v2/organizations/${b.id}/members/${b.memberId}`) },
    { route: 'PATCH /api/v2/organizations/{id}/members/{userId}', call: () => http(server).patch(`/api/v2/organizations/${b.id}/members/${b.memberId}`).send({ privileges: [] }) },
    { route: 'DELETE /api/v2/organizations/{id}/members/{userId}', call: () => http(server).delete(`/api/v2/organizations/${b.id}/members/${b.memberId}`) },
    { route: 'GET /api/v2/roles/{id}', call: () => http(server).get(`/api/v2/roles/${b.roleId}`) },
    { route: 'PATCH /api/v2/roles/{id}', call: () => http(server).patch(`/api/v2/roles/${b.roleId}`).send({ title: 'Stolen' }) },
    { route: 'DELETE /api/v2/roles/{id}', call: () => http(server).delete(`/api/v2/roles/${b.roleId}`) },
    { route: 'DELETE /api/v2/auth/sessions/{id}', call: () => http(server).delete(`/api/v2/auth/sessions/${b.sessionId}`) },
    { route: 'GET /api/v2/api-keys/{id}', call: () => http(server).get(`/api/v2/api-keys/${b.keyId}`) },
    { route: 'PATCH /api/v2/api-keys/{id}', call: () => http(server).patch(`/api/v2/api-keys/${b.keyId}`).send({ title: 'Stolen' }) },
    { route: 'DELETE /api/v2/api-keys/{id}', call: () => http(server).delete(`/api/v2/api-keys/${b.keyId}`) },
    { route: 'POST /api/v2/api-keys/{id}/rotate', call: () => http(server).post(`/api/v2/api-keys/${b.keyId}/rotate`).send({}) },
    { route: 'GET /api/v2/api-keys/{id}/usage', call: () => http(server).get(`/api/v2/api-keys/${b.keyId}/usage`) },
    { route: 'GET /api/v2/service-tokens/{id}', call: () => http(server).get(`/api/v2/service-tokens/${b.tokenId}`) },
    { route: 'PATCH /api/v2/service-tokens/{id}', call: () => http(server).patch(`/api/v2/service-tokens/${b.tokenId}`).send({ name: 'Stolen' }) },
    { route: 'DELETE /api/v2/service-tokens/{id}', call: () => http(server).delete(`/api/v2/service-tokens/${b.tokenId}`) },
    { route: 'POST /api/v2/service-tokens/{id}/rotate', call: () => http(server).post(`/api/v2/service-tokens/${b.tokenId}/rotate`).send({}) },
    { route: 'GET /api/v2/webhooks/{id}', call: () => http(server).get(`/api/v2/webhooks/${b.webhookId}`) },
    { route: 'PATCH /api/v2/webhooks/{id}', call: () => http(server).patch(`/api/v2/webhooks/${b.webhookId}`).send({ url: 'http://127.0.0.1:9/stolen' }) },
    { route: 'DELETE /api/v2/webhooks/{id}', call: () => http(server).delete(`/api/v2/webhooks/${b.webhookId}`) },
    { route: 'GET /api/v2/webhooks/{id}/deliveries', call: () => http(server).get(`/api/v2/webhooks/${b.webhookId}/deliveries`) },
    { route: 'POST /api/v2/webhooks/{id}/test', call: () => http(server).post(`/api/v2/webhooks/${b.webhookId}/test`) },
  ];

  const v1KeyCalls = () =>
    ['get_api_key', 'update_api_key', 'delete_api_key', 'rotate_api_key', 'get_api_key_usage'].map((name) => ({
      route: `POST /api/app/${name}/v1`,
      call: () => http(server).post(`/api/app/${name}/v1`).send({ id: b.keyId, title: 'Stolen' }),
    }));

  const v1Calls = () => [
    { route: 'GET /api/app/get_role/v1', call: () => http(server).get(`/api/app/get_role/v1?id=${b.roleId}`) },
    { route: 'POST /api/app/get_role/v1', call: () => http(server).post('/api/app/get_role/v1').send({ id: b.roleId }) },
    { route: 'POST /api/app/update_role/v1', call: () => http(server).post('/api/app/update_role/v1').send({ id: b.roleId, title: 'Stolen' }) },
    { route: 'POST /api/app/delete_role/v1', call: () => http(server).post('/api/app/delete_role/v1').send({ id: b.roleId }) },
  ];

  it('covers every v2 route with an id in its path', async () => {
    const document = (await http(server).get('/docs/v2.json')).body as OpenApiDocument;
    const withId = Object.entries(document.paths).flatMap(([path, operations]) =>
      path.includes('{') ? Object.keys(operations).map((method) => `${method.toUpperCase()} ${path}`) : [],
    );
    const covered = v2Calls().map((entry) => entry.route.replace('{userId}', '{userId}'));
    expect(withId.sort()).toEqual(covered.sort());
  });

  /** A's administrator through each kind of credential: session, JWT, API key and service token. */
  const credentialsOfA = async (): Promise<Array<{ kind: string; headers: Record<string, string> }>> => {
    const key = await http(server).post('/api/v2/api-keys').set(a.admin.headers).send({ title: 'A admin key', privileges: ['admin'] });
    const token = await http(server).post('/api/v2/service-tokens').set(a.admin.headers).send({ name: 'A admin token' });
    issuedSecrets.add(key.body.secret);
    issuedSecrets.add(token.body.secret);
    return [
      { kind: 'session', headers: a.admin.headers },
      { kind: 'jwt', headers: { Authorization: `Bearer ${a.admin.token}` } },
      { kind: 'api key', headers: { 'X-API-Key': key.body.secret } },
      { kind: 'service token', headers: { Authorization: `Bearer ${token.body.secret}` } },
    ];
  };

  /**
   * Where the contract refuses before it looks the id up (access, not not-found): a service token
   * cannot change service tokens, since it could widen itself.
   */
  const refusedBeforeLookup = (kind: string, route: string): boolean =>
    kind === 'service token' && (route === 'PATCH /api/v2/service-tokens/{id}' || route === 'POST /api/v2/service-tokens/{id}/rotate');

  it('answers not-found to every v2 route called with another organization\'s ids, through every credential kind, and changes nothing', async () => {
    const before = await snapshotOfB();
    const answers: string[] = [];
    for (const { kind, headers } of await credentialsOfA()) {
      for (const { route, call } of v2Calls()) {
        const response = await call().set(headers);
        const expected = refusedBeforeLookup(kind, route) ? { status: 403, code: 'access' } : { status: 404, code: 'notfound' };
        if (response.status !== expected.status || response.body.code !== expected.code) answers.push(`${kind} ${route}: ${response.status} ${JSON.stringify(response.body)}`);
      }
    }
    expect(answers).toEqual([]);
    expect(await snapshotOfB()).toEqual(before);
  });

  it('answers notfound to every v1 call with another organization\'s ids, and changes nothing', async () => {
    const before = await snapshotOfB();
    for (const { route, call } of v1Calls()) {
      const response = await call().set(a.admin.headers);
      expect({ route, status: response.status, body: response.body }).toEqual({
        route,
        status: 404,
        body: { code: 'notfound', description: `Role not found: ${b.roleId}` },
      });
    }
    for (const { route, call } of v1KeyCalls()) {
      const response = await call().set(a.admin.headers);
      expect({ route, status: response.status, body: response.body }).toEqual({
        route,
        status: 404,
        body: { code: 'notfound', description: `API Key not found: ${b.keyId}` },
      });
    }
    expect(await snapshotOfB()).toEqual(before);
  });

  it('does not let a sub-account reach its parent', async () => {
    expectProblem(await http(server).get(`/api/v2/organizations/${root.organizationId}`).set(a.admin.headers), 404, 'notfound');
    expectProblem(await http(server).get(`/api/v2/roles/${rootRoleId}`).set(a.admin.headers), 404, 'notfound');
    expectV1Error(await http(server).get(`/api/app/get_role/v1?id=${rootRoleId}`).set(a.admin.headers), 404, 'notfound');
    const intoParent = await http(server).get('/api/v2/roles').set({ ...a.admin.headers, 'X-Organization-Id': root.organizationId });
    expect(expectProblem(intoParent, 403, 'access').detail).toBe(`You do not have access to organization ${root.organizationId}.`);
    const intoSibling = await http(server).get('/api/v2/roles').set({ ...a.admin.headers, 'X-Organization-Id': b.id });
    expectProblem(intoSibling, 403, 'access');
    const list = await http(server).get('/api/v2/roles').set(a.admin.headers);
    expect(list.body.data).toEqual([]);
  });

  it('lets an admin of an ancestor administer a sub-account', async () => {
    const inB = { ...root.headers, 'X-Organization-Id': b.id };
    expect((await http(server).get(`/api/v2/roles/${b.roleId}`).set(inB)).status).toBe(200);
    const role = await http(server).post('/api/v2/roles').set(inB).send({ title: 'Made by root' });
    expect(role.status).toBe(201);
    expect((await http(server).get(`/api/v2/roles/${role.body.id}`).set(b.admin.headers)).body.title).toBe('Made by root');
    const inChild = { ...root.headers, 'X-Organization-Id': b.childId };
    expect((await http(server).get('/api/v2/account').set(inChild)).body).toMatchObject({ organization_id: b.childId, privileges: ['admin'] });
    expect((await http(server).get(`/api/v2/organizations/${b.id}/members`).set(root.headers)).status).toBe(200);
  });

  it('gives manage_members in a parent no power over a sub-account\'s people', async () => {
    const manager = await memberSession(server, root, root.organizationId, { privileges: ['manage_members', 'view_api_keys'] });
    const selfAdd = await http(server).post(`/api/v2/organizations/${b.id}/members`).set(manager.headers).send({ email: manager.email, privileges: ['view_api_keys'] });
    expect(expectProblem(selfAdd, 403, 'access').detail).toBe("You do not have the 'Administrator' privilege required to perform this action.");
    expectProblem(await http(server).get(`/api/v2/organizations/${b.id}/members`).set(manager.headers), 403, 'access');
  });

  it('counts an ancestor admin granted through a role', async () => {
    const adminRole = (await http(server).post('/api/v2/roles').set(root.headers).send({ title: 'Admins', privileges: ['admin'] })).body.id;
    const viaRole = await memberSession(server, root, root.organizationId, { roles: [adminRole] }, 'role-admin');
    const inB = await http(server).get('/api/v2/account').set({ ...viaRole.headers, 'X-Organization-Id': b.id });
    expect(inB.body).toMatchObject({ organization_id: b.id, privileges: ['admin'] });
  });

  it('logged none of the secrets the tests used', () => {
    expectNoSecretsInLogs(server);
  });
});

describe('login protection', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('login-protection');
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const attempt = (email: string, password: string) => http(server).post('/api/v2/auth/login').send({ email, password });
  const withoutRequestId = (body: Record<string, unknown>) => ({ ...body, request_id: undefined });

  it('answers an unknown user and a wrong password identically', async () => {
    const unknown = await attempt('nobody-here@example.test', 'whatever-password');
    const wrong = await attempt(server.adminEmail, 'whatever-password');
    expect(unknown.status).toBe(401);
    expect(wrong.status).toBe(unknown.status);
    expect(withoutRequestId(wrong.body)).toEqual(withoutRequestId(unknown.body));
    expect(unknown.body.detail).toBe('Username or password incorrect.');
    const v1Unknown = await http(server).post('/api/user/login').send({ username: 'nobody@example.test', password: 'x' });
    const v1Wrong = await http(server).post('/api/user/login').send({ username: server.adminEmail, password: 'x' });
    expect(v1Unknown.body).toEqual({ code: 'login', description: 'Username or password incorrect.' });
    expect(v1Wrong.body).toEqual(v1Unknown.body);
    expect(v1Wrong.status).toBe(401);
  });

  it('slows the sixth attempt after five failures, audits the lockout, and resets on success', async () => {
    const root = await loginAsAdmin(server);
    const member = await memberSession(server, root, root.organizationId, {}, 'brute');
    for (let i = 0; i < 5; i += 1) expect((await attempt(member.email, `wrong-${i}-password`)).status).toBe(401);
    const started = Date.now();
    expect((await attempt(member.email, 'wrong-6-password')).status).toBe(401);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    const lockouts = await http(server).get(`/api/v2/activity?action=user_lockout&target_id=${member.userId}`).set(root.headers);
    expect(lockouts.body.data).toHaveLength(1);
    expect((await attempt(member.email, member.password)).status).toBe(200);
    const afterReset = Date.now();
    expect((await attempt(member.email, 'wrong-again-password')).status).toBe(401);
    expect(Date.now() - afterReset).toBeLessThan(900);
  });

  it('slows attempts on an unknown account the same way', async () => {
    for (let i = 0; i < 5; i += 1) await attempt('ghost@example.test', `wrong-${i}-password`);
    const started = Date.now();
    await attempt('ghost@example.test', 'wrong-6-password');
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
  });

  it('limits login attempts per address', async () => {
    const limited = await startServer('login-ip-limit', { env: { LOGIN_ATTEMPTS_PER_IP_PER_MINUTE: '3' } });
    try {
      for (let i = 0; i < 3; i += 1) {
        expect((await http(limited).post('/api/v2/auth/login').send({ email: `u${i}@example.test`, password: 'whatever-pw' })).status).toBe(401);
      }
      const refused = await http(limited).post('/api/v2/auth/login').send({ email: 'u9@example.test', password: 'whatever-pw' });
      expectProblem(refused, 429, 'rate');
      expect(Number(refused.headers['retry-after'])).toBeGreaterThan(0);
      const v1 = await http(limited).post('/api/user/login').send({ username: 'u9@example.test', password: 'whatever-pw' });
      expectV1Error(v1, 429, 'rate');
    } finally {
      await limited.destroy();
    }
  });
});
