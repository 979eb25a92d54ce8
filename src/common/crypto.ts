import { hash, randomBytes, randomInt, timingSafeEqual } from 'node:crypto';

const BASE62 = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';

/** `length` characters of [A-Za-z0-9] from the CSPRNG, without modulo bias. */
export function randomBase62(length: number): string {
  let out = '';
  for (let i = 0; i < length; i += 1) out += BASE62[randomInt(62)];
  return out;
}

/** A URL-safe random token carrying `bytes` bytes of entropy. */
export function randomToken(bytes: number): string {
  return randomBytes(bytes).toString('base64url');
}

const SHA256_BLOCK = 64;

interface HmacPads {
  /** (key XOR ipad) followed by `purpose` and a NUL: the fixed start of every inner message. */
  innerPrefix: Buffer;
  /** key XOR opad. */
  outerPrefix: Buffer;
  /** The inner message's buffer: innerPrefix, then room for the value. */
  innerMessage: Buffer;
  /** The outer message's buffer: outerPrefix, then room for the inner digest. */
  outerMessage: Buffer;
}

/** Values up to this many bytes are hashed in the prepared buffers; longer ones in new ones. */
const PREPARED_VALUE_BYTES = 1024;
const SHA256_BYTES = 32;

/** Per secret and purpose: computed once, the secret itself is never copied anywhere else. */
const padsBySecret = new WeakMap<Buffer, Map<string, HmacPads>>();

function padsOf(secret: Buffer, purpose: string): HmacPads {
  let byPurpose = padsBySecret.get(secret);
  if (!byPurpose) {
    byPurpose = new Map();
    padsBySecret.set(secret, byPurpose);
  }
  let pads = byPurpose.get(purpose);
  if (!pads) {
    // RFC 2104: a key longer than the block is hashed first; a shorter one is padded with zeros.
    const block = Buffer.alloc(SHA256_BLOCK);
    (secret.length > SHA256_BLOCK ? hash('sha256', secret, 'buffer') : secret).copy(block);
    const inner = Buffer.alloc(SHA256_BLOCK);
    const outer = Buffer.alloc(SHA256_BLOCK);
    for (let i = 0; i < SHA256_BLOCK; i += 1) {
      inner[i] = block[i] ^ 0x36;
      outer[i] = block[i] ^ 0x5c;
    }
    const innerPrefix = Buffer.concat([inner, Buffer.from(`${purpose}\0`, 'utf8')]);
    const innerMessage = Buffer.alloc(innerPrefix.length + PREPARED_VALUE_BYTES);
    innerPrefix.copy(innerMessage);
    const outerMessage = Buffer.alloc(SHA256_BLOCK + SHA256_BYTES);
    outer.copy(outerMessage);
    pads = { innerPrefix, outerPrefix: outer, innerMessage, outerMessage };
    byPurpose.set(purpose, pads);
  }
  return pads;
}

/**
 * HMAC-SHA-256 keyed with the server secret: how every stored secret is kept. The value is
 * HMAC(secret, purpose || NUL || value), computed as RFC 2104 defines it from key pads prepared
 * once, with two one-shot SHA-256 calls: `createHmac` sets up a new OpenSSL MAC context (and looks
 * the digest up again) on every call, which cost more than the hashing on the authentication hot
 * path. The messages are written into buffers prepared with the pads (a third less time than
 * concatenating new ones), and the value's bytes are wiped from them afterwards. Equality with
 * `createHmac` is a unit test.
 */
export function keyedDigest(secret: Buffer, value: string, purpose: string): Buffer {
  const pads = padsOf(secret, purpose);
  // At most 3 bytes per UTF-16 unit: a value that could overflow the buffer gets new ones.
  if (value.length * 3 > PREPARED_VALUE_BYTES) {
    const inner = hash('sha256', Buffer.concat([pads.innerPrefix, Buffer.from(value, 'utf8')]), 'buffer');
    return hash('sha256', Buffer.concat([pads.outerPrefix, inner]), 'buffer');
  }
  const { innerMessage, outerMessage } = pads;
  const start = pads.innerPrefix.length;
  const end = start + innerMessage.write(value, start, 'utf8');
  hash('sha256', innerMessage.subarray(0, end), 'buffer').copy(outerMessage, SHA256_BLOCK);
  innerMessage.fill(0, start, end);
  return hash('sha256', outerMessage, 'buffer');
}

/**
 * How the in-process credential cache names a presented secret: its SHA-256, in base64. One
 * native call where `keyedDigest` makes two (each a binding call and an OpenSSL context; measured
 * in place, about 5 µs of the API-key request's 10 µs of hashing). The name is never stored: the
 * database keeps `keyedDigest`, computed only when the database must be asked.
 */
export function secretFingerprint(value: string): string {
  return hash('sha256', value, 'base64');
}

/**
 * `compute(value)` for a pure function of a presented string, remembered on the connection the
 * request came in on, under `slot` (one entry per slot). A keep-alive client (a script, an SDK, a
 * service calling verify) sends the same credential on every request, so each step that only
 * depends on that string runs once per connection instead of once per request. The whole value is
 * compared (a different value on the connection is computed anew), so the answer is always the
 * value's own; a `compute` that throws remembers nothing. The value stays referenced by the
 * connection until its next request or until it closes; it was in that connection's buffers anyway.
 * Behind a proxy that pools its upstream connections, the next client's value is compared with the
 * previous client's by `===`, which is not constant-time; the difference is a few nanoseconds next
 * to the work both paths may run, and the answer is always the value's own.
 */
export function rememberedOnConnection<T>(connection: object | null | undefined, slot: symbol, value: string, compute: (value: string) => T): T {
  if (!connection) return compute(value);
  const holder = connection as Record<symbol, Remembered<T> | undefined>;
  const remembered = holder[slot];
  if (remembered !== undefined && remembered.value === value) return remembered.result;
  const result = compute(value);
  holder[slot] = { value, result };
  return result;
}

interface Remembered<T> {
  value: string;
  result: T;
}

const FINGERPRINT = Symbol('keywardCredentialFingerprint');

/**
 * `secretFingerprint(value)`, remembered on the connection (`rememberedOnConnection`): this SHA-256
 * was the largest single step of an authenticated request (4-6 µs in place, of about 20).
 */
export function connectionFingerprint(connection: object | null | undefined, value: string): string {
  return rememberedOnConnection(connection, FINGERPRINT, value, secretFingerprint);
}

/** Constant-time comparison of two strings of any length. */
export function safeEqual(a: string, b: string): boolean {
  const left = Buffer.from(a);
  const right = Buffer.from(b);
  return left.length === right.length && timingSafeEqual(left, right);
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Ids are UUIDs; anything else cannot name a row and is answered as not found. */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}
