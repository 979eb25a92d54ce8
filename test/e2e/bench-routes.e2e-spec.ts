import { expectProblem, http, issuedSecrets, loginAsAdmin } from '../support/client';
import { startServer, TestServer } from '../support/server';

/** The twin routes of `npm run bench` exist only when asked for, and the guarded one is guarded. */
describe('bench twin routes', () => {
  let plain: TestServer;
  let bench: TestServer;

  beforeAll(async () => {
    [plain, bench] = await Promise.all([startServer('bench-routes-off'), startServer('bench-routes-on', { env: { BENCH_ROUTES: 'true' } })]);
  });

  afterAll(async () => {
    await Promise.all([plain?.destroy(), bench?.destroy()]);
  });

  it('are not mounted by default, nor in the published documents', async () => {
    expectProblem(await http(plain).get('/api/v2/bench/public'), 404, 'notfound');
    expectProblem(await http(plain).get('/api/v2/bench/authenticated'), 404, 'notfound');
    const document = (await http(bench).get('/docs/v2.json')).body as { paths: Record<string, unknown> };
    expect(Object.keys(document.paths).filter((path) => path.includes('/bench'))).toEqual([]);
  });

  it('answer the same body, the public one naming nothing real, the other only to a valid credential', async () => {
    const admin = await loginAsAdmin(bench);
    const key = await http(bench).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Bench', privileges: ['view_api_keys'] });
    issuedSecrets.add(key.body.secret);
    expectProblem(await http(bench).get('/api/v2/bench/authenticated'), 401, 'session');
    expectProblem(await http(bench).get('/api/v2/bench/authenticated').set('X-API-Key', 'kw_not-a-real-key-at-all'), 401, 'session');
    const authenticated = await http(bench).get('/api/v2/bench/authenticated').set('X-API-Key', key.body.secret);
    const unauthenticated = await http(bench).get('/api/v2/bench/public');
    expect(authenticated.status).toBe(200);
    expect(authenticated.body).toMatchObject({ principal: { type: 'api_key', id: key.body.api_key.id }, organization_id: admin.organizationId });
    expect(unauthenticated.status).toBe(200);
    expect(unauthenticated.body.organization_id).toBe('00000000-0000-4000-8000-000000000001');
    expect(unauthenticated.text.length).toBe(authenticated.text.length);
  });
});
