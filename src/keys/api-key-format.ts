import { randomBase62 } from '../common/crypto';

/** xyOps format: 24 random alphanumeric characters, case-sensitive. */
export const API_KEY_LENGTH = 24;
export const MIN_IMPORTED_KEY_LENGTH = 16;
export const MAX_IMPORTED_KEY_LENGTH = 256;
/** The prefix that marks a bearer value as a service token. */
export const SERVICE_TOKEN_PREFIX = 'kst_';

export function generateApiKey(): string {
  return randomBase62(API_KEY_LENGTH);
}

/** First 4, eight asterisks, last 4: `muJm********dtlB`. */
export function maskApiKey(key: string): string {
  return `${key.slice(0, 4)}********${key.slice(-4)}`;
}

/**
 * Why an imported key is unusable, or null. Printable ASCII without spaces; never shaped like a
 * JWT or a service token, so that a bearer value always has one meaning.
 */
export function importedKeyProblem(key: string): string | null {
  if (key.length < MIN_IMPORTED_KEY_LENGTH) return `key must be at least ${MIN_IMPORTED_KEY_LENGTH} characters`;
  if (key.length > MAX_IMPORTED_KEY_LENGTH) return `key must be at most ${MAX_IMPORTED_KEY_LENGTH} characters`;
  if (!/^[\x21-\x7e]+$/.test(key)) return 'key must be printable ASCII without spaces';
  if (key.startsWith(SERVICE_TOKEN_PREFIX)) return `key must not start with ${SERVICE_TOKEN_PREFIX}`;
  if (/^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/.test(key)) return 'key must not be shaped like a JWT';
  return null;
}
