import { KeywardError, Messages } from '../common/errors/keyward-error';

export type ApiKeyStatus = 'active' | 'inactive' | 'revoked' | 'rotated' | 'expired';

/** A key's lifecycle fields; times in milliseconds since 1970, null when unset. */
export interface ApiKeyStateFields {
  active: boolean;
  revokedAt: number | null;
  graceUntil: number | null;
  expiresAt: number | null;
}

/** The lifecycle fields of a stored key (its entity or row, with dates). */
export function stateFields(key: { active: boolean; revokedAt: Date | null; graceUntil: Date | null; expiresAt: Date | null }): ApiKeyStateFields {
  return { active: key.active, revokedAt: millis(key.revokedAt), graceUntil: millis(key.graceUntil), expiresAt: millis(key.expiresAt) };
}

export function millis(date: Date | null): number | null {
  return date === null ? null : date.getTime();
}

/** What a key's state is at `now`; revocation wins over everything, then rotation, then expiry. */
export function apiKeyStatus(key: ApiKeyStateFields, now: number): ApiKeyStatus {
  if (key.revokedAt !== null) return 'revoked';
  if (key.graceUntil !== null && key.graceUntil <= now) return 'rotated';
  if (!key.active) return 'inactive';
  if (key.expiresAt !== null && key.expiresAt <= now) return 'expired';
  return 'active';
}

/** The contract's error for a key that cannot be used, or null when it can. */
export function apiKeyRefusal(key: ApiKeyStateFields, now: number): KeywardError | null {
  switch (apiKeyStatus(key, now)) {
    case 'active':
      return null;
    case 'expired':
      return new KeywardError('credential_refused', Messages.apiKeyExpired);
    case 'inactive':
    case 'revoked':
    case 'rotated':
      return new KeywardError('credential_refused', Messages.apiKeyDisabled);
  }
}
