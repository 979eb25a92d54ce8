import { redactUrl } from '../../src/common/logging/redact';

describe('redactUrl', () => {
  it('leaves a URL without a query alone', () => {
    expect(redactUrl('/api/v2/organizations')).toBe('/api/v2/organizations');
  });

  it('replaces the values of credential parameters, whatever their case', () => {
    expect(redactUrl('/api/app/get_events/v1?api_key=muJm8T6QSzqQzuO6MvbOdtlB&limit=5')).toBe(
      '/api/app/get_events/v1?api_key=[REDACTED]&limit=5',
    );
    expect(redactUrl('/x?SESSION_ID=abc&password=p&token=t')).toBe('/x?SESSION_ID=[REDACTED]&password=[REDACTED]&token=[REDACTED]');
  });

  it('redacts percent-encoded parameter names and undecodable ones', () => {
    expect(redactUrl('/x?api%5Fkey=secret')).toBe('/x?api%5Fkey=[REDACTED]');
    expect(redactUrl('/x?%E0%A4%A=secret')).toBe('/x?%E0%A4%A=[REDACTED]');
  });
});
