import { KeywardError } from '../common/errors/keyward-error';
import { ADMIN_PRIVILEGE } from './privileges';

export type PrincipalKind = 'user' | 'api_key' | 'service_token';

/** Which credential authenticated the request. */
export type CredentialType = 'session' | 'jwt' | 'api_key' | 'service_token';

/** Where a request came from; carried with the principal into the activity log. */
export interface RequestOrigin {
  ip: string;
  userAgent: string | null;
  requestId: string;
}

/**
 * The one type every credential resolves to. Handlers and services see nothing else of the
 * credential: not the secret, not the request.
 */
export interface Principal {
  kind: PrincipalKind;
  /** The user id for user sessions and JWTs; the key or token id for the others. */
  id: string;
  /** The user behind the credential (sessions, JWTs, service tokens); null for API keys. */
  userId: string | null;
  /** The organization the principal acts in (X-Organization-Id may move a user into a sub-account). */
  organizationId: string;
  privileges: ReadonlySet<string>;
  categories: readonly string[];
  groups: readonly string[];
  authenticatedBy: CredentialType;
  sessionId?: string;
  /** The presented JWT's id and expiry, when a JWT authenticated the request (for refresh). */
  token?: { jti: string; exp: number };
  apiKeyId?: string;
  /** A registration key: it can only be verified for `register_servers`, never call this API. */
  registrationKey?: boolean;
  /** The API key's own per-second limit, when it has one. */
  maxPerSec?: number;
  serviceTokenId?: string;
  origin: RequestOrigin;
}

/**
 * Users see their organization and its sub-accounts; API keys and service tokens are bound to
 * the one organization they were made in ("each key is scoped to the account where it was generated").
 */
export function includesSubAccounts(principal: Pick<Principal, 'kind'>): boolean {
  return principal.kind === 'user';
}

export function isAdmin(principal: Pick<Principal, 'privileges'>): boolean {
  return principal.privileges.has(ADMIN_PRIVILEGE);
}

/** `admin` implies every privilege. */
export function holdsPrivilege(principal: Pick<Principal, 'privileges'>, privilege: string): boolean {
  return isAdmin(principal) || principal.privileges.has(privilege);
}

/** The signed-in user (session or JWT); API keys and service tokens are refused. */
export function requireUserId(principal: Principal): string {
  if (principal.kind !== 'user' || !principal.userId) {
    throw new KeywardError('api', 'This call needs a user credential (a session or its JWT).');
  }
  return principal.userId;
}
