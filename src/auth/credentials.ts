import { KeywardError } from '../common/errors/keyward-error';

export type CredentialKind = 'session' | 'api_key' | 'bearer';

export interface Credential {
  kind: CredentialKind;
  value: string;
  /** How it was sent; a session sent as a cookie needs a CSRF token on writes. */
  via: 'cookie' | 'header' | 'query' | 'body';
}

export interface CredentialSources {
  headers: Record<string, string | string[] | undefined>;
  cookies: Record<string, string | undefined>;
  query: unknown;
  body: unknown;
}

const MAX_CREDENTIAL_LENGTH = 4096;

/**
 * Finds the request's credential. Precedence (product.md): session (cookie, X-Session-ID, query),
 * then API key (X-API-Key, query, JSON property), then `Authorization: Bearer`. The same value
 * sent several ways is one credential; two different values are a 400.
 */
export function extractCredential(sources: CredentialSources): Credential | null {
  const found: Credential[] = [];
  const add = (kind: CredentialKind, via: Credential['via'], value: unknown) => {
    if (value === undefined || value === null || value === '') return;
    if (typeof value !== 'string' || value.length > MAX_CREDENTIAL_LENGTH) {
      throw new KeywardError('api', 'Malformed credential.');
    }
    found.push({ kind, via, value });
  };
  add('session', 'cookie', sources.cookies.session_id);
  add('session', 'header', single(sources.headers['x-session-id']));
  add('session', 'query', property(sources.query, 'session_id'));
  add('api_key', 'header', single(sources.headers['x-api-key']));
  add('api_key', 'query', property(sources.query, 'api_key'));
  add('api_key', 'body', property(sources.body, 'api_key'));
  const authorization = single(sources.headers.authorization);
  if (authorization !== undefined) {
    const match = /^Bearer\s+(\S+)\s*$/i.exec(authorization);
    if (!match) throw new KeywardError('api', 'Malformed Authorization header: expected "Bearer <credential>".');
    add('bearer', 'header', match[1]);
  }
  if (found.length === 0) return null;
  const values = new Set(found.map((credential) => credential.value));
  if (values.size > 1) {
    throw new KeywardError('api', 'More than one credential was sent; send exactly one.');
  }
  return found[0];
}

function single(value: string | string[] | undefined): string | undefined {
  if (Array.isArray(value)) {
    if (new Set(value).size > 1) throw new KeywardError('api', 'More than one credential was sent; send exactly one.');
    return value[0];
  }
  return value;
}

function property(container: unknown, name: string): unknown {
  if (typeof container !== 'object' || container === null || Array.isArray(container)) return undefined;
  return Object.prototype.hasOwnProperty.call(container, name)
    ? (container as Record<string, unknown>)[name]
    : undefined;
}

/** Removes credential parameters so handlers never see them. */
export function stripCredentialParameters(query: unknown, body: unknown): void {
  for (const container of [query, body]) {
    if (typeof container === 'object' && container !== null && !Array.isArray(container)) {
      const record = container as Record<string, unknown>;
      delete record.api_key;
      delete record.session_id;
      delete record.csrf_token;
    }
  }
}
