import { createHash, createHmac, generateKeyPairSync, randomBytes } from 'node:crypto';
import { decodeCursor, encodeCursor, toPage } from '../../src/common/cursor';
import { connectionFingerprint, isUuid, rememberedOnConnection, keyedDigest, randomBase62, safeEqual, secretFingerprint } from '../../src/common/crypto';
import { slugify } from '../../src/organizations/slug';
import jwt from 'jsonwebtoken';
import { claimsInForce, signEs256 } from '../../src/auth/token-claims';

// The module object itself (not an import's copy of it), so that a spy sees the calls crypto.ts makes.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const nodeCrypto: typeof import('node:crypto') = require('node:crypto');

describe('slugify', () => {
  it('makes lowercase ASCII slugs', () => {
    expect(slugify('Acme Staging')).toBe('acme-staging');
    expect(slugify('  Zürich – Ops!! ')).toBe('zurich-ops');
    expect(slugify('日本')).toBe('org');
    expect(slugify('a'.repeat(100)).length).toBe(60);
  });
});

describe('cursors', () => {
  it('round-trips a position', () => {
    const cursor = { createdAt: new Date('2026-01-02T03:04:05.678Z'), id: '6f1c7c0e-1b1a-4d3b-9a59-2f1d3c4b5a69' };
    expect(decodeCursor(encodeCursor(cursor))).toEqual(cursor);
    expect(decodeCursor(undefined)).toBeNull();
  });

  it('refuses a cursor it did not make', () => {
    expect(() => decodeCursor('not-a-cursor')).toThrow('Invalid parameter: cursor');
    expect(() => decodeCursor(Buffer.from("2026-01-01T00:00:00.000Z|' OR 1=1").toString('base64url'))).toThrow();
  });

  it('pages with one extra row', () => {
    const rows = [1, 2, 3].map((n) => ({ id: `00000000-0000-4000-8000-00000000000${n}`, createdAt: new Date(n * 1000) }));
    const page = toPage(rows, 2, (row) => row.id);
    expect(page.data).toHaveLength(2);
    expect(page.next_cursor).not.toBeNull();
    expect(toPage(rows, 3, (row) => row.id).next_cursor).toBeNull();
  });
});

describe('crypto helpers', () => {
  it('generates base62 strings of the asked length', () => {
    const value = randomBase62(24);
    expect(value).toMatch(/^[A-Za-z0-9]{24}$/);
    expect(randomBase62(24)).not.toBe(value);
  });

  it('keys digests by secret and purpose', () => {
    const secret = Buffer.from('s'.repeat(32));
    expect(keyedDigest(secret, 'v', 'a').equals(keyedDigest(secret, 'v', 'a'))).toBe(true);
    expect(keyedDigest(secret, 'v', 'a').equals(keyedDigest(secret, 'v', 'b'))).toBe(false);
    expect(keyedDigest(secret, 'v', 'a').equals(keyedDigest(Buffer.from('t'.repeat(32)), 'v', 'a'))).toBe(false);
  });

  it('computes exactly HMAC-SHA-256(secret, purpose NUL value) for any secret length', () => {
    for (const length of [1, 32, 63, 64, 65, 200]) {
      const secret = randomBytes(length);
      // Around the prepared buffer's 1,024 bytes, and a short value after long ones (no leftovers).
      for (const value of ['', 'kw_abc', 'é€😀', '€'.repeat(341), 'x'.repeat(342), 'x'.repeat(5000), 'kw_abc']) {
        const expected = createHmac('sha256', secret).update('api_key').update('\0').update(value).digest();
        expect(keyedDigest(secret, value, 'api_key').equals(expected)).toBe(true);
      }
    }
  });

  it('names a secret for the cache by its SHA-256 in base64, distinct per secret', () => {
    for (const value of ['kw_abc', 'é€😀', 'x'.repeat(5000)]) {
      expect(secretFingerprint(value)).toBe(createHash('sha256').update(value).digest('base64'));
    }
    expect(secretFingerprint('kw_abc')).not.toBe(secretFingerprint('kw_abd'));
  });

  it('remembers a fingerprint per connection only for the very value it was computed for', () => {
    const hashes = jest.spyOn(nodeCrypto, 'hash');
    try {
      const connection = {};
      const first = 'kw_' + 'a'.repeat(40);
      const second = 'kw_' + 'a'.repeat(39) + 'b';
      const [firstFingerprint, secondFingerprint] = [first, second].map((value) => createHash('sha256').update(value).digest('base64'));
      expect(connectionFingerprint(connection, first)).toBe(firstFingerprint);
      expect(hashes).toHaveBeenCalledTimes(1);
      // The same value, in another string object: answered from the connection, not hashed again.
      expect(connectionFingerprint(connection, ['kw_', 'a'.repeat(40)].join(''))).toBe(firstFingerprint);
      expect(hashes).toHaveBeenCalledTimes(1);
      // Another value on the same connection is hashed anew, never answered with the remembered one.
      expect(connectionFingerprint(connection, second)).toBe(secondFingerprint);
      expect(hashes).toHaveBeenCalledTimes(2);
      hashes.mockClear();
      // Another connection remembers nothing of this one; without a connection nothing is remembered.
      connectionFingerprint({}, second);
      connectionFingerprint(undefined, second);
      connectionFingerprint(undefined, second);
      expect(hashes).toHaveBeenCalledTimes(3);
    } finally {
      hashes.mockRestore();
    }
  });

  it('computes a connection-remembered value once per value and slot, and remembers no failure', () => {
    const calls: string[] = [];
    const length = (value: string) => {
      calls.push(value);
      if (value === 'bad') throw new Error('refused');
      return value.length;
    };
    const connection = {};
    const slot = Symbol('length');
    const other = Symbol('other');
    expect(rememberedOnConnection(connection, slot, 'abc', length)).toBe(3);
    expect(rememberedOnConnection(connection, slot, ['a', 'bc'].join(''), length)).toBe(3);
    expect(calls).toEqual(['abc']);
    // Another slot on the same connection keeps its own entry.
    expect(rememberedOnConnection(connection, other, 'abc', length)).toBe(3);
    expect(calls).toEqual(['abc', 'abc']);
    expect(() => rememberedOnConnection(connection, slot, 'bad', length)).toThrow('refused');
    expect(() => rememberedOnConnection(connection, slot, 'bad', length)).toThrow('refused');
    // The failure replaced nothing: the last value computed is still remembered.
    expect(rememberedOnConnection(connection, slot, 'abc', length)).toBe(3);
    expect(calls).toEqual(['abc', 'abc', 'bad', 'bad']);
    expect(rememberedOnConnection(undefined, slot, 'abc', length)).toBe(3);
    expect(calls).toHaveLength(5);
  });

  it('compares strings of different lengths safely', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abcd')).toBe(false);
  });

  it('recognises UUIDs only', () => {
    expect(isUuid('6f1c7c0e-1b1a-4d3b-9a59-2f1d3c4b5a69')).toBe(true);
    expect(isUuid("1' OR '1'='1")).toBe(false);
    expect(isUuid(undefined)).toBe(false);
  });
});

describe('claimsInForce (a remembered JWT verification)', () => {
  it('holds only from nbf until exp, judged at each use', () => {
    const claims = { nbf: 100, exp: 200 };
    expect(claimsInForce(claims, 99)).toBe(false);
    expect(claimsInForce(claims, 100)).toBe(true);
    expect(claimsInForce(claims, 199)).toBe(true);
    expect(claimsInForce(claims, 200)).toBe(false);
    expect(claimsInForce({ exp: 200 }, 150)).toBe(true);
  });
});

describe(signEs256.name, () => {
  const { privateKey, publicKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const claims = { iss: 'keyward', aud: 'api', sub: 'u1', sid: 's1', jti: 'j1', iat: 1_700_000_000, nbf: 1_700_000_000, exp: 4_000_000_000 };

  it('makes a token the JWT library verifies, with the key id in its header', () => {
    const token = signEs256(claims, privateKey, 'kid-1');
    expect(jwt.verify(token, publicKey, { algorithms: ['ES256'], issuer: 'keyward', audience: 'api' })).toEqual(claims);
    expect(jwt.decode(token, { complete: true })?.header).toEqual({ alg: 'ES256', typ: 'JWT', kid: 'kid-1' });
  });

  it('makes tokens that fail verification when changed or checked with another key', () => {
    const token = signEs256(claims, privateKey, 'kid-1');
    const [header, , signature] = token.split('.');
    const tampered = `${header}.${Buffer.from(JSON.stringify({ ...claims, sub: 'u2' })).toString('base64url')}.${signature}`;
    expect(() => jwt.verify(tampered, publicKey, { algorithms: ['ES256'] })).toThrow('invalid signature');
    const other = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
    expect(() => jwt.verify(token, other, { algorithms: ['ES256'] })).toThrow('invalid signature');
  });
});
