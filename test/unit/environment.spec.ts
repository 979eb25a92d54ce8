import { ConfigurationError, parseEnvironment } from '../../src/config/environment';

describe('parseEnvironment', () => {
  it('applies the defaults', () => {
    const env = parseEnvironment({});
    expect(env.PORT).toBe(3000);
    expect(env.HOST).toBe('127.0.0.1');
    expect(env.DATA_DIR).toBe('./data');
    expect(env.DATABASE_URL).toBeUndefined();
    expect(env.SESSION_IDLE_TIMEOUT).toBe(1800);
    expect(env.SESSION_ABSOLUTE_TIMEOUT).toBe(43200);
  });

  it('names the variable of a bad value', () => {
    expect(() => parseEnvironment({ PORT: 'eighty' })).toThrow(ConfigurationError);
    expect(() => parseEnvironment({ PORT: 'eighty' })).toThrow(/PORT/);
    expect(() => parseEnvironment({ LOG_LEVEL: 'loud' })).toThrow(/LOG_LEVEL/);
    expect(() => parseEnvironment({ REDIS_URL: 'localhost:6379' })).toThrow(/REDIS_URL/);
    expect(() => parseEnvironment({ BOOTSTRAP_ADMIN_PASSWORD: 'short' })).toThrow(/BOOTSTRAP_ADMIN_PASSWORD/);
  });

  it('requires APP_SECRET with DATABASE_URL, and a long one', () => {
    expect(() => parseEnvironment({ DATABASE_URL: 'postgres://localhost/db' })).toThrow(/APP_SECRET: is required when DATABASE_URL is set/);
    expect(() => parseEnvironment({ DATABASE_URL: 'postgres://localhost/db', APP_SECRET: 'short' })).toThrow(/APP_SECRET/);
    const env = parseEnvironment({ DATABASE_URL: 'postgres://localhost/db', APP_SECRET: 'x'.repeat(32) });
    expect(env.APP_SECRET).toBe('x'.repeat(32));
  });

  it('treats empty optional values as unset', () => {
    expect(parseEnvironment({ DATABASE_URL: '', REDIS_URL: '' }).DATABASE_URL).toBeUndefined();
  });

  it('parses integers', () => {
    expect(parseEnvironment({ PORT: '8080', SESSION_IDLE_TIMEOUT: '60' })).toMatchObject({ PORT: 8080, SESSION_IDLE_TIMEOUT: 60 });
  });
});
