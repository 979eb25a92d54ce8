import { http, issuedSecrets, loginAsAdmin, requestFrom, Session } from '../support/client';
import { eventually } from '../support/eventually';
import { startServer, TestServer } from '../support/server';
import { withDatabase } from '../support/storage';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

describe('suspicious-activity detectors', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('detectors', { env: { USAGE_FLUSH_INTERVAL_MS: '200', SECURITY_EVENT_WINDOW_MS: '2000', SECURITY_EVENT_FLUSH_MS: '200', FAILURE_BURST_THRESHOLD: '10' } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const createKey = async (title: string, body: object = {}) => {
    const response = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title, ...body });
    issuedSecrets.add(response.body.secret);
    return { id: response.body.api_key.id as string, secret: response.body.secret as string };
  };
  const useFrom = (secret: string, localAddress = '127.0.0.1') =>
    requestFrom(`http://127.0.0.1:${server.port}/api/v2/account`, { localAddress, headers: { 'X-API-Key': secret } });
  const findings = async (action: string, targetId?: string) =>
    (await http(server).get(`/api/v2/activity?action=${action}${targetId ? `&target_id=${targetId}` : ''}`).set(admin.headers)).body.data;
  /** The findings once at least `atLeast` are there (usage is written behind and judged after). */
  const findingsOnce = (atLeast: number, action: string, targetId?: string) =>
    eventually(() => findings(action, targetId), (found) => found.length >= atLeast);

  it('reports a new address after the first day of use, and not before', async () => {
    const key = await createKey('Roaming');
    expect((await useFrom(key.secret, '127.0.0.1')).status).toBe(200);
    await sleep(400);
    expect((await useFrom(key.secret, '127.0.0.2')).status).toBe(200);
    await sleep(400);
    expect(await findings('security_new_ip', key.id)).toHaveLength(0);
    await withDatabase(server, (client) => client.query(`UPDATE credential_ips SET first_seen_at = now() - interval '2 days' WHERE credential_id = $1`, [key.id]));
    expect((await useFrom(key.secret, '127.0.0.2')).status).toBe(200);
    await sleep(400);
    expect(await findings('security_new_ip', key.id)).toHaveLength(0);
    expect((await useFrom(key.secret, '127.0.0.3')).status).toBe(200);
    const found = await findingsOnce(1, 'security_new_ip', key.id);
    expect(found).toHaveLength(1);
    expect(found[0]).toMatchObject({ actor: { type: 'api_key', id: key.id }, details: { ip: '127.0.0.3' } });
    expect(found[0].details.reasoning).toMatch(/First use from 127\.0\.0\.3/);
  });

  it('judges every credential of one flush on its own (the detectors work a flush as a set)', async () => {
    const keys = [await createKey('Fleet 1'), await createKey('Fleet 2'), await createKey('Fleet 3')];
    for (const key of keys) expect((await useFrom(key.secret, '127.0.0.1')).status).toBe(200);
    await sleep(400);
    // Only the first two are past their first day of use.
    await withDatabase(server, (client) =>
      client.query(`UPDATE credential_ips SET first_seen_at = now() - interval '2 days' WHERE credential_id = ANY($1::uuid[])`, [[keys[0].id, keys[1].id]]),
    );
    await Promise.all(keys.map((key) => useFrom(key.secret, '127.0.0.4')));
    await useFrom(keys[0].secret, '127.0.0.5');
    const found = [await findingsOnce(2, 'security_new_ip', keys[0].id), await findingsOnce(1, 'security_new_ip', keys[1].id), await findings('security_new_ip', keys[2].id)];
    expect(found[0].map((finding: { details: { ip: string } }) => finding.details.ip).sort()).toEqual(['127.0.0.4', '127.0.0.5']);
    expect(found[1].map((finding: { details: { ip: string } }) => finding.details.ip)).toEqual(['127.0.0.4']);
    expect(found[2]).toHaveLength(0);
  });

  it('reports a day far above the key\'s own trailing average, and not a key without history', async () => {
    await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { volume_multiple: 2 } });
    const busy = await createKey('Suddenly busy');
    const quiet = await createKey('New and busy');
    await withDatabase(server, (client) =>
      client.query(`INSERT INTO api_key_usage_daily (api_key_id, day, count) SELECT $1, current_date - d, 5 FROM generate_series(1, 7) AS d`, [busy.id]),
    );
    for (let i = 0; i < 12; i += 1) {
      await useFrom(busy.secret);
      await useFrom(quiet.secret);
    }
    const found = await findingsOnce(1, 'security_volume', busy.id);
    expect(found).toHaveLength(1);
    // It fires at the first flush that passes 2 x 5 calls: the 11th or 12th call.
    expect(found[0].details).toMatchObject({ trailing_daily_average: 5, multiple: 2 });
    expect(found[0].details.today).toBeGreaterThan(10);
    expect(found[0].details.today).toBeLessThanOrEqual(12);
    expect(await findings('security_volume', quiet.id)).toHaveLength(0);
    for (let i = 0; i < 5; i += 1) await useFrom(busy.secret);
    await sleep(500);
    expect(await findings('security_volume', busy.id)).toHaveLength(1);
  });

  it('reports a burst of failed authentications, and not a few', async () => {
    const disabled = await createKey('Disabled', { active: false });
    // Windows of 2 s: start right after a boundary so each batch falls in one window.
    const window = 2000;
    await sleep(window - (Date.now() % window) + 20);
    for (let i = 0; i < 4; i += 1) await useFrom(disabled.secret);
    await sleep(window - (Date.now() % window) + 600);
    expect(await findings('security_failure_burst')).toHaveLength(0);
    for (let i = 0; i < 12; i += 1) await useFrom(disabled.secret);
    await sleep(window - (Date.now() % window) + 600);
    const found = await findingsOnce(1, 'security_failure_burst');
    expect(found.length).toBeGreaterThanOrEqual(1);
    expect(found[0].actor).toEqual({ type: 'system', id: null });
    expect(found[0].details.reasoning).toMatch(/failed authentications/);
    expect(found[0].details.credentials[0]).toMatchObject({ type: 'api_key', id: disabled.id });
  });

  it('reports use outside business hours, and not inside them', async () => {
    const key = await createKey('Night owl');
    await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers)
      .send({ policies: { business_hours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start: '00:00', end: '24:00' } } });
    await useFrom(key.secret);
    await sleep(500);
    expect(await findings('security_after_hours', key.id)).toHaveLength(0);
    const hour = (new Date().getUTCHours() + 12) % 24;
    const start = `${String(hour).padStart(2, '0')}:00`;
    const end = `${String(hour).padStart(2, '0')}:30`;
    const set = await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers)
      .send({ policies: { business_hours: { timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start, end } } });
    expect(set.body.policies.business_hours).toEqual({ timezone: 'UTC', days: [1, 2, 3, 4, 5, 6, 7], start, end });
    await useFrom(key.secret);
    const found = await findingsOnce(1, 'security_after_hours', key.id);
    expect(found).toHaveLength(1);
    expect(found[0].details.reasoning).toMatch(/outside the organization's business hours/);
    const badZone = await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers)
      .send({ policies: { business_hours: { timezone: 'Mars/Olympus', days: [1], start: '08:00', end: '18:00' } } });
    expect(badZone.status).toBe(400);
    await http(server).patch(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers).send({ policies: { business_hours: null } });
  });

  it('keeps the activity chain valid through all of it', async () => {
    expect((await http(server).get('/api/v2/activity/integrity').set(admin.headers)).body.valid).toBe(true);
  });
});
