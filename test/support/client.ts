import request from 'supertest';
import type { TestServer } from './server';

export interface Session {
  sessionId: string;
  csrfToken: string;
  /** The JWT from login. */
  token: string;
  userId: string;
  organizationId: string;
  /** Headers that authenticate as this session (header form, no CSRF needed). */
  headers: Record<string, string>;
}

/** The contract's exact refusal for a missing privilege (api-v1.md), by the privilege's title. */
export const missingPrivilege = (title: string) => `You do not have the '${title}' privilege required to perform this action.`;

/** A value of the server's Prometheus metrics (NaN when absent). */
export async function metricValue(server: TestServer, name: string): Promise<number> {
  const text = (await request(server.url).get('/metrics')).text;
  const match = new RegExp(`^${name} (\\S+)`, 'm').exec(text);
  return match ? Number(match[1]) : NaN;
}

/** Every password, session id, CSRF token and JWT the tests used, for the secret scans. */
export const issuedSecrets = new Set<string>();

/** Asserts that no line the server printed contains any secret the tests used. */
export function expectNoSecretsInLogs(server: TestServer): void {
  const text = server.logs.join('\n');
  const leaked = [...issuedSecrets].filter((secret) => secret.length >= 8 && text.includes(secret));
  expect({ checkedSecrets: issuedSecrets.size > 0, leaked }).toEqual({ checkedSecrets: true, leaked: [] });
}

export function http(server: TestServer) {
  return request(server.url);
}

/** Logs in through v2 and returns the session. */
export async function login(server: TestServer, email: string, password: string): Promise<Session> {
  const response = await http(server).post('/api/v2/auth/login').set('User-Agent', 'keyward-tests/1.0').send({ email, password });
  if (response.status !== 200) {
    throw new Error(`login of ${email} failed: ${response.status} ${JSON.stringify(response.body)}`);
  }
  for (const secret of [password, response.body.session_id, response.body.csrf_token, response.body.token]) issuedSecrets.add(secret);
  return {
    sessionId: response.body.session_id,
    csrfToken: response.body.csrf_token,
    token: response.body.token,
    userId: response.body.user.id,
    organizationId: response.body.organization.id,
    headers: { 'X-Session-ID': response.body.session_id },
  };
}

export function loginAsAdmin(server: TestServer): Promise<Session> {
  return login(server, server.adminEmail, server.adminPassword);
}

/** Asserts the RFC 9457 shape and returns the body. */
export function expectProblem(response: request.Response, status: number, code: string): Record<string, unknown> {
  expect(response.status).toBe(status);
  expect(response.headers['content-type']).toMatch(/^application\/problem\+json/);
  expect(response.body).toMatchObject({ status, code, type: expect.stringContaining(code) });
  expect(typeof response.body.title).toBe('string');
  expect(typeof response.body.detail).toBe('string');
  return response.body;
}

/** Asserts the xyOps error shape: `{ code, description }`. */
export function expectV1Error(response: request.Response, status: number, code: string, description?: string) {
  expect(response.status).toBe(status);
  expect(response.body.code).toBe(code);
  if (description !== undefined) expect(response.body.description).toBe(description);
  else expect(typeof response.body.description).toBe('string');
}

export interface RawResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  body: Record<string, unknown>;
}

/**
 * A request from a chosen source address (127.0.0.2 plays another host; ::1 an IPv6 client),
 * which supertest cannot set.
 */
export async function requestFrom(
  url: string,
  options: { localAddress: string; method?: string; headers?: Record<string, string>; body?: unknown },
): Promise<RawResponse> {
  const { request } = await import('node:http');
  const payload = options.body === undefined ? undefined : JSON.stringify(options.body);
  return new Promise((resolve, reject) => {
    const outgoing = request(
      url,
      {
        method: options.method ?? 'GET',
        localAddress: options.localAddress,
        headers: { ...(payload ? { 'content-type': 'application/json' } : {}), ...(options.headers ?? {}) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: Record<string, unknown> = {};
          try {
            body = text ? JSON.parse(text) : {};
          } catch {
            body = { text };
          }
          resolve({ status: response.statusCode ?? 0, headers: response.headers, body });
        });
      },
    );
    outgoing.on('error', reject);
    if (payload) outgoing.write(payload);
    outgoing.end();
  });
}
