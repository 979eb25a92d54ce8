import { KeywardError } from './errors/keyward-error';

/** A new expiry must lie in the future; `field` names the parameter in the error. */
export function assertFutureExpiry(expiresAt: Date | null | undefined, field: string): void {
  if (expiresAt && expiresAt.getTime() <= Date.now()) {
    throw new KeywardError('validation', `Invalid parameter: ${field}: must be in the future`, {
      errors: [{ field, message: 'must be in the future' }],
    });
  }
}
