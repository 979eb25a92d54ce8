import { extractCredential, strategyFor, stripCredentialParameters } from '../../src/auth/credentials';
import { KeywardError } from '../../src/common/errors/keyward-error';

const none = { headers: {}, cookies: {}, query: {}, body: undefined };

describe('extractCredential', () => {
  it('returns null when no credential is sent', () => {
    expect(extractCredential(none)).toBeNull();
  });

  it('finds an API key in each of the four places', () => {
    const key = 'muJm8T6QSzqQzuO6MvbOdtlB';
    expect(extractCredential({ ...none, headers: { 'x-api-key': key } })).toEqual({ kind: 'api_key', via: 'header', value: key });
    expect(extractCredential({ ...none, query: { api_key: key } })).toEqual({ kind: 'api_key', via: 'query', value: key });
    expect(extractCredential({ ...none, body: { api_key: key } })).toEqual({ kind: 'api_key', via: 'body', value: key });
    expect(extractCredential({ ...none, headers: { authorization: `Bearer ${key}` } })).toEqual({ kind: 'bearer', via: 'header', value: key });
  });

  it('finds a session in the cookie, the header and the query', () => {
    expect(extractCredential({ ...none, cookies: { session_id: 's1' } })).toMatchObject({ kind: 'session', via: 'cookie' });
    expect(extractCredential({ ...none, headers: { 'x-session-id': 's1' } })).toMatchObject({ kind: 'session', via: 'header' });
    expect(extractCredential({ ...none, query: { session_id: 's1' } })).toMatchObject({ kind: 'session', via: 'query' });
  });

  it('accepts one value sent several ways', () => {
    const result = extractCredential({ ...none, headers: { 'x-api-key': 'k'.repeat(24) }, query: { api_key: 'k'.repeat(24) } });
    expect(result).toMatchObject({ kind: 'api_key', via: 'header' });
  });

  it('refuses two different credentials with a 400-class error', () => {
    const attempt = () => extractCredential({ ...none, headers: { 'x-api-key': 'a'.repeat(24) }, query: { api_key: 'b'.repeat(24) } });
    expect(attempt).toThrow(KeywardError);
    expect(attempt).toThrow('More than one credential was sent; send exactly one.');
    expect(() => extractCredential({ ...none, cookies: { session_id: 's1' }, headers: { 'x-api-key': 'k' } })).toThrow(KeywardError);
  });

  it('refuses a malformed value before a conflict between others', () => {
    const attempt = () =>
      extractCredential({ ...none, headers: { 'x-api-key': 'a'.repeat(24) }, query: { api_key: 'b'.repeat(24) }, body: { api_key: 7 } });
    expect(attempt).toThrow('Malformed credential.');
  });

  it('refuses a malformed Authorization header and non-string values', () => {
    expect(() => extractCredential({ ...none, headers: { authorization: 'Basic abc' } })).toThrow('Malformed Authorization header');
    expect(() => extractCredential({ ...none, body: { api_key: { $ne: null } } })).toThrow('Malformed credential.');
    expect(() => extractCredential({ ...none, query: { api_key: ['a', 'b'] } })).toThrow('Malformed credential.');
  });

  it('ignores credential names inherited from the prototype', () => {
    expect(extractCredential({ ...none, body: Object.create({ api_key: 'inherited' }) })).toBeNull();
  });

  it('answers each Authorization header on a connection as its own, remembered or not', () => {
    const connection = {};
    const bearer = (authorization: string) => extractCredential({ ...none, headers: { authorization }, connection });
    const token = `eyJhbGciOiJFUzI1NiJ9.${'a'.repeat(400)}.${'b'.repeat(86)}`;
    expect(bearer(`Bearer ${token}`)).toEqual({ kind: 'bearer', via: 'header', value: token });
    // The same header again, in another string object: the same credential.
    expect(bearer(['Bearer ', token].join(''))).toEqual({ kind: 'bearer', via: 'header', value: token });
    // A different header on the same connection is parsed anew: its own value, or its own refusal.
    expect(bearer('bearer  other-credential ')).toEqual({ kind: 'bearer', via: 'header', value: 'other-credential' });
    expect(() => bearer(`Bearer ${token} extra`)).toThrow('Malformed Authorization header');
    expect(() => bearer(`Basic ${token}`)).toThrow('Malformed Authorization header');
    expect(bearer(`Bearer ${token}`)).toEqual({ kind: 'bearer', via: 'header', value: token });
  });
});

describe('strategyFor', () => {
  it('tells a JWT from an API key by shape on the same connection, value by value', () => {
    const connection = {};
    const jwtValue = `${'a'.repeat(20)}.${'b'.repeat(40)}.${'c'.repeat(20)}`;
    const bearer = (value: string) => ({ kind: 'bearer' as const, via: 'header' as const, value });
    expect(strategyFor(bearer(jwtValue), connection)).toBe('jwt');
    expect(strategyFor(bearer(['', jwtValue].join('')), connection)).toBe('jwt');
    expect(strategyFor(bearer('muJm8T6QSzqQzuO6MvbOdtlB'), connection)).toBe('api-key');
    expect(strategyFor(bearer(`${jwtValue}.d`), connection)).toBe('api-key');
    expect(strategyFor(bearer('kst_abc.def.ghi'), connection)).toBe('service-token');
    expect(strategyFor({ kind: 'session', via: 'cookie', value: jwtValue }, connection)).toBe('session');
    expect(strategyFor(bearer(jwtValue))).toBe('jwt');
  });
});

describe('stripCredentialParameters', () => {
  it('removes api_key, session_id and csrf_token from query and body', () => {
    const query: Record<string, unknown> = { api_key: 'k', offset: '1' };
    const body: Record<string, unknown> = { api_key: 'k', session_id: 's', csrf_token: 'c', title: 't' };
    stripCredentialParameters(query, body);
    expect(query).toEqual({ offset: '1' });
    expect(body).toEqual({ title: 't' });
  });
});
