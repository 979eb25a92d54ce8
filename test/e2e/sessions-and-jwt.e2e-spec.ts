import { Algorithm, hashSync, verifySync } from '@node-rs/argon2';
import { generateKeyPairSync } from 'node:crypto';
import jwt from 'jsonwebtoken';
import { ARGON2_OPTIONS } from '../../src/auth/password-hashing';
import { expectNoSecretsInLogs, expectProblem, expectV1Error, http, issuedSecrets, login, loginAsAdmin, metricValue, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { withDatabase } from '../support/storage';
import { createMember, createSubAccount } from '../support/tenants';

const INVALID = 'Session has expired or is invalid.';
const { privateKey: serverKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const SERVER_KEY_PEM = serverKey.export({ format: 'pem', type: 'pkcs8' }).toString();

describe('login, sessions and JWTs', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('sessions', { env: { JWT_PRIVATE_KEY: SERVER_KEY_PEM } });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const account = (headers: Record<string, string>) => http(server).get('/api/v2/account').set(headers);

  it('logs in through v1 with username or email, setting the session cookie', async () => {
    for (const field of ['username', 'email']) {
      const response = await http(server).post('/api/user/login').send({ [field]: server.adminEmail, password: server.adminPassword });
      expect(response.status).toBe(200);
      expect(response.body).toMatchObject({ code: 0, session_id: expect.any(String), csrf_token: expect.any(String), token: expect.any(String) });
      expect(response.body.expires_in).toBeGreaterThan(800);
      expect(response.body.user).toMatchObject({ username: server.adminEmail, email: server.adminEmail, active: 1 });
      const cookie = response.headers['set-cookie'][0];
      expect(cookie).toMatch(new RegExp(`^session_id=${response.body.session_id};`));
      expect(cookie).toMatch(/HttpOnly/);
      expect(cookie).toMatch(/SameSite=Lax/);
      expect(cookie).toMatch(/Path=\//);
      expect(cookie).not.toMatch(/Secure/);
      expect(response.body.session_id.length).toBeGreaterThanOrEqual(22);
    }
  });

  it('gives a new session id on every login', async () => {
    const first = await loginAsAdmin(server);
    const second = await loginAsAdmin(server);
    expect(first.sessionId).not.toBe(second.sessionId);
  });

  it("stores the session with its login record, in five statements, and the record's chain stays whole", async () => {
    const queries = () => metricValue(server, 'keyward_db_queries_total');
    const deltas: number[] = [];
    let session!: Session;
    // The webhook poller queries once a second: the fewest of three logins is the login's own count.
    for (let i = 0; i < 3; i += 1) {
      const before = await queries();
      session = await loginAsAdmin(server);
      deltas.push((await queries()) - before);
    }
    // The account, then START TRANSACTION, the session's INSERT (while the account is unchanged
    // since, locking it) with the chain lock, the record, COMMIT.
    expect(Math.min(...deltas)).toBe(5);
    expect((await account(session.headers)).status).toBe(200);
    const records = await http(server).get('/api/v2/activity?action=user_login&limit=1').set(session.headers);
    expect(records.status).toBe(200);
    const [record] = records.body.data;
    expect(record).toMatchObject({ action: 'user_login', target: { type: 'session', id: expect.any(String) } });
    // The newest record names this login's own session (the one the caller is using), not an older one.
    const mine = await http(server).get('/api/v2/auth/sessions').set(session.headers);
    const current = mine.body.data.filter((row: { current: boolean }) => row.current);
    expect(current).toHaveLength(1);
    expect(record.target.id).toBe(current[0].id);
    expect((await http(server).get('/api/v2/activity/integrity').set(session.headers)).body).toMatchObject({ valid: true });
  });

  it('logs in through v2 with a JWT bound to the session', async () => {
    const response = await http(server).post('/api/v2/auth/login').send({ email: server.adminEmail, password: server.adminPassword });
    expect(response.status).toBe(200);
    const claims = jwt.decode(response.body.token, { complete: true }) as jwt.Jwt;
    expect(claims.header).toMatchObject({ alg: 'ES256', kid: expect.any(String) });
    expect(claims.payload).toMatchObject({
      iss: 'keyward',
      aud: 'keyward-api',
      sub: response.body.user.id,
      org: response.body.organization.id,
      sid: expect.any(String),
      jti: expect.any(String),
    });
    const payload = claims.payload as jwt.JwtPayload;
    expect((payload.exp as number) - (payload.iat as number)).toBe(900);
  });

  it("lands a user of several organizations in their oldest membership's, and records a failed login there", async () => {
    const admin = await loginAsAdmin(server);
    const first = await createSubAccount(server, admin, 'First home');
    const second = await createSubAccount(server, admin, 'Second home');
    const member = await createMember(server, admin, first, {}, 'homes');
    expect((await http(server).post(`/api/v2/organizations/${second}/members`).set(admin.headers).send({ email: member.email })).status).toBe(201);
    const firstSlug = (await http(server).get(`/api/v2/organizations/${first}`).set(admin.headers)).body.slug;

    // The email in other letter case is the same account.
    const response = await http(server).post('/api/v2/auth/login').send({ email: member.email.toUpperCase(), password: member.password });
    expect(response.status).toBe(200);
    expect(response.body.organization).toEqual({ id: first, name: 'First home', slug: firstSlug });
    expect(response.body.user).toMatchObject({ id: member.userId, email: member.email });
    expect((jwt.decode(response.body.token) as jwt.JwtPayload).org).toBe(first);

    expectProblem(await http(server).post('/api/v2/auth/login').send({ email: member.email, password: 'not-the-password' }), 401, 'login');
    const failures = async (organizationId: string) =>
      (await http(server).get('/api/v2/activity?action=user_login_failure').set({ ...admin.headers, 'X-Organization-Id': organizationId })).body.data
        .filter((record: { target: { id: string } | null }) => record.target?.id === member.userId);
    // Recorded off the response path: wait for it.
    for (let waited = 0; (await failures(first)).length === 0 && waited < 5000; waited += 100) await new Promise((resolve) => setTimeout(resolve, 100));
    expect(await failures(first)).toHaveLength(1);
    expect(await failures(second)).toHaveLength(0);
  });

  it("replaces a password hash of an older release's parameters at the next successful login, and only then", async () => {
    const admin = await loginAsAdmin(server);
    const member = await createMember(server, admin, admin.organizationId, {}, 'rehash');
    // argon2id at 19 MiB, t = 2: the parameters until 2026-12-07.
    const older = hashSync(member.password, { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
    const storedHash = () =>
      withDatabase(server, async (client) => (await client.query(`SELECT password_hash FROM users WHERE id = $1`, [member.userId])).rows[0].password_hash as string);
    await withDatabase(server, (client) => client.query(`UPDATE users SET password_hash = $1 WHERE id = $2`, [older, member.userId]));

    // A wrong password changes nothing.
    expectProblem(await http(server).post('/api/v2/auth/login').send({ email: member.email, password: 'not-the-password' }), 401, 'login');
    expect(await storedHash()).toBe(older);

    // The right one is accepted against the old hash, which is then replaced.
    const first = await login(server, member.email, member.password);
    expect((await account(first.headers)).status).toBe(200);
    const upgraded = await storedHash();
    const { memoryCost, timeCost, parallelism } = ARGON2_OPTIONS;
    expect(upgraded.startsWith(`$argon2id$v=19$m=${memoryCost},t=${timeCost},p=${parallelism}$`)).toBe(true);
    expect(verifySync(upgraded, member.password)).toBe(true);

    // The new hash serves the next login and is kept; wrong passwords are still refused.
    expect((await account((await login(server, member.email, member.password)).headers)).status).toBe(200);
    expectProblem(await http(server).post('/api/v2/auth/login').send({ email: member.email, password: 'not-the-password' }), 401, 'login');
    expect(await storedHash()).toBe(upgraded);

    // Two logins at once over an old hash: both verify it, the first to commit replaces it, and the
    // second, finding the hash changed, checks the password again against the new one.
    await withDatabase(server, (client) => client.query(`UPDATE users SET password_hash = $1 WHERE id = $2`, [older, member.userId]));
    const both = await Promise.all([0, 1].map(() => http(server).post('/api/v2/auth/login').send({ email: member.email, password: member.password }).then((response) => response)));
    expect(both.map((response) => response.status)).toEqual([200, 200]);
    for (const response of both) issuedSecrets.add(response.body.session_id);
    const again = await storedHash();
    expect(again).not.toBe(older);
    expect(verifySync(again, member.password)).toBe(true);
  });

  it('publishes the signing key in the JWKS', async () => {
    const session = await loginAsAdmin(server);
    const { header } = jwt.decode(session.token, { complete: true }) as jwt.Jwt;
    const jwks = await http(server).get('/.well-known/jwks.json');
    expect(jwks.status).toBe(200);
    expect(jwks.body.keys).toEqual([expect.objectContaining({ kid: header.kid, kty: 'EC', crv: 'P-256', alg: 'ES256', use: 'sig' })]);
    expect(JSON.stringify(jwks.body)).not.toContain('"d"');
  });

  it('accepts the session as cookie, X-Session-ID and ?session_id, and the JWT as Bearer', async () => {
    const session = await loginAsAdmin(server);
    expect((await account({ Cookie: `session_id=${session.sessionId}` })).body.authenticated_by).toBe('session');
    expect((await account({ 'X-Session-ID': session.sessionId })).body.authenticated_by).toBe('session');
    expect((await http(server).get(`/api/v2/account?session_id=${session.sessionId}`)).body.authenticated_by).toBe('session');
    const viaJwt = await account({ Authorization: `Bearer ${session.token}` });
    expect(viaJwt.status).toBe(200);
    expect(viaJwt.body).toMatchObject({ authenticated_by: 'jwt', principal: { type: 'user', id: session.userId } });
  });

  it('refuses two different credentials in one request with 400', async () => {
    const a = await loginAsAdmin(server);
    const b = await loginAsAdmin(server);
    expectProblem(await account({ 'X-Session-ID': a.sessionId, Authorization: `Bearer ${b.token}` }), 400, 'api');
    expectV1Error(
      await http(server).get('/api/app/get_roles/v1').set({ 'X-Session-ID': a.sessionId, Cookie: `session_id=${b.sessionId}` }),
      400,
      'api',
      'More than one credential was sent; send exactly one.',
    );
  });

  it('requires the CSRF token on writes authenticated by the cookie, and only there', async () => {
    const session = await loginAsAdmin(server);
    const cookie = { Cookie: `session_id=${session.sessionId}` };
    const refused = await http(server).post('/api/v2/roles').set(cookie).send({ title: 'Via Cookie' });
    expect(expectProblem(refused, 403, 'access').detail).toBe('Missing or invalid CSRF token (send it in X-CSRF-Token).');
    expectProblem(await http(server).post('/api/v2/roles').set({ ...cookie, 'X-CSRF-Token': 'wrong' }).send({ title: 'X' }), 403, 'access');
    const accepted = await http(server).post('/api/v2/roles').set({ ...cookie, 'X-CSRF-Token': session.csrfToken }).send({ title: 'Via Cookie' });
    expect(accepted.status).toBe(201);
    expect((await http(server).get('/api/v2/roles').set(cookie)).status).toBe(200);
    expect((await http(server).post('/api/v2/roles').set(session.headers).send({ title: 'Via Header' })).status).toBe(201);
  });

  it('ends the session and its JWTs at logout', async () => {
    const session = await loginAsAdmin(server);
    const logout = await http(server).post('/api/user/logout').set(session.headers);
    expect(logout.body).toEqual({ code: 0 });
    expectProblem(await account(session.headers), 401, 'session');
    const viaJwt = expectProblem(await account({ Authorization: `Bearer ${session.token}` }), 401, 'session');
    expect(viaJwt.detail).toBe(INVALID);
    expectV1Error(await http(server).get('/api/app/get_roles/v1').set(session.headers), 403, 'session', INVALID);
  });

  it('ends every session of the user with logout_all', async () => {
    const a = await loginAsAdmin(server);
    const b = await loginAsAdmin(server);
    const response = await http(server).post('/api/app/logout_all/v1').set(a.headers).send({});
    expect(response.body.code).toBe(0);
    expect(response.body.sessions_ended).toBeGreaterThanOrEqual(2);
    expectProblem(await account(a.headers), 401, 'session');
    expectProblem(await account(b.headers), 401, 'session');
  });

  it('refreshes a JWT: the new one works, the old one stops, and replaying it is refused and recorded', async () => {
    const session = await loginAsAdmin(server);
    const refreshed = await http(server).post('/api/v2/auth/refresh').set({ Authorization: `Bearer ${session.token}` });
    expect(refreshed.status).toBe(200);
    expect(refreshed.body.token).not.toBe(session.token);
    expect((await account({ Authorization: `Bearer ${refreshed.body.token}` })).status).toBe(200);
    expect(expectProblem(await account({ Authorization: `Bearer ${session.token}` }), 401, 'session').detail).toBe(INVALID);
    const replay = await http(server).post('/api/v2/auth/refresh').set({ Authorization: `Bearer ${session.token}` });
    expectProblem(replay, 401, 'session');
    const v1 = await http(server).post('/api/user/refresh').set({ Authorization: `Bearer ${refreshed.body.token}` });
    expect(v1.body).toMatchObject({ code: 0, token: expect.any(String), expires_in: expect.any(Number) });
    const admin = await loginAsAdmin(server);
    const reuse = await http(server).get('/api/v2/activity?action=auth_token_reuse').set(admin.headers);
    expect(reuse.body.data.length).toBeGreaterThanOrEqual(1);
    expect(reuse.body.data[0]).toMatchObject({ outcome: 'failure', actor: { type: 'user', id: session.userId } });
  });

  it('refuses refresh with anything but a JWT', async () => {
    const session = await loginAsAdmin(server);
    expectProblem(await http(server).post('/api/v2/auth/refresh').set(session.headers), 400, 'api');
  });

  describe('forged and altered JWTs', () => {
    let session: Session;
    let base: jwt.JwtPayload;
    let kid: string;

    beforeAll(async () => {
      session = await loginAsAdmin(server);
      const decoded = jwt.decode(session.token, { complete: true }) as jwt.Jwt;
      base = decoded.payload as jwt.JwtPayload;
      kid = decoded.header.kid as string;
    });

    const now = () => Math.floor(Date.now() / 1000);
    const sign = (claims: object, key: jwt.Secret = SERVER_KEY_PEM, algorithm: jwt.Algorithm = 'ES256') =>
      jwt.sign({ ...base, jti: `${base.jti}`, ...claims }, key, { algorithm, keyid: kid });
    const refused = async (token: string) => {
      const problem = expectProblem(await account({ Authorization: `Bearer ${token}` }), 401, 'session');
      expect(problem.detail).toBe(INVALID);
    };

    it('accepts a token correctly signed by the server key (the control case)', async () => {
      expect((await account({ Authorization: `Bearer ${sign({})}` })).status).toBe(200);
    });

    it('refuses alg none', async () => {
      const header = Buffer.from(JSON.stringify({ alg: 'none', typ: 'JWT', kid })).toString('base64url');
      const body = Buffer.from(JSON.stringify(base)).toString('base64url');
      await refused(`${header}.${body}.`);
    });

    it('refuses HS256 signed with the public key', async () => {
      const jwks = await http(server).get('/.well-known/jwks.json');
      const { createPublicKey } = await import('node:crypto');
      const publicPem = createPublicKey({ key: jwks.body.keys[0], format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString();
      await refused(sign({}, Buffer.from(publicPem), 'HS256'));
    });

    it('refuses a token signed by a foreign key under the same kid', async () => {
      const foreign = generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
      await refused(sign({}, foreign));
    });

    it('refuses a wrong issuer or audience', async () => {
      await refused(sign({ iss: 'someone-else' }));
      await refused(sign({ aud: 'another-api' }));
    });

    it('refuses an expired token and one not yet valid', async () => {
      await refused(sign({ exp: now() - 5, iat: now() - 100, nbf: now() - 100 }));
      await refused(sign({ nbf: now() + 60 }));
    });

    it('refuses a tampered payload', async () => {
      const [header, , signature] = session.token.split('.');
      const tampered = Buffer.from(JSON.stringify({ ...base, org: '00000000-0000-4000-8000-000000000000' })).toString('base64url');
      await refused(`${header}.${tampered}.${signature}`);
    });

    it('refuses a token whose session id or subject is not a live session', async () => {
      await refused(sign({ sid: '00000000-0000-4000-8000-000000000000' }));
      await refused(sign({ sub: '00000000-0000-4000-8000-000000000000' }));
    });
  });

  it('logged none of the passwords, session ids, CSRF tokens or JWTs the tests used', () => {
    expectNoSecretsInLogs(server);
  });
});

describe('session and token lifetimes', () => {
  let server: TestServer;

  beforeAll(async () => {
    server = await startServer('lifetimes', { env: { SESSION_IDLE_TIMEOUT: '2', SESSION_ABSOLUTE_TIMEOUT: '5', JWT_TTL: '2' } });
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

  it('ends an idle session', async () => {
    const session = await loginAsAdmin(server);
    expect((await http(server).get('/api/v2/account').set(session.headers)).status).toBe(200);
    await sleep(2300);
    expectV1Error(await http(server).get('/api/app/get_roles/v1').set(session.headers), 403, 'session', INVALID);
  });

  it('keeps an active session alive until its absolute end, then ends it', async () => {
    const session = await loginAsAdmin(server);
    const started = Date.now();
    while (Date.now() - started < 4000) {
      expect((await http(server).get('/api/v2/account').set(session.headers)).status).toBe(200);
      await sleep(700);
    }
    await sleep(Math.max(0, 5300 - (Date.now() - started)));
    const problem = expectProblem(await http(server).get('/api/v2/account').set(session.headers), 401, 'session');
    expect(problem.detail).toBe(INVALID);
  });

  it('refuses an expired JWT', async () => {
    const session = await loginAsAdmin(server);
    expect((await http(server).get('/api/v2/account').set({ Authorization: `Bearer ${session.token}` })).status).toBe(200);
    await sleep(3200);
    expectProblem(await http(server).get('/api/v2/account').set({ Authorization: `Bearer ${session.token}` }), 401, 'session');
  });

  it('never issues a token past the session end', async () => {
    const withLongTtl = await startServer('lifetimes-jwt', { env: { SESSION_ABSOLUTE_TIMEOUT: '60', JWT_TTL: '3600' } });
    try {
      const session = await login(withLongTtl, withLongTtl.adminEmail, withLongTtl.adminPassword);
      const payload = jwt.decode(session.token) as jwt.JwtPayload;
      expect((payload.exp as number) - (payload.iat as number)).toBeLessThanOrEqual(60);
    } finally {
      await withLongTtl.destroy();
    }
  });
});
