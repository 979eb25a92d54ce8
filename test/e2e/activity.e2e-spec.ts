import { expectProblem, expectV1Error, http, loginAsAdmin, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { withDatabase } from '../support/storage';
import { memberSession } from '../support/tenants';

describe('activity log', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('activity', { env: { SECURITY_EVENT_WINDOW_MS: '1000', SECURITY_EVENT_FLUSH_MS: '200' } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const integrity = async () => (await http(server).get('/api/v2/activity/integrity').set(admin.headers)).body;
  const relogin = async () => {
    admin = await loginAsAdmin(server);
  };

  it('keeps a valid chain under concurrent writers', async () => {
    await Promise.all(Array.from({ length: 25 }, (_, i) => http(server).post('/api/v2/roles').set(admin.headers).send({ title: `Concurrent ${i}` })));
    const report = await integrity();
    expect(report).toMatchObject({ valid: true, first_broken: null });
    expect(report.records_checked).toBeGreaterThanOrEqual(27);
    expect(report.last_hash).toMatch(/^[0-9a-f]{64}$/);
  });

  it('searches with the v1 query syntax', async () => {
    await http(server).post('/api/app/create_api_key/v1').set(admin.headers).send({ title: 'Searchable needle key' });
    const created = await http(server).get('/api/app/search_activity/v1?query=action:apikey_create').set(admin.headers);
    expect(created.body.code).toBe(0);
    expect(created.body.rows.map((row: { action: string }) => row.action)).toEqual(['apikey_create']);
    expect(created.body.list.length).toBe(1);
    expect(typeof created.body.rows[0].epoch).toBe('number');
    const either = await http(server).post('/api/app/search_activity/v1').set(admin.headers).send({ query: 'action:apikey_create|role_create', limit: 5 });
    expect(either.body.rows).toHaveLength(5);
    expect(either.body.list.length).toBe(26);
    const keywords = await http(server).get('/api/app/search_activity/v1?query=keywords:needle').set(admin.headers);
    expect(keywords.body.rows.map((row: { action: string }) => row.action)).toEqual(['apikey_create']);
    const today = new Date().toISOString().slice(0, 10);
    const inRange = await http(server).post('/api/app/search_activity/v1').set(admin.headers).send({ query: `action:apikey_create date:>=${today}` });
    expect(inRange.body.rows).toHaveLength(1);
    const before = await http(server).post('/api/app/search_activity/v1').set(admin.headers).send({ query: `action:apikey_create date:<${today}` });
    expect(before.body.rows).toHaveLength(0);
    const ascending = await http(server).post('/api/app/search_activity/v1').set(admin.headers).send({ query: 'action:role_create', sort_dir: 1, limit: 25 });
    const descending = await http(server).post('/api/app/search_activity/v1').set(admin.headers).send({ query: 'action:role_create', limit: 25 });
    const ascendingIds = ascending.body.rows.map((row: { id: string }) => row.id);
    expect(ascendingIds).toHaveLength(25);
    expect(ascendingIds).toEqual([...descending.body.rows.map((row: { id: string }) => row.id)].reverse());
    expectV1Error(await http(server).post('/api/app/search_activity/v1').set(admin.headers).send({ query: 'who:me' }), 400, 'api', "Invalid parameter: query: cannot understand 'who:me'");
  });

  it('shows a user their own activity', async () => {
    const member = await memberSession(server, admin, admin.organizationId, {}, 'own');
    await http(server).post('/api/v2/users/me/password').set(member.headers).send({ current_password: member.password, new_password: 'an-entirely-new-pass' });
    const own = await http(server).get('/api/app/get_user_activity/v1').set(member.headers);
    expect(own.body.rows.map((row: { action: string }) => row.action)).toEqual(['user_password_change', 'user_login']);
  });

  it('filters in v2 and streams exports as NDJSON and CSV', async () => {
    const filtered = await http(server).get('/api/v2/activity?action=apikey_create&outcome=success').set(admin.headers);
    expect(filtered.body.data).toHaveLength(1);
    const ndjson = await http(server).get('/api/v2/activity/export?action=role_create').set(admin.headers).buffer(true);
    expect(ndjson.status).toBe(200);
    expect(ndjson.headers['content-type']).toMatch(/^application\/x-ndjson/);
    const lines = ndjson.text.trim().split('\n').map((line) => JSON.parse(line));
    expect(lines).toHaveLength(25);
    expect(lines.every((line: { action: string }) => line.action === 'role_create')).toBe(true);
    const csv = await http(server).get('/api/v2/activity/export?action=role_create').set({ ...admin.headers, Accept: 'text/csv' }).buffer(true);
    expect(csv.headers['content-type']).toMatch(/^text\/csv/);
    const rows = csv.text.trim().split('\n');
    expect(rows[0]).toBe('id,created_at,action,outcome,actor_type,actor_id,target_type,target_id,ip,user_agent,request_id,details');
    expect(rows).toHaveLength(26);
    expectProblem(await http(server).get('/api/v2/activity?from=yesterday').set(admin.headers), 400, 'validation');
  });

  it('records refused credentials and rate-limit refusals once per credential and minute, with counts', async () => {
    const disabled = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Disabled', active: false });
    for (let i = 0; i < 5; i += 1) expect((await http(server).get('/api/v2/account').set('X-API-Key', disabled.body.secret)).status).toBe(401);
    const limited = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Limited', max_per_sec: 1 });
    await Promise.all(Array.from({ length: 4 }, () => http(server).get('/api/v2/account').set('X-API-Key', limited.body.secret)));
    await new Promise((resolve) => setTimeout(resolve, 1600));
    const failures = await http(server).get(`/api/v2/activity?action=auth_failure&target_id=${disabled.body.api_key.id}`).set(admin.headers);
    // The suite's window is 1 s, so five requests on a slow machine may fall into two windows:
    // one record per window, never one per request, and the counts add up.
    type Aggregated = { outcome: string; actor: unknown; details: { count: number; reasons: Record<string, number>; addresses: string[]; window_start: string } };
    const onePerWindow = (records: Aggregated[]) => new Set(records.map((record) => record.details.window_start)).size === records.length;
    const total = (records: Aggregated[]) => records.reduce((sum, record) => sum + record.details.count, 0);
    const failureRecords = failures.body.data as Aggregated[];
    expect(failureRecords.length).toBeGreaterThanOrEqual(1);
    expect(failureRecords.length).toBeLessThanOrEqual(2);
    expect(onePerWindow(failureRecords)).toBe(true);
    expect(total(failureRecords)).toBe(5);
    for (const record of failureRecords) {
      expect(record).toMatchObject({
        outcome: 'failure',
        actor: { type: 'api_key', id: disabled.body.api_key.id },
        details: { reasons: { 'API Key is disabled': record.details.count }, addresses: ['127.0.0.1'] },
      });
    }
    const limitedRecords = (await http(server).get(`/api/v2/activity?action=rate_limited&target_id=${limited.body.api_key.id}`).set(admin.headers)).body.data as Aggregated[];
    expect(limitedRecords.length).toBeGreaterThanOrEqual(1);
    expect(onePerWindow(limitedRecords)).toBe(true);
    expect(total(limitedRecords)).toBeGreaterThanOrEqual(2);
    expect(JSON.stringify(failures.body)).not.toContain(disabled.body.secret);
    expect((await integrity()).valid).toBe(true);
  });

  it('reports an altered record at that record', async () => {
    const target = (await http(server).get('/api/v2/activity?action=apikey_create').set(admin.headers)).body.data[0];
    await withDatabase(server, (client) =>
      client.query(`UPDATE activity_records SET details = jsonb_set(details, '{title}', '"forged"') WHERE id = $1`, [target.id]),
    );
    await relogin();
    const report = await integrity();
    expect(report).toMatchObject({ valid: false, first_broken: { id: target.id, reason: 'hash_mismatch' } });
    await withDatabase(server, (client) =>
      client.query(`UPDATE activity_records SET details = jsonb_set(details, '{title}', to_jsonb($2::text)) WHERE id = $1`, [target.id, target.details.title]),
    );
    await relogin();
    expect((await integrity()).valid).toBe(true);
  });

  it('reports two records swapped in the order at the first of them', async () => {
    const [newer, older] = (await http(server).get('/api/v2/activity?action=apikey_create&limit=2').set(admin.headers)).body.data;
    // seq is GENERATED ALWAYS, so a reorder moves every other column between the two rows.
    const columns = `id, actor_kind, actor_id, action, target_kind, target_id, outcome, ip, user_agent, request_id, details, created_at, prev_hash, hash`;
    const swap = async () =>
      withDatabase(server, async (client) => {
        const rows = (await client.query(`SELECT seq::text, ${columns} FROM activity_records WHERE id IN ($1, $2) ORDER BY seq`, [older.id, newer.id])).rows;
        const assignments = columns.split(', ').map((column, index) => `${column} = $${index + 2}`).join(', ');
        const values = (row: Record<string, unknown>) => columns.split(', ').map((column) => row[column]);
        await client.query(`UPDATE activity_records SET id = gen_random_uuid() WHERE seq IN ($1::bigint, $2::bigint)`, [rows[0].seq, rows[1].seq]);
        await client.query(`UPDATE activity_records SET ${assignments} WHERE seq = $1::bigint`, [rows[0].seq, ...values(rows[1])]);
        await client.query(`UPDATE activity_records SET ${assignments} WHERE seq = $1::bigint`, [rows[1].seq, ...values(rows[0])]);
      });
    await swap();
    await relogin();
    expect(await integrity()).toMatchObject({ valid: false, first_broken: { id: newer.id, reason: 'chain_break' } });
    await swap();
    await relogin();
    expect((await integrity()).valid).toBe(true);
  });

  it('reports a deleted record at the record after it', async () => {
    const page = (await http(server).get('/api/v2/activity?action=role_create&limit=3').set(admin.headers)).body.data;
    const [newer, middle] = page;
    const removed = await withDatabase(server, async (client) => {
      const rows = await client.query(`SELECT seq::text FROM activity_records WHERE id = $1`, [middle.id]);
      await client.query(`DELETE FROM activity_records WHERE id = $1`, [middle.id]);
      const next = await client.query(`SELECT id FROM activity_records WHERE organization_id = $1 AND seq > $2::bigint ORDER BY seq LIMIT 1`, [admin.organizationId, rows.rows[0].seq]);
      return next.rows[0].id as string;
    });
    expect(removed).toBe(newer.id);
    await relogin();
    expect(await integrity()).toMatchObject({ valid: false, first_broken: { id: newer.id, reason: 'chain_break' } });
  });
});

describe('activity retention', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('retention', { env: { ACTIVITY_RETENTION_DAYS: '30', HYGIENE_INTERVAL_MS: '300' } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('removes records past the limit explicitly, records it, and keeps the chain verifiable', async () => {
    for (let i = 0; i < 4; i += 1) await http(server).post('/api/v2/roles').set(admin.headers).send({ title: `Old ${i}` });
    for (let i = 0; i < 2; i += 1) await http(server).post('/api/v2/roles').set(admin.headers).send({ title: `Recent ${i}` });
    await withDatabase(server, (client) =>
      client.query(
        `UPDATE activity_records SET created_at = now() - interval '40 days'
         WHERE seq <= (SELECT seq FROM activity_records WHERE details->>'title' = 'Old 3')`,
      ),
    );
    admin = await loginAsAdmin(server);
    let retention: Array<{ details: { removed: number } }> = [];
    for (let i = 0; i < 60 && retention.length === 0; i += 1) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      retention = (await http(server).get('/api/v2/activity?action=activity_retention').set(admin.headers)).body.data;
    }
    expect(retention).toHaveLength(1);
    expect(retention[0].details.removed).toBeGreaterThanOrEqual(6);
    const titles = (await http(server).get('/api/v2/activity?action=role_create').set(admin.headers)).body.data.map((record: { details: { title: string } }) => record.details.title);
    expect(titles.sort()).toEqual(['Recent 0', 'Recent 1']);
    const report = (await http(server).get('/api/v2/activity/integrity').set(admin.headers)).body;
    expect(report).toMatchObject({ valid: true, first_broken: null });
  });
});
