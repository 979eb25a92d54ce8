import { expectNoSecretsInLogs, expectProblem, expectV1Error, http, issuedSecrets, login, loginAsAdmin, Session, missingPrivilege } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { createMember, createSubAccount, memberSession, uniqueEmail } from '../support/tenants';

const missing = missingPrivilege;

describe('privileges, roles and members', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('access');
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const createRole = async (body: object, actor: Session = admin) => {
    const response = await http(server).post('/api/v2/roles').set(actor.headers).send(body);
    if (response.status !== 201) throw new Error(`role: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body.id as string;
  };

  it('refuses a route to a principal without its privilege, with the privilege title', async () => {
    const plain = await memberSession(server, admin, admin.organizationId);
    const v2 = expectProblem(await http(server).get(`/api/v2/organizations/${admin.organizationId}/members`).set(plain.headers), 403, 'access');
    expect(v2.detail).toBe(missing('Manage Members'));
    expectV1Error(
      await http(server).post('/api/app/create_role/v1').set(plain.headers).send({ title: 'Nope' }),
      403,
      'access',
      missing('Create Roles'),
    );
    expect(expectProblem(await http(server).get('/api/v2/activity').set(plain.headers), 403, 'access').detail).toBe(missing('View Activity'));
  });

  it('grants through direct privileges and through roles, and a disabled role grants nothing', async () => {
    const direct = await memberSession(server, admin, admin.organizationId, { privileges: ['view_activity'] });
    expect((await http(server).get('/api/v2/activity').set(direct.headers)).status).toBe(200);

    const roleId = await createRole({ title: 'Auditors', privileges: ['view_activity'] });
    const viaRole = await memberSession(server, admin, admin.organizationId, { roles: [roleId] });
    expect((await http(server).get('/api/v2/activity').set(viaRole.headers)).status).toBe(200);
    expect((await http(server).get('/api/v2/account').set(viaRole.headers)).body.privileges).toEqual(['view_activity']);

    const disabled = await http(server).patch(`/api/v2/roles/${roleId}`).set(admin.headers).send({ enabled: false });
    expect(disabled.body.enabled).toBe(false);
    expect(expectProblem(await http(server).get('/api/v2/activity').set(viaRole.headers), 403, 'access').detail).toBe(missing('View Activity'));
    expect((await http(server).get('/api/v2/account').set(viaRole.headers)).body.privileges).toEqual([]);
  });

  it('checks a route\'s category and group against the principal\'s restrictions, with the exact messages', async () => {
    const restricted = await memberSession(server, admin, admin.organizationId, { privileges: ['run_jobs'], categories: ['staging'], groups: ['web'] });
    const check = (query: string, session: Session = restricted) => http(server).get(`/api/v2/account/check?${query}`).set(session.headers);
    expect((await check('category=staging&group=web&privilege=run_jobs')).body).toEqual({ allowed: true });
    expect(expectProblem(await check('category=production'), 403, 'access').detail).toBe(
      'You do not have the required account privileges to access category ID production.',
    );
    expect(expectProblem(await check('group=db'), 403, 'access').detail).toBe(
      'You do not have the required account privileges to access group ID db.',
    );
    expect(expectProblem(await check('privilege=abort_jobs'), 403, 'access').detail).toBe(missing('Abort Jobs'));
    expect((await check('category=production&group=db&privilege=abort_jobs', admin)).body).toEqual({ allowed: true });
    const unrestricted = await memberSession(server, admin, admin.organizationId, { privileges: ['run_jobs'] });
    expect((await check('category=anything&group=any', unrestricted)).status).toBe(200);
    const document = (await http(server).get('/docs/v2.json')).body;
    expect(document.paths['/api/v2/account/check'].get['x-required-scope']).toEqual({ category: 'category', group: 'group' });
  });

  it('lets admin do everything', async () => {
    const other = await memberSession(server, admin, admin.organizationId, { privileges: ['admin'] });
    expect((await http(server).get('/api/v2/activity').set(other.headers)).status).toBe(200);
    expect((await http(server).post('/api/v2/roles').set(other.headers).send({ title: 'By Admin', privileges: ['run_jobs'], categories: ['x'] })).status).toBe(201);
  });

  it('takes effect on the next request when a privilege is removed', async () => {
    const member = await memberSession(server, admin, admin.organizationId, { privileges: ['view_activity'] });
    expect((await http(server).get('/api/v2/activity').set(member.headers)).status).toBe(200);
    const update = await http(server).patch(`/api/v2/organizations/${admin.organizationId}/members/${member.userId}`).set(admin.headers).send({ privileges: [] });
    expect(update.status).toBe(200);
    expectProblem(await http(server).get('/api/v2/activity').set(member.headers), 403, 'access');
  });

  describe('nobody grants more than they hold', () => {
    let manager: Session & { userId: string };

    beforeAll(async () => {
      manager = await memberSession(server, admin, admin.organizationId, {
        privileges: ['manage_members', 'create_roles', 'edit_roles', 'run_jobs'],
        categories: ['staging'],
        groups: ['web'],
      });
    });

    it('refuses a role with a privilege the creator lacks', async () => {
      const problem = expectProblem(await http(server).post('/api/v2/roles').set(manager.headers).send({ title: 'Wider', privileges: ['abort_jobs'], categories: ['staging'], groups: ['web'] }), 403, 'access');
      expect(problem.detail).toBe(missing('Abort Jobs'));
      expectV1Error(
        await http(server).post('/api/app/create_role/v1').set(manager.headers).send({ title: 'Admin', privileges: { admin: 1 }, categories: ['staging'], groups: ['web'] }),
        403,
        'access',
        missing('Administrator'),
      );
    });

    it('refuses categories and groups outside the creator\'s, with the contract messages', async () => {
      const category = expectProblem(await http(server).post('/api/v2/roles').set(manager.headers).send({ title: 'Prod', privileges: ['run_jobs'], categories: ['production'], groups: ['web'] }), 403, 'access');
      expect(category.detail).toBe('You do not have the required account privileges to access category ID production.');
      const group = expectProblem(await http(server).post('/api/v2/roles').set(manager.headers).send({ title: 'Db', privileges: ['run_jobs'], categories: ['staging'], groups: ['db'] }), 403, 'access');
      expect(group.detail).toBe('You do not have the required account privileges to access group ID db.');
      const unrestricted = expectProblem(await http(server).post('/api/v2/roles').set(manager.headers).send({ title: 'All', privileges: ['run_jobs'] }), 403, 'access');
      expect(unrestricted.detail).toMatch(/cannot grant unrestricted category access/);
    });

    it('allows a grant within the creator\'s own scope', async () => {
      const response = await http(server).post('/api/v2/roles').set(manager.headers).send({ title: 'Runner', privileges: ['run_jobs'], categories: ['staging'], groups: ['web'] });
      expect(response.status).toBe(201);
    });

    it('refuses to make a member wider than the manager, directly or through a role', async () => {
      const wideRole = await createRole({ title: 'Wide', privileges: ['delete_api_keys'] });
      const direct = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(manager.headers)
        .send({ email: uniqueEmail('wide'), password: 'a-long-password', privileges: ['admin'], categories: ['staging'], groups: ['web'] });
      expect(expectProblem(direct, 403, 'access').detail).toBe(missing('Administrator'));
      const viaRole = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(manager.headers)
        .send({ email: uniqueEmail('wide'), password: 'a-long-password', roles: [wideRole], categories: ['staging'], groups: ['web'] });
      expect(expectProblem(viaRole, 403, 'access').detail).toBe(missing('Delete API Keys'));
    });

    it('refuses to change or remove a member who holds more than the manager', async () => {
      const strong = await createMember(server, admin, admin.organizationId, { privileges: ['admin'] });
      expectProblem(await http(server).patch(`/api/v2/organizations/${admin.organizationId}/members/${strong.userId}`).set(manager.headers).send({ privileges: [] }), 403, 'access');
      expectProblem(await http(server).delete(`/api/v2/organizations/${admin.organizationId}/members/${strong.userId}`).set(manager.headers), 403, 'access');
      const still = await http(server).get(`/api/v2/organizations/${admin.organizationId}/members/${strong.userId}`).set(admin.headers);
      expect(still.body.privileges).toEqual(['admin']);
    });
  });

  it('manages members: add an existing user, create one, change, remove (ending their sessions there)', async () => {
    const created = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(admin.headers)
      .send({ email: uniqueEmail('new'), name: 'New Person', password: 'correct-horse-battery', privileges: ['view_activity'] });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({ name: 'New Person', active: true, privileges: ['view_activity'], organization_id: admin.organizationId });
    const noPassword = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(admin.headers).send({ email: uniqueEmail('nopw') });
    expect(expectProblem(noPassword, 400, 'validation').detail).toBe('Missing parameter: password');
    const duplicate = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(admin.headers).send({ email: created.body.email.toUpperCase() });
    expectProblem(duplicate, 409, 'conflict');
    const shortPassword = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(admin.headers).send({ email: uniqueEmail('short'), password: 'short' });
    expectProblem(shortPassword, 400, 'validation');
    const unknownPrivilege = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(admin.headers).send({ email: uniqueEmail('x'), password: 'a-long-password', privileges: ['fly_planes'] });
    expect(expectProblem(unknownPrivilege, 400, 'validation').detail).toBe('Unknown privilege: fly_planes');

    const sub = await createSubAccount(server, admin, 'Members Sub');
    const existing = await http(server).post(`/api/v2/organizations/${sub}/members`).set(admin.headers).send({ email: created.body.email, privileges: [] });
    expect(existing.status).toBe(201);
    expect(existing.body.user_id).toBe(created.body.user_id);

    const list = await http(server).get(`/api/v2/organizations/${sub}/members`).set(admin.headers);
    expect(list.body.data.map((member: { email: string }) => member.email)).toEqual([created.body.email]);

    const session = await login(server, created.body.email, 'correct-horse-battery');
    expect((await http(server).get('/api/v2/account').set(session.headers)).status).toBe(200);
    const removed = await http(server).delete(`/api/v2/organizations/${admin.organizationId}/members/${created.body.user_id}`).set(admin.headers);
    expect(removed.status).toBe(204);
    expectProblem(await http(server).get('/api/v2/account').set(session.headers), 401, 'session');
    expectProblem(await http(server).get(`/api/v2/organizations/${admin.organizationId}/members/${created.body.user_id}`).set(admin.headers), 404, 'notfound');
    const activity = await http(server).get(`/api/v2/activity?action=member_add|member_remove&target_id=${created.body.user_id}`).set(admin.headers);
    expect(activity.body.data.map((record: { action: string }) => record.action).sort()).toEqual(['member_add', 'member_add', 'member_remove']);
    const adds = activity.body.data.filter((record: { action: string }) => record.action === 'member_add');
    expect(adds.map((record: { details: { created_user: boolean } }) => record.details.created_user).sort()).toEqual([false, true]);
  });

  it('disables and re-enables an account only for an admin of every organization the user is in', async () => {
    const member = await memberSession(server, admin, admin.organizationId, {}, 'disable');
    const manager = await memberSession(server, admin, admin.organizationId, { privileges: ['manage_members'] });
    const path = `/api/v2/organizations/${admin.organizationId}/members/${member.userId}`;
    expect(expectProblem(await http(server).patch(path).set(manager.headers).send({ active: false }), 403, 'access').detail).toBe(missing('Administrator'));
    const sub = await createSubAccount(server, admin, 'Disable Sub');
    const subAdmin = await memberSession(server, admin, sub, { privileges: ['admin'] });
    await http(server).post(`/api/v2/organizations/${sub}/members`).set(admin.headers).send({ email: member.email });
    const elsewhere = await http(server).patch(`/api/v2/organizations/${sub}/members/${member.userId}`).set(subAdmin.headers).send({ active: false });
    expect(expectProblem(elsewhere, 403, 'access').detail).toBe('This user also belongs to organizations you do not administer.');
    expect((await http(server).patch(path).set(admin.headers).send({ active: false })).body.active).toBe(false);
    expectProblem(await http(server).get('/api/v2/account').set(member.headers), 401, 'session');
    expectProblem(await http(server).post('/api/v2/auth/login').send({ email: member.email, password: member.password }), 401, 'login');
    expect((await http(server).patch(path).set(admin.headers).send({ active: true })).body.active).toBe(true);
    expect((await login(server, member.email, member.password)).sessionId).toBeTruthy();
    expectProblem(await http(server).patch(`/api/v2/organizations/${admin.organizationId}/members/${admin.userId}`).set(admin.headers).send({ active: false }), 409, 'conflict');
  });

  it('does not let a user remove themselves from the organization they act in', async () => {
    expectProblem(await http(server).delete(`/api/v2/organizations/${admin.organizationId}/members/${admin.userId}`).set(admin.headers), 409, 'conflict');
  });

  it('serves roles through v1 with the xyOps shapes', async () => {
    const created = await http(server).post('/api/app/create_role/v1').set(admin.headers)
      .send({ title: 'Operators', enabled: 1, privileges: { run_jobs: 1, abort_jobs: 0 }, categories: ['prod'], notes: 'n' });
    expect(created.body).toMatchObject({ code: 0, role: { title: 'Operators', enabled: 1, privileges: { run_jobs: 1 }, categories: ['prod'], groups: [], notes: 'n', username: server.adminEmail, revision: 1 } });
    const id = created.body.role.id;
    expect(typeof created.body.role.created).toBe('number');
    const viaGet = await http(server).get(`/api/app/get_role/v1?id=${id}`).set(admin.headers);
    expect(viaGet.body.role.id).toBe(id);
    const viaPost = await http(server).post('/api/app/get_role/v1').set(admin.headers).send({ id });
    expect(viaPost.body.role.id).toBe(id);
    const updated = await http(server).post('/api/app/update_role/v1').set(admin.headers).send({ id, title: 'Operators 2', key: 'ignored' });
    expect(updated.body.role).toMatchObject({ title: 'Operators 2', privileges: { run_jobs: 1 }, categories: ['prod'], revision: 2 });
    const list = await http(server).get('/api/app/get_roles/v1?limit=1&offset=0').set(admin.headers);
    expect(list.body.code).toBe(0);
    expect(list.body.rows).toHaveLength(1);
    expect(list.body.list.length).toBeGreaterThanOrEqual(2);
    expectV1Error(await http(server).post('/api/app/get_role/v1').set(admin.headers).send({}), 400, 'api', 'Missing parameter: id');
    expect((await http(server).post('/api/app/delete_role/v1').set(admin.headers).send({ id })).body).toEqual({ code: 0 });
    expectV1Error(await http(server).post('/api/app/get_role/v1').set(admin.headers).send({ id }), 404, 'notfound', `Role not found: ${id}`);
  });

  it('serves the privilege catalog and custom privileges', async () => {
    const catalog = await http(server).get('/api/v2/privileges').set(admin.headers);
    const byId = Object.fromEntries(catalog.body.data.map((entry: { id: string; title: string }) => [entry.id, entry.title]));
    expect(byId).toMatchObject({ admin: 'Administrator', run_jobs: 'Run Jobs', create_events: 'Create Events', manage_sub_accounts: 'Manage Sub-Accounts', create_web_hooks: 'Create Web Hooks' });
    const created = await http(server).post('/api/v2/privileges').set(admin.headers).send({ id: 'deploy_apps', title: 'Deploy Apps' });
    expect(created.body).toEqual({ id: 'deploy_apps', title: 'Deploy Apps', custom: true });
    expectProblem(await http(server).post('/api/v2/privileges').set(admin.headers).send({ id: 'deploy_apps', title: 'Again' }), 409, 'conflict');
    expectProblem(await http(server).post('/api/v2/privileges').set(admin.headers).send({ id: 'run_jobs', title: 'Mine' }), 409, 'conflict');
    expectProblem(await http(server).post('/api/v2/privileges').set(admin.headers).send({ id: 'Bad Id', title: 'x' }), 400, 'validation');
    const restricted = await memberSession(server, admin, admin.organizationId, { privileges: ['deploy_apps', 'create_roles'] });
    expect(expectProblem(await http(server).post('/api/v2/privileges').set(restricted.headers).send({ id: 'x_y', title: 'x' }), 403, 'access').detail).toBe(missing('Administrator'));
    const role = await http(server).post('/api/v2/roles').set(restricted.headers).send({ title: 'Deployers', privileges: ['deploy_apps'] });
    expect(role.status).toBe(201);
  });

  it('shows and changes the own profile, and a password change ends the other sessions', async () => {
    const member = await memberSession(server, admin, admin.organizationId, {}, 'profile');
    const other = await login(server, member.email, member.password);
    const me = await http(server).get('/api/v2/users/me').set(member.headers);
    expect(me.body).toMatchObject({ id: member.userId, email: member.email, organizations: [{ id: admin.organizationId }] });
    expect((await http(server).patch('/api/v2/users/me').set(member.headers).send({ name: 'Renamed' })).body.name).toBe('Renamed');
    expectProblem(await http(server).patch('/api/v2/users/me').set(member.headers).send({ email: 'x@y.z' }), 400, 'validation');

    const wrong = await http(server).post('/api/v2/users/me/password').set(member.headers).send({ current_password: 'not-it-at-all', new_password: 'a-brand-new-password' });
    expectProblem(wrong, 403, 'access');
    const changed = await http(server).post('/api/v2/users/me/password').set(member.headers).send({ current_password: member.password, new_password: 'a-brand-new-password' });
    expect(changed.status).toBe(204);
    issuedSecrets.add('a-brand-new-password');
    expect((await http(server).get('/api/v2/account').set(member.headers)).status).toBe(200);
    expectProblem(await http(server).get('/api/v2/account').set(other.headers), 401, 'session');
    expectProblem(await http(server).post('/api/v2/auth/login').send({ email: member.email, password: member.password }), 401, 'login');
    expect((await login(server, member.email, 'a-brand-new-password')).sessionId).toBeTruthy();
  });

  it('lists the user\'s sessions and ends one, never another user\'s', async () => {
    const member = await memberSession(server, admin, admin.organizationId, {}, 'sessions');
    const second = await login(server, member.email, member.password);
    const list = await http(server).get('/api/v2/auth/sessions').set(member.headers);
    expect(list.body.data).toHaveLength(2);
    const current = list.body.data.find((session: { current: boolean }) => session.current);
    const otherSession = list.body.data.find((session: { current: boolean }) => !session.current);
    expect(current).toMatchObject({ ip: '127.0.0.1', user_agent: 'keyward-tests/1.0' });
    expectProblem(await http(server).delete(`/api/v2/auth/sessions/${otherSession.id}`).set(admin.headers), 404, 'notfound');
    expect((await http(server).get('/api/v2/account').set(second.headers)).status).toBe(200);
    expect((await http(server).delete(`/api/v2/auth/sessions/${otherSession.id}`).set(member.headers)).status).toBe(204);
    expectProblem(await http(server).get('/api/v2/account').set(second.headers), 401, 'session');
  });

  it('logged none of the passwords, session ids, CSRF tokens or JWTs the tests used', () => {
    expectNoSecretsInLogs(server);
  });
});
