import { createHmac } from 'node:crypto';
import { generateSigningSecret, isPublicAddress, retryDelayMs, signWebhook, subscribes, webhookUrlProblem } from '../../src/webhooks/webhook-rules';

describe('webhook targets', () => {
  it('admits only https to public addresses unless private targets are allowed', () => {
    expect(webhookUrlProblem('https://hooks.example.com/x', false)).toBeNull();
    expect(webhookUrlProblem('http://hooks.example.com/x', false)).toBe('url must use https');
    for (const url of ['https://127.0.0.1/x', 'https://10.1.2.3/', 'https://169.254.169.254/latest', 'https://[::1]/', 'https://[fd00::1]/', 'https://192.168.0.1/', 'https://100.64.0.1/', 'https://localhost/', 'https://[::ffff:127.0.0.1]/']) {
      expect({ url, problem: webhookUrlProblem(url, false) }).toEqual({ url, problem: expect.any(String) });
    }
    expect(webhookUrlProblem('http://127.0.0.1:8080/hook', true)).toBeNull();
    expect(webhookUrlProblem('https://user:pw@example.com/', false)).toBe('url must not contain credentials');
    expect(webhookUrlProblem('ftp://example.com/', true)).toBe('url must use https');
    expect(webhookUrlProblem('not a url', false)).toBe('url must be an absolute URL');
  });

  it('tells public from private addresses', () => {
    expect(isPublicAddress('93.184.216.34')).toBe(true);
    expect(isPublicAddress('2606:2800:220:1:248:1893:25c8:1946')).toBe(true);
    expect(isPublicAddress('10.0.0.1')).toBe(false);
    expect(isPublicAddress('fe80::1')).toBe(false);
    expect(isPublicAddress('::ffff:192.168.1.1')).toBe(false);
  });
});

describe('webhook signatures', () => {
  it('signs id.timestamp.body with the secret bytes, Standard Webhooks style', () => {
    const secret = generateSigningSecret();
    expect(secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
    const expected = createHmac('sha256', Buffer.from(secret.slice(6), 'base64')).update('msg_1.1700000000.{"a":1}').digest('base64');
    expect(signWebhook(secret, 'msg_1', 1700000000, '{"a":1}')).toBe(`v1,${expected}`);
  });
});

describe('retries and subscriptions', () => {
  it('backs off exponentially with jitter over about a day, then stops', () => {
    expect(retryDelayMs(1, 1, () => 0.5)).toBe(5000);
    expect(retryDelayMs(1, 1, () => 0)).toBe(4000);
    expect(retryDelayMs(9, 1, () => 0.5)).toBe(43_200_000);
    expect(retryDelayMs(10, 1)).toBeNull();
    const total = [1, 2, 3, 4, 5, 6, 7, 8, 9].reduce((sum, retry) => sum + (retryDelayMs(retry, 1, () => 0.5) ?? 0), 0);
    expect(total / 3_600_000).toBeGreaterThan(20);
    expect(total / 3_600_000).toBeLessThan(26);
  });

  it('matches exact types, families and everything', () => {
    expect(subscribes(['api_key.created'], 'api_key.created')).toBe(true);
    expect(subscribes(['api_key.*'], 'api_key.revoked')).toBe(true);
    expect(subscribes(['api_key.*'], 'service_token.created')).toBe(false);
    expect(subscribes(['*'], 'security.auth_failure')).toBe(true);
  });
});
