import { expectProblem, expectV1Error, http, issuedSecrets, loginAsAdmin, Session } from '../support/client';
import { eventually } from '../support/eventually';
import { startServer, TestServer } from '../support/server';
import { withDatabase } from '../support/storage';
import { memberSession } from '../support/tenants';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('key hygiene policies', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('hygiene', { env: { HYGIENE_INTERVAL_MS: '300' } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const createKey = async (title: string, body: object = {}) => {
    const response = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title, privileges: ['view_api_keys'], ...body });
    if (response.status !== 201) throw new Error(`key: ${response.status} ${JSON.stringify(response.body)}`);
    issuedSecrets.add(response.body.secret);
    return { id: response.body.api_key.id as string, secret: response.body.secret as string, body: response.body.api_key };
  };
  const records = async (action: string, targetId: string) =>
    (await http(server).get(`/api/v2/activity?action=${action}&target_id=${targetId}`).set(admin.headers)).body.data;
  /** The records once there is one: the sweeps run on their own schedule. */
  const recorded = (action: string, id: string): Promise<Array<{ actor: unknown; details: { reason: string } }>> =>
    eventually(() => records(action, id), (found) => found.length > 0);

  it('shows the defaults the seed documents suggest, and lets only an admin change them', async () => {
    const organization = await http(server).get(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers);
    expect(organization.body.policies).toEqual({ rotation_reminder_days: 90, revoke_unused_days: null, max_key_lifetime_days: null, volume_multiple: 10, business_hours: null });
    const manager = await memberSession(server, admin, admin.organizationId, { privileges: ['manage_sub_accounts'] });
    const refused = await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(manager.headers).send({ policies: { revoke_unused_days: 1 } });
    expect(expectProblem(refused, 403, 'access').detail).toBe("You do not have the 'Administrator' privilege required to perform this action.");
    expectProblem(await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { revoke_unused_days: 0 } }), 400, 'validation');
    expectProblem(await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { unknown: 1 } }), 400, 'validation');
  });

  it('caps the lifetime of new keys', async () => {
    await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { max_key_lifetime_days: 10 } });
    const capped = await createKey('Capped');
    const lifetimeDays = (Date.parse(capped.body.expires_at) - Date.now()) / 86_400_000;
    expect(lifetimeDays).toBeGreaterThan(9.9);
    expect(lifetimeDays).toBeLessThanOrEqual(10);
    const tooLong = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Too long', expires_at: new Date(Date.now() + 30 * 86_400_000).toISOString() });
    expect(expectProblem(tooLong, 400, 'validation').detail).toBe('Invalid parameter: expires: this organization allows keys of at most 10 days');
    await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { max_key_lifetime_days: null } });
    expect((await createKey('Uncapped')).body.expires_at).toBeNull();
  });

  it('revokes a key unused past the limit as system, reminds once about rotation, and leaves a fresh key alone', async () => {
    const old = await createKey('Old and forgotten');
    const fresh = await createKey('Fresh');
    await withDatabase(server, (client) =>
      client.query(`UPDATE api_keys SET created_at = now() - interval '100 days', last_used_at = now() - interval '40 days' WHERE id = $1`, [old.id]),
    );
    admin = await loginAsAdmin(server);
    // The reminder first, then the revocation policy: a sweep that started before the dates were
    // changed could otherwise revoke the key before any sweep saw it due for rotation.
    expect(await recorded('apikey_rotation_due', old.id)).toHaveLength(1);
    await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { revoke_unused_days: 30, rotation_reminder_days: 90 } });
    const revoked = await recorded('apikey_delete', old.id);
    expect(revoked).toHaveLength(1);
    expect(revoked[0].actor).toEqual({ type: 'system', id: null });
    expect(revoked[0].details.reason).toBe('unused for 30 days (organization policy)');
    expectV1Error(await http(server).get('/api/app/get_api_keys/v1').set('X-API-Key', old.secret), 400, 'api', 'API Key is disabled');
    await sleep(1000);
    expect(await records('apikey_rotation_due', old.id)).toHaveLength(1);
    expect(await records('apikey_rotation_due', fresh.id)).toHaveLength(0);
    expect(await records('apikey_delete', fresh.id)).toHaveLength(0);
    expect((await http(server).get('/api/v2/account').set('X-API-Key', fresh.secret)).status).toBe(200);
    expect((await http(server).get('/api/v2/activity/integrity').set(admin.headers)).body.valid).toBe(true);
  });

  it('warns once about a key that expires within a week', async () => {
    const soon = await createKey('Expiring soon', { expires_at: new Date(Date.now() + 3 * 86_400_000).toISOString() });
    expect(await recorded('apikey_expiring', soon.id)).toHaveLength(1);
    await sleep(800);
    expect(await records('apikey_expiring', soon.id)).toHaveLength(1);
  });
});
