import { Algorithm, hashSync } from '@node-rs/argon2';
import { request as httpRequest } from 'node:http';
import { expectProblem, expectV1Error, http, loginAsAdmin } from '../support/client';
import { EMBEDDED_DATABASE_NICENESS, HASHING_NICENESS } from '../../src/common/thread-priority';
import { rssMegabytes, startServer, TestServer, threadNiceness } from '../support/server';
import { withDatabase } from '../support/storage';

/** Routes that answer without a credential, on purpose (each is marked @Public()). */
const PUBLIC_OPERATIONS = new Set([
  'POST /api/user/login',
  'GET /api/app/ping/v1',
  'POST /api/app/ping/v1',
  'POST /api/v2/auth/login',
  'GET /health/live',
  'GET /health/ready',
]);

/** Gives the users matching `emailLike` a hash of an older release's slow parameters: their logins stay on the hashing thread. */
function withSlowHash(server: TestServer, password: string, emailLike: string, memoryCost: number, timeCost: number) {
  const slow = hashSync(password, { algorithm: Algorithm.Argon2id, memoryCost, timeCost, parallelism: 1 });
  return withDatabase(server, (client) => client.query(`UPDATE users SET password_hash = $1 WHERE lower(email) LIKE lower($2)`, [slow, emailLike]));
}

type OpenApiDocument = { paths: Record<string, Record<string, { security?: unknown[] }>> };

describe('foundation', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('foundation');
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('is live and ready', async () => {
    const live = await http(server).get('/health/live');
    expect(live.status).toBe(200);
    const ready = await http(server).get('/health/ready');
    expect(ready.status).toBe(200);
    expect(ready.body.status).toBe('ok');
    expect(ready.body.info.database.status).toBe('up');
    if (process.env.REDIS_URL) expect(ready.body.info.redis.status).toBe('up');
  });

  it('starts no password hashing thread until a password is checked', async () => {
    // Restarted, the bootstrap admin exists already: nothing at boot hashes a password.
    await server.restart();
    const hashingThreads = () => [...threadNiceness(server.pid as number).values()].filter((nice) => nice === HASHING_NICENESS).length;
    expect((await http(server).get('/health/ready')).status).toBe(200);
    expect(hashingThreads()).toBe(0);
    // An unknown user's login checks the password against the dummy hash, on the thread.
    expect((await http(server).post('/api/v2/auth/login').send({ email: 'nobody@example.com', password: 'wrong password' })).status).toBe(401);
    expect(hashingThreads()).toBe(1);
  });

  it('runs password hashing (on a thread started by the first password operation) and the embedded database below the request thread', async () => {
    await loginAsAdmin(server);
    const pid = server.pid as number;
    const niceness = threadNiceness(pid);
    expect(niceness.get(pid)).toBe(0);
    const others = [...niceness].filter(([tid]) => tid !== pid).map(([, nice]) => nice);
    expect(others.filter((nice) => nice === HASHING_NICENESS)).toHaveLength(1);
    expect(others.filter((nice) => nice === EMBEDDED_DATABASE_NICENESS)).toHaveLength(process.env.DATABASE_URL ? 0 : 1);
  });

  it('answers ping in v1', async () => {
    const response = await http(server).get('/api/app/ping/v1');
    expect(response.status).toBe(200);
    expect(response.body).toEqual({ code: 0 });
  });

  it('serves Swagger UI and both documents, with every route in exactly one', async () => {
    const ui = await http(server).get('/docs');
    expect(ui.status).toBe(200);
    expect(ui.text).toContain('swagger');
    const v1 = (await http(server).get('/docs/v1.json')).body as OpenApiDocument;
    const v2 = (await http(server).get('/docs/v2.json')).body as OpenApiDocument;
    const v1Paths = Object.keys(v1.paths);
    const v2Paths = Object.keys(v2.paths);
    expect(v1Paths).toContain('/api/app/ping/v1');
    expect(v1Paths).toContain('/api/user/login');
    expect(v2Paths).toContain('/api/v2/organizations');
    expect(v2Paths).toContain('/api/v2/organizations/{id}');
    expect(v1Paths.every((path) => path.startsWith('/api/app/') || path.startsWith('/api/user/'))).toBe(true);
    expect(v2Paths.some((path) => v1Paths.includes(path))).toBe(false);
    const schemes = Object.keys((v1 as unknown as { components: { securitySchemes: object } }).components.securitySchemes);
    expect(schemes.sort()).toEqual(['api_key_header', 'api_key_query', 'bearer', 'session_cookie', 'session_header']);
  });

  it('opens no route without a credential unless it is marked public', async () => {
    const documents = [
      (await http(server).get('/docs/v1.json')).body as OpenApiDocument,
      (await http(server).get('/docs/v2.json')).body as OpenApiDocument,
    ];
    let checked = 0;
    for (const document of documents) {
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const name = `${method.toUpperCase()} ${path}`;
          if (PUBLIC_OPERATIONS.has(name)) {
            expect(operation.security).toBeUndefined();
            continue;
          }
          expect({ name, secured: (operation.security ?? []).length > 0 }).toEqual({ name, secured: true });
          const url = path.replace(/\{[^}]+\}/g, '6f1c7c0e-1b1a-4d3b-9a59-2f1d3c4b5a69');
          const response = await http(server)[method as 'get'](url).send(method === 'get' ? undefined : {});
          const expected = path.startsWith('/api/v2') ? 401 : 403;
          expect({ name, status: response.status, code: response.body.code }).toEqual({ name, status: expected, code: 'session' });
          expect(response.body.description ?? response.body.detail).toBe('No Session ID or API Key could be found');
          checked += 1;
        }
      }
    }
    expect(checked).toBeGreaterThanOrEqual(8);
  });

  it('answers an unknown route with 404 in the format of its version', async () => {
    expectV1Error(await http(server).get('/api/app/no_such_call/v1'), 404, 'notfound', 'Unknown API call: no_such_call');
    const problem = expectProblem(await http(server).get('/api/v2/no-such-thing'), 404, 'notfound');
    expect(problem.instance).toBe('/api/v2/no-such-thing');
  });

  it('refuses a body over 64 KB with 413 in both versions', async () => {
    const big = { name: 'x'.repeat(70 * 1024) };
    const session = await loginAsAdmin(server);
    expectProblem(await http(server).post('/api/v2/organizations').set(session.headers).send(big), 413, 'payload_too_large');
    expectV1Error(await http(server).post('/api/user/login').send({ username: 'x'.repeat(70 * 1024), password: 'p' }), 413, 'api');
  });

  it('answers malformed JSON, non-JSON bodies and non-object bodies with a 4xx', async () => {
    const malformed = await http(server).post('/api/v2/auth/login').set('Content-Type', 'application/json').send('{"email":');
    expect(expectProblem(malformed, 400, 'api').detail).toBe('Malformed JSON in request body.');
    const text = await http(server).post('/api/v2/auth/login').set('Content-Type', 'text/plain').send('hello');
    expectProblem(text, 415, 'unsupported_media_type');
    const array = await http(server).post('/api/v2/auth/login').send([1, 2]);
    expect(expectProblem(array, 400, 'validation').detail).toBe('Request body must be a JSON object.');
    expectV1Error(
      await http(server).post('/api/user/login').set('Content-Type', 'application/json').send('{"username":'),
      400,
      'api',
      'Malformed JSON in request body.',
    );
  });

  it('reports validation errors in both formats, naming the field', async () => {
    expectV1Error(await http(server).post('/api/user/login').send({ password: 'whatever1' }), 400, 'api', 'Missing parameter: username');
    const problem = expectProblem(await http(server).post('/api/v2/auth/login').send({ password: 'whatever1' }), 400, 'validation');
    expect(problem.detail).toBe('Missing parameter: email');
    expect(problem.errors).toEqual([{ field: 'email', message: 'is required' }]);
    const wrongType = expectProblem(await http(server).post('/api/v2/auth/login').send({ email: 42, password: 'x' }), 400, 'validation');
    expect((wrongType.errors as Array<{ field: string }>).map((error) => error.field)).toContain('email');
  });

  it('rejects unknown properties in v2 and ignores them in v1', async () => {
    const session = await loginAsAdmin(server);
    const problem = expectProblem(
      await http(server).post('/api/v2/organizations').set(session.headers).send({ name: 'X', owner: 'me' }),
      400,
      'validation',
    );
    expect(problem.detail).toBe('Unknown parameter: owner');
    const v1 = await http(server).post('/api/user/login').send({ username: server.adminEmail, password: server.adminPassword, extra: 1 });
    expect(v1.status).toBe(200);
    expect(v1.body.code).toBe(0);
  });

  it('gives every response a request id and never echoes a query-string credential', async () => {
    const response = await http(server).get('/api/v2/organizations?api_key=NotARealKeyButSecret1234');
    expect(response.headers['x-request-id']).toMatch(/^[0-9a-f-]{36}$/);
    expect(JSON.stringify(response.body)).not.toContain('NotARealKeyButSecret1234');
    expect(response.body.instance).toBe('/api/v2/organizations');
  });

  it('exposes Prometheus metrics', async () => {
    const response = await http(server).get('/metrics');
    expect(response.status).toBe(200);
    expect(response.text).toContain('keyward_http_requests_total');
    expect(response.text).toContain('keyward_db_queries_total');
  });
});

describe('first start and restart', () => {
  let server: TestServer;

  afterAll(async () => {
    await server?.destroy();
  });

  it('bootstraps once, keeps its data across a graceful restart and does not bootstrap again', async () => {
    server = await startServer('restart');
    const session = await loginAsAdmin(server);
    const created = await http(server).post('/api/v2/organizations').set(session.headers).send({ name: 'Survives Restart' });
    expect(created.status).toBe(201);

    expect(await server.stop()).toBe(0);
    expect(server.logs.some((line) => line.includes('"msg":"stopped"'))).toBe(true);
    await server.restart();

    const again = await loginAsAdmin(server);
    expect(again.organizationId).toBe(session.organizationId);
    const list = await http(server).get('/api/v2/organizations').set(again.headers);
    expect(list.body.data.map((organization: { name: string }) => organization.name)).toContain('Survives Restart');
    const firstStarts = server.logs.filter((line) => line.includes('First start: created organization'));
    expect(firstStarts).toHaveLength(1);
    const bootstraps = await http(server).get('/api/v2/activity?action=system_bootstrap').set(again.headers);
    expect(bootstraps.body.data).toHaveLength(1);
    // The embedded database's threads (the one that created it, the one stopped) ended by themselves,
    // never terminated (embedded-postgres.ts, close()).
    expect(server.logs.join('\n')).not.toContain("the embedded database's thread had not ended");
  });

  it('answers the requests in flight when told to stop, before it stops what they need', async () => {
    const stopping = await startServer('drain');
    try {
      // An older release's parameters, slow to verify (argon2id, 19 MiB, t = 16): the login is
      // still on the hashing thread when the signal comes.
      await withSlowHash(stopping, stopping.adminPassword, stopping.adminEmail, 19456, 16);
      // Two logins: one verifying when the signal comes, one queued behind it on the thread.
      const answeredAt: number[] = [];
      const login = () =>
        http(stopping)
          .post('/api/v2/auth/login')
          .send({ email: stopping.adminEmail, password: stopping.adminPassword })
          .then((response) => {
            answeredAt.push(Date.now());
            return response;
          });
      const first = login();
      await new Promise((resolve) => setTimeout(resolve, 15));
      const second = login();
      await new Promise((resolve) => setTimeout(resolve, 30));
      const signalledAt = Date.now();
      const exited = stopping.stop();
      const answers = await Promise.all([first, second]);
      // Both were in flight at the signal, and answered as if no shutdown had begun (before this,
      // the hashing thread stopped under the queued one: 401, as for a wrong password).
      expect(Math.min(...answeredAt)).toBeGreaterThan(signalledAt);
      expect(answers.map((answer) => answer.status)).toEqual([200, 200]);
      expect(await exited).toBe(0);
      const answer = answers[1];
      // The session it opened was committed before the database closed.
      await stopping.restart();
      expect((await http(stopping).get('/api/v2/account').set({ 'X-Session-ID': answer.body.session_id })).status).toBe(200);
    } finally {
      await stopping.destroy();
    }
  });

  it('finishes a request whose client left before the answer, when told to stop', async () => {
    const stopping = await startServer('drain-abandoned');
    try {
      await withSlowHash(stopping, stopping.adminPassword, stopping.adminEmail, 19456, 16);
      // The client sends a login and hangs up while it verifies; the signal comes after.
      const body = JSON.stringify({ email: stopping.adminEmail, password: stopping.adminPassword });
      const request = httpRequest(`${stopping.url}/api/v2/auth/login`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } });
      request.on('error', () => undefined);
      request.end(body);
      await new Promise((resolve) => setTimeout(resolve, 30));
      request.destroy();
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect(await stopping.stop()).toBe(0);
      // The login went on to the end with what it needed (before, the hashing thread was stopped
      // under it: a failed login, recorded against the account if the database was still there).
      const abandoned = stopping.logs.map((line) => JSON.parse(line.startsWith('{') ? line : '{}')).find((entry) => entry.msg === 'request abandoned by its client');
      expect(abandoned).toMatchObject({ method: 'POST', url: '/api/v2/auth/login', status: 200 });
      expect(stopping.logs.join('\n')).not.toContain('could not record a failed login');
      const actions = await withDatabase(stopping, async (client) =>
        (await client.query(`SELECT action FROM activity_records WHERE action LIKE 'user_login%' ORDER BY seq`)).rows.map((row) => row.action),
      );
      expect(actions).toEqual(['user_login']);
    } finally {
      await stopping.destroy();
    }
  });

  it('answers the logins it could not check 503, not as wrong passwords, when the drain runs out', async () => {
    // A drain of one second, and seconds of logins queued on the hashing thread: 40 users whose
    // hashes are of slow older parameters (t = 120, about 0.18 s each here), logging in at once with
    // their right passwords. The thread stops with logins still waiting on it.
    const stopping = await startServer('drain-out', { env: { SHUTDOWN_TIMEOUT_MS: '2000' } });
    try {
      const admin = await loginAsAdmin(stopping);
      const password = 'queued-login-password';
      const emails = Array.from({ length: 40 }, (_, index) => `queued-${index}@example.test`);
      for (const email of emails) {
        expect((await http(stopping).post(`/api/v2/organizations/${admin.organizationId}/members`).set(admin.headers).send({ email, password })).status).toBe(201);
      }
      await withSlowHash(stopping, password, 'queued-%', 7168, 120);
      const logins = emails.map((email) => http(stopping).post('/api/v2/auth/login').send({ email, password }).then((response) => response));
      // Received before the signal (one received after it would be answered 503 by Fastify itself).
      await new Promise((resolve) => setTimeout(resolve, 500));
      const exited = stopping.stop();
      const answers = await Promise.all(logins);
      await exited;
      // Those checked before the thread stopped logged in (here, likely none: each login's hash
      // upgrade queues behind the other logins' verifications); the others were told to retry, and
      // none was refused as a wrong password.
      expect(answers.map((answer) => answer.status).filter((status) => status !== 200 && status !== 503)).toEqual([]);
      const unchecked = answers[answers.length - 1];
      expectProblem(unchecked, 503, 'unavailable');
      expect(unchecked.body.detail).toBe('The service could not check the password; try again shortly.');
      expect(unchecked.headers['retry-after']).toBe('1');
      expect(stopping.logs.join('\n')).not.toContain('could not record a failed login');
    } finally {
      await stopping.destroy();
    }
  });

  // Creating the embedded database runs initdb in a WebAssembly instance of its own; the thread that
  // ran it used to stay at ~800 MB resident against ~250 MB for the same server started again.
  (process.env.DATABASE_URL ? it.skip : it)('does not keep the memory that creating the embedded database used', async () => {
    const created = await startServer('first-start-memory');
    try {
      const afterCreating = rssMegabytes(created.pid);
      await created.restart();
      const afterOpening = rssMegabytes(created.pid);
      expect(afterCreating).toBeLessThan(afterOpening + 300);
    } finally {
      await created.destroy();
    }
  });

  it('generates a strong admin password when none is configured and prints it once', async () => {
    const generated = await startServer('generated', { env: { BOOTSTRAP_ADMIN_PASSWORD: '' } });
    try {
      const line = generated.logs.find((entry) => entry.includes('<- generated'));
      const password = /password: (\S+)/.exec(line ?? '')?.[1] ?? '';
      expect(password).toMatch(/^[A-Za-z0-9]{20}$/);
      const response = await http(generated).post('/api/v2/auth/login').send({ email: generated.adminEmail, password });
      expect(response.status).toBe(200);
      await generated.restart();
      expect(generated.logs.filter((entry) => entry.includes('<- generated'))).toHaveLength(1);
    } finally {
      await generated.destroy();
    }
  });

  it('stops with a message naming a bad variable', async () => {
    const { spawnSync } = await import('node:child_process');
    const result = spawnSync(process.execPath, ['dist/src/main.js'], {
      env: { PATH: process.env.PATH, PORT: 'eighty' },
      encoding: 'utf8',
      timeout: 20000,
    });
    expect(result.status).toBe(78);
    expect(result.stderr).toContain('PORT');
  });
});
