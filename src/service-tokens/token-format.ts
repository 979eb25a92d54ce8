import { crc32 } from 'node:zlib';
import { randomBase62 } from '../common/crypto';
import { SERVICE_TOKEN_PREFIX } from '../keys/api-key-format';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
/** 40 base62 characters: about 238 bits of entropy. */
const RANDOM_LENGTH = 40;
const CHECKSUM_LENGTH = 6;
const TOKEN_SHAPE = new RegExp(`^${SERVICE_TOKEN_PREFIX}[A-Za-z0-9]{${RANDOM_LENGTH}}[A-Za-z0-9]{${CHECKSUM_LENGTH}}$`);

function checksum(random: string): string {
  let value = crc32(random);
  let out = '';
  for (let i = 0; i < CHECKSUM_LENGTH; i += 1) {
    out = BASE62[value % 62] + out;
    value = Math.floor(value / 62);
  }
  return out;
}

/** `kst_` + 40 random base62 characters + a 6-character CRC32 checksum (base62). */
export function generateServiceToken(): string {
  const random = randomBase62(RANDOM_LENGTH);
  return `${SERVICE_TOKEN_PREFIX}${random}${checksum(random)}`;
}

/** The shape and checksum of a token: a typo or a forgery is refused before any database access. */
export function isWellFormedServiceToken(token: string): boolean {
  if (!TOKEN_SHAPE.test(token)) return false;
  const random = token.slice(SERVICE_TOKEN_PREFIX.length, SERVICE_TOKEN_PREFIX.length + RANDOM_LENGTH);
  return checksum(random) === token.slice(-CHECKSUM_LENGTH);
}

export function isServiceTokenShaped(value: string): boolean {
  return value.startsWith(SERVICE_TOKEN_PREFIX);
}

/** The public client id, sent as X-User-Id with IP-bound tokens. */
export function generateClientId(): string {
  return `kstc_${randomBase62(24)}`;
}

export function maskServiceToken(token: string): string {
  return `${token.slice(0, 8)}********${token.slice(-4)}`;
}
