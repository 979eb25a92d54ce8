import request from 'supertest';
import { http, issuedSecrets, loginAsAdmin, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { memberSession } from '../support/tenants';

/**
 * Every mutation route of both versions leaves exactly one activity record, with the acting
 * principal as actor (the API key's id when a key acted); a refused mutation leaves none.
 */
describe('one activity record per mutation', () => {
  let server: TestServer;
  let admin: Session;
  let key: { id: string; headers: Record<string, string> };

  beforeAll(async () => {
    server = await startServer('mutation-records', { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' } });
    admin = await loginAsAdmin(server);
    const created = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Actor', privileges: ['admin'] });
    issuedSecrets.add(created.body.secret);
    key = { id: created.body.api_key.id, headers: { 'X-API-Key': created.body.secret } };
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const recordsBy = async (actorId: string) => (await http(server).get(`/api/v2/activity?actor_id=${actorId}&limit=200`).set(admin.headers)).body.data;

  /** Runs a mutation and returns its response, asserting it added exactly one record by `actorId`. */
  async function exactlyOne(actorId: string, actorType: string, name: string, call: () => request.Test): Promise<request.Response> {
    const before = (await recordsBy(actorId)).length;
    const response = await call();
    expect({ name, status: response.status < 300 }).toEqual({ name, status: true });
    const after = await recordsBy(actorId);
    expect({ name, added: after.length - before }).toEqual({ name, added: 1 });
    expect({ name, actor: after[0].actor }).toEqual({ name, actor: { type: actorType, id: actorId } });
    return response;
  }

  it('records each mutation made with an API key once, with the key as actor', async () => {
    const as = key.headers;
    const k = (name: string, call: () => request.Test) => exactlyOne(key.id, 'api_key', name, call);
    await k('create sub-account', () => http(server).post('/api/v2/organizations').set(as).send({ name: 'Made by a key' }));
    const member = (await k('add member (new user)', () => http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(as).send({ email: 'recorded@example.test', password: 'a-long-password' }))).body.user_id;
    await k('change member', () => http(server).patch(`/api/v2/organizations/${admin.organizationId}/members/${member}`).set(as).send({ privileges: ['run_jobs'], active: false }));
    await k('remove member', () => http(server).delete(`/api/v2/organizations/${admin.organizationId}/members/${member}`).set(as));
    const role = (await k('create role', () => http(server).post('/api/v2/roles').set(as).send({ title: 'R' }))).body.id;
    await k('update role', () => http(server).patch(`/api/v2/roles/${role}`).set(as).send({ title: 'R2' }));
    await k('delete role', () => http(server).delete(`/api/v2/roles/${role}`).set(as));
    const v1Role = (await k('v1 create_role', () => http(server).post('/api/app/create_role/v1').set(as).send({ title: 'V1' }))).body.role.id;
    await k('v1 update_role', () => http(server).post('/api/app/update_role/v1').set(as).send({ id: v1Role, notes: 'n' }));
    await k('v1 delete_role', () => http(server).post('/api/app/delete_role/v1').set(as).send({ id: v1Role }));
    await k('create privilege', () => http(server).post('/api/v2/privileges').set(as).send({ id: 'recorded_thing', title: 'Recorded Thing' }));
    const apiKey = (await k('create key', () => http(server).post('/api/v2/api-keys').set(as).send({ title: 'Child' }))).body;
    issuedSecrets.add(apiKey.secret);
    await k('update key', () => http(server).patch(`/api/v2/api-keys/${apiKey.api_key.id}`).set(as).send({ title: 'Child 2' }));
    const rotated = (await k('rotate key', () => http(server).post(`/api/v2/api-keys/${apiKey.api_key.id}/rotate`).set(as).send({}))).body;
    issuedSecrets.add(rotated.secret);
    await k('revoke key', () => http(server).delete(`/api/v2/api-keys/${rotated.api_key.id}`).set(as));
    const v1Key = (await k('v1 create_api_key', () => http(server).post('/api/app/create_api_key/v1').set(as).send({ title: 'V1 key' }))).body;
    issuedSecrets.add(v1Key.plain_key);
    await k('v1 update_api_key', () => http(server).post('/api/app/update_api_key/v1').set(as).send({ id: v1Key.api_key.id, title: 'V1 key 2' }));
    const v1Rotated = (await k('v1 rotate_api_key', () => http(server).post('/api/app/rotate_api_key/v1').set(as).send({ id: v1Key.api_key.id }))).body;
    issuedSecrets.add(v1Rotated.plain_key);
    await k('v1 delete_api_key', () => http(server).post('/api/app/delete_api_key/v1').set(as).send({ id: v1Rotated.api_key.id }));
    const hook = (await k('create webhook', () => http(server).post('/api/v2/webhooks').set(as).send({ url: 'http://127.0.0.1:9/hook', events: ['api_key.rotation_due'] }))).body;
    issuedSecrets.add(hook.secret);
    await k('update webhook', () => http(server).patch(`/api/v2/webhooks/${hook.webhook.id}`).set(as).send({ description: 'd' }));
    await k('delete webhook', () => http(server).delete(`/api/v2/webhooks/${hook.webhook.id}`).set(as));
  });

  it('records organization changes once each, even a rename and a disable in one request', async () => {
    const a = (name: string, call: () => request.Test) => exactlyOne(admin.userId, 'user', name, call);
    const sub = (await a('create sub-account', () => http(server).post('/api/v2/organizations').set(admin.headers).send({ name: 'Recorded' }))).body.id;
    await a('rename and disable at once', () => http(server).patch(`/api/v2/organizations/${sub}`).set(admin.headers).send({ name: 'Recorded 2', status: 'disabled' }));
    await a('re-enable', () => http(server).patch(`/api/v2/organizations/${sub}`).set(admin.headers).send({ status: 'active' }));
    await a('disable via DELETE', () => http(server).delete(`/api/v2/organizations/${sub}`).set(admin.headers));
    await a('set policies', () => http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { rotation_reminder_days: 180 } }));
  });

  it('records each mutation of a signed-in user once, with the user as actor', async () => {
    const user = await memberSession(server, admin, admin.organizationId, { privileges: ['create_service_tokens'] }, 'recorded-user');
    const u = (name: string, call: () => request.Test) => exactlyOne(user.userId, 'user', name, call);
    await u('rename self', () => http(server).patch('/api/v2/users/me').set(user.headers).send({ name: 'Me' }));
    const token = (await u('create token', () => http(server).post('/api/v2/service-tokens').set(user.headers).send({ name: 'T' }))).body;
    issuedSecrets.add(token.secret);
    await u('update token', () => http(server).patch(`/api/v2/service-tokens/${token.service_token.id}`).set(user.headers).send({ name: 'T2' }));
    const rotated = (await u('rotate token', () => http(server).post(`/api/v2/service-tokens/${token.service_token.id}/rotate`).set(user.headers).send({}))).body;
    issuedSecrets.add(rotated.secret);
    await u('revoke token', () => http(server).delete(`/api/v2/service-tokens/${rotated.service_token.id}`).set(user.headers));
    await u('change password', () => http(server).post('/api/v2/users/me/password').set(user.headers).send({ current_password: user.password, new_password: 'a-new-long-password' }));
  });

  it('records nothing for a refused mutation', async () => {
    const before = (await recordsBy(key.id)).length;
    for (const call of [
      () => http(server).post('/api/v2/roles').set(key.headers).send({ title: '' }),
      () => http(server).post('/api/v2/api-keys').set(key.headers).send({ title: 'x', privileges: ['no_such_privilege'] }),
      () => http(server).patch('/api/v2/roles/00000000-0000-4000-8000-000000000000').set(key.headers).send({ title: 'x' }),
      () => http(server).post('/api/app/delete_api_key/v1').set(key.headers).send({}),
      () => http(server).post('/api/v2/webhooks').set(key.headers).send({ url: 'ftp://x', events: ['*'] }),
    ]) {
      expect((await call()).status).toBeGreaterThanOrEqual(400);
    }
    expect((await recordsBy(key.id)).length).toBe(before);
  });
});
