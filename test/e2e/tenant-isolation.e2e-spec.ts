import { expectNoSecretsInLogs, expectProblem, expectV1Error, http, loginAsAdmin, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { createSubAccount, memberSession } from '../support/tenants';

/**
 * Two sibling sub-accounts, A and B, each with an admin who belongs only there: the hand-written
 * cases of organization boundaries (parents, ancestors, roles). Every operation that takes an id
 * is called across tenants by the generated matrix (isolation-matrix.e2e-spec.ts).
 */
describe('tenant isolation', () => {
  let server: TestServer;
  let root: Session;
  let a: { id: string; admin: Session & { userId: string } };
  let b: { id: string; admin: Session & { userId: string }; roleId: string; childId: string };
  let rootRoleId: string;

  beforeAll(async () => {
    server = await startServer('isolation');
    root = await loginAsAdmin(server);
    const aId = await createSubAccount(server, root, 'Tenant A');
    const bId = await createSubAccount(server, root, 'Tenant B');
    a = { id: aId, admin: await memberSession(server, root, aId, { privileges: ['admin'] }, 'admin-a') };
    const bAdmin = await memberSession(server, root, bId, { privileges: ['admin'] }, 'admin-b');
    const role = await http(server).post('/api/v2/roles').set(bAdmin.headers).send({ title: 'B role', privileges: ['run_jobs'] });
    const childId = await createSubAccount(server, bAdmin, 'B child');
    b = { id: bId, admin: bAdmin, roleId: role.body.id, childId };
    rootRoleId = (await http(server).post('/api/v2/roles').set(root.headers).send({ title: 'Root role' })).body.id;
  });

  afterAll(async () => {
    await server?.destroy();
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
