import { createHmac } from 'node:crypto';
import { createServer, IncomingMessage, Server } from 'node:http';
import { AddressInfo } from 'node:net';
import { expectProblem, http, issuedSecrets, loginAsAdmin, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';

interface Received {
  headers: IncomingMessage['headers'];
  body: string;
}

/** A webhook receiver on loopback that answers with the given statuses in turn (then 200). */
async function receiver(statuses: number[] = [], port = 0): Promise<{ server: Server; url: string; received: Received[] }> {
  const received: Received[] = [];
  const queue = [...statuses];
  const server = createServer((request, response) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => {
      received.push({ headers: request.headers, body: Buffer.concat(chunks).toString('utf8') });
      response.statusCode = queue.shift() ?? 200;
      response.end('ok');
    });
  });
  await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, received };
}

async function waitFor(check: () => boolean | Promise<boolean>, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error('condition not met in time');
}

function verifySignature(secret: string, received: Received): boolean {
  const id = received.headers['webhook-id'] as string;
  const timestamp = received.headers['webhook-timestamp'] as string;
  const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update(`${id}.${timestamp}.${received.body}`).digest('base64');
  return received.headers['webhook-signature'] === `v1,${expected}`;
}

describe('webhooks', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('webhooks', { env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', WEBHOOK_POLL_MS: '100', WEBHOOK_RETRY_SCALE: '0.002' } });
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const createWebhook = async (url: string, events: string[], headers: Record<string, string> = {}) => {
    const response = await http(server).post('/api/v2/webhooks').set(admin.headers).send({ url, events, headers });
    if (response.status !== 201) throw new Error(`webhook: ${response.status} ${JSON.stringify(response.body)}`);
    issuedSecrets.add(response.body.secret);
    return response.body as { webhook: { id: string }; secret: string };
  };

  it('retries a failing receiver and delivers exactly once more, signed, with the custom headers', async () => {
    const target = await receiver([500, 503]);
    try {
      const hook = await createWebhook(target.url, ['api_key.created'], { 'X-Receiver-Token': 'receiver-shared-token' });
      expect(hook.secret).toMatch(/^whsec_/);
      const key = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Announced' });
      issuedSecrets.add(key.body.secret);
      await waitFor(() => target.received.length >= 3);
      await new Promise((resolve) => setTimeout(resolve, 500));
      expect(target.received).toHaveLength(3);
      const ids = new Set(target.received.map((entry) => entry.headers['webhook-id']));
      expect(ids.size).toBe(1);
      for (const entry of target.received) {
        expect(verifySignature(hook.secret, entry)).toBe(true);
        expect(entry.headers['x-receiver-token']).toBe('receiver-shared-token');
      }
      const payload = JSON.parse(target.received[2].body);
      expect(payload).toMatchObject({ type: 'api_key.created', organization_id: admin.organizationId, data: { action: 'apikey_create', target: { type: 'api_key', id: key.body.api_key.id } } });
      expect(target.received[2].body).not.toContain(key.body.secret);

      const log = await http(server).get(`/api/v2/webhooks/${hook.webhook.id}/deliveries`).set(admin.headers);
      expect(log.body.data).toHaveLength(1);
      expect(log.body.data[0]).toMatchObject({ event_type: 'api_key.created', status: 'delivered', attempts: 3, last_status_code: 200 });
      expect(log.body.data[0].attempts_log.map((attempt: { status_code: number }) => attempt.status_code)).toEqual([500, 503, 200]);
      expect(log.body.data[0].attempts_log.every((attempt: { duration_ms: number }) => typeof attempt.duration_ms === 'number')).toBe(true);
    } finally {
      target.server.close();
    }
  });

  it('sends only subscribed events, and a test event on demand', async () => {
    const target = await receiver();
    try {
      const hook = await createWebhook(target.url, ['service_token.*']);
      const key = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Not announced' });
      issuedSecrets.add(key.body.secret);
      const queued = await http(server).post(`/api/v2/webhooks/${hook.webhook.id}/test`).set(admin.headers);
      expect(queued.status).toBe(202);
      await waitFor(() => target.received.length >= 1);
      await new Promise((resolve) => setTimeout(resolve, 400));
      expect(target.received.map((entry) => JSON.parse(entry.body).type)).toEqual(['webhook.test']);
      expect(target.received[0].headers['webhook-id']).toBe(queued.body.delivery_id);
    } finally {
      target.server.close();
    }
  });

  it('still delivers to a receiver that was down across a service restart', async () => {
    const probe = await receiver();
    const port = (probe.server.address() as AddressInfo).port;
    await new Promise((resolve) => probe.server.close(resolve));
    const hook = await createWebhook(`http://127.0.0.1:${port}/hook`, ['member.*']);
    const member = await http(server).post(`/api/v2/organizations/${admin.organizationId}/members`).set(admin.headers).send({ email: 'announced@example.test', password: 'a-long-password' });
    expect(member.status).toBe(201);
    await waitFor(async () => (await http(server).get(`/api/v2/webhooks/${hook.webhook.id}/deliveries`).set(admin.headers)).body.data[0]?.attempts >= 1);
    await server.stop();
    const target = await receiver([], port);
    try {
      await server.restart();
      admin = await loginAsAdmin(server);
      await waitFor(() => target.received.length >= 1, 20_000);
      expect(JSON.parse(target.received[0].body).type).toBe('member.added');
      expect(verifySignature(hook.secret, target.received[0])).toBe(true);
    } finally {
      target.server.close();
    }
  });

  it('validates events and headers, and needs manage_webhooks', async () => {
    expectProblem(await http(server).post('/api/v2/webhooks').set(admin.headers).send({ url: 'http://127.0.0.1:9/x', events: ['nothing.happens'] }), 400, 'validation');
    expectProblem(await http(server).post('/api/v2/webhooks').set(admin.headers).send({ url: 'http://127.0.0.1:9/x', events: [] }), 400, 'validation');
    expectProblem(await http(server).post('/api/v2/webhooks').set(admin.headers).send({ url: 'http://127.0.0.1:9/x', events: ['*'], headers: { 'webhook-signature': 'forged' } }), 400, 'validation');
    expectProblem(await http(server).post('/api/v2/webhooks').set(admin.headers).send({ url: 'http://127.0.0.1:9/x', events: ['*'], headers: { 'X-Bad': 'a\r\nb' } }), 400, 'validation');
    const key = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'no webhooks', privileges: ['view_api_keys'] });
    issuedSecrets.add(key.body.secret);
    const refused = expectProblem(await http(server).get('/api/v2/webhooks').set('X-API-Key', key.body.secret), 403, 'access');
    expect(refused.detail).toBe("You do not have the 'Manage Webhooks' privilege required to perform this action.");
  });
});

describe('webhook targets (SSRF protection on, the default)', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('webhooks-ssrf');
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('refuses http, private, loopback and link-local targets', async () => {
    for (const url of ['http://hooks.example.com/x', 'https://127.0.0.1/x', 'https://10.0.0.1/x', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/x', 'https://192.168.1.1/x', 'https://localhost/x']) {
      const problem = expectProblem(await http(server).post('/api/v2/webhooks').set(admin.headers).send({ url, events: ['*'] }), 400, 'validation');
      expect({ url, field: (problem.errors as Array<{ field: string }>)[0].field }).toEqual({ url, field: 'url' });
    }
  });
});
