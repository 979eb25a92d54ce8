import { KeywardError, Messages } from '../common/errors/keyward-error';

export type ApiKeyStatus = 'active' | 'inactive' | 'revoked' | 'rotated' | 'expired';

export interface ApiKeyStateFields {
  active: boolean;
  revokedAt: Date | null;
  graceUntil: Date | null;
  expiresAt: Date | null;
}

/** What a key's state is at `now`; revocation wins over everything, then rotation, then expiry. */
export function apiKeyStatus(key: ApiKeyStateFields, now: number): ApiKeyStatus {
  if (key.revokedAt) return 'revoked';
  if (key.graceUntil && key.graceUntil.getTime() <= now) return 'rotated';
  if (!key.active) return 'inactive';
  if (key.expiresAt && key.expiresAt.getTime() <= now) return 'expired';
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
