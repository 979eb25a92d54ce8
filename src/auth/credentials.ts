import { rememberedOnConnection } from '../common/crypto';
import { KeywardError } from '../common/errors/keyward-error';
import { SERVICE_TOKEN_PREFIX } from '../keys/api-key-format';

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
  /** The connection the request came in on: what depends only on a header's value is remembered there. */
  connection?: object | null;
}

const MAX_CREDENTIAL_LENGTH = 4096;

/** What `extractCredential` has seen so far: the first credential, and whether another differed. */
interface Found {
  first: Credential | null;
  conflict: boolean;
}

/**
 * Finds the request's credential. Precedence (product.md): session (cookie, X-Session-ID, query),
 * then API key (X-API-Key, query, JSON property), then `Authorization: Bearer`. The same value
 * sent several ways is one credential; two different values are a 400. Every place is read (a
 * malformed value anywhere is refused first); runs on every authenticated request, so without a
 * closure or collection per call.
 */
export function extractCredential(sources: CredentialSources): Credential | null {
  const found: Found = { first: null, conflict: false };
  consider(found, 'session', 'cookie', sources.cookies.session_id);
  consider(found, 'session', 'header', single(sources.headers['x-session-id']));
  consider(found, 'session', 'query', property(sources.query, 'session_id'));
  consider(found, 'api_key', 'header', single(sources.headers['x-api-key']));
  consider(found, 'api_key', 'query', property(sources.query, 'api_key'));
  consider(found, 'api_key', 'body', property(sources.body, 'api_key'));
  const authorization = single(sources.headers.authorization);
  if (authorization !== undefined) consider(found, 'bearer', 'header', rememberedOnConnection(sources.connection, BEARER_VALUE, authorization, bearerValue));
  if (found.conflict) throw new KeywardError('api', 'More than one credential was sent; send exactly one.');
  return found.first;
}

const BEARER = /^Bearer\s+(\S+)\s*$/i;
const BEARER_VALUE = Symbol('keywardBearerValue');

/**
 * The credential of an Authorization header. A JWT makes the header about 520 characters, which
 * this expression scans (about 0.3 µs): the guard remembers the answer on the connection.
 */
function bearerValue(authorization: string): string {
  const match = BEARER.exec(authorization);
  if (!match) throw new KeywardError('api', 'Malformed Authorization header: expected "Bearer <credential>".');
  return match[1];
}

function consider(found: Found, kind: CredentialKind, via: Credential['via'], value: unknown): void {
  if (value === undefined || value === null || value === '') return;
  if (typeof value !== 'string' || value.length > MAX_CREDENTIAL_LENGTH) {
    throw new KeywardError('api', 'Malformed credential.');
  }
  if (found.first === null) found.first = { kind, via, value };
  else if (found.first.value !== value) found.conflict = true;
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

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;
const JWT_SHAPED = Symbol('keywardJwtShaped');

function isJwtShaped(value: string): boolean {
  return JWT_SHAPE.test(value);
}

/**
 * The Passport strategy that resolves a credential. A bearer value is a service token by its
 * prefix, a JWT by its shape, and an API key otherwise. The shape test scans the whole value
 * (about 0.45 µs for a JWT), so it is remembered on the request's connection when one is given.
 */
export function strategyFor(credential: Credential, connection?: object | null): 'session' | 'jwt' | 'service-token' | 'api-key' {
  if (credential.kind === 'session') return 'session';
  if (credential.kind === 'bearer' && credential.value.startsWith(SERVICE_TOKEN_PREFIX)) return 'service-token';
  if (credential.kind === 'bearer' && rememberedOnConnection(connection, JWT_SHAPED, credential.value, isJwtShaped)) return 'jwt';
  return 'api-key';
}

const CREDENTIAL_PARAMETERS = ['api_key', 'session_id', 'csrf_token'] as const;

/** Removes credential parameters so handlers never see them. */
export function stripCredentialParameters(query: unknown, body: unknown): void {
  stripFrom(query);
  stripFrom(body);
}

function stripFrom(container: unknown): void {
  if (typeof container !== 'object' || container === null || Array.isArray(container)) return;
  const record = container as Record<string, unknown>;
  // Deleting a property that is not there still costs a runtime call; most requests have none.
  for (const name of CREDENTIAL_PARAMETERS) {
    if (Object.prototype.hasOwnProperty.call(record, name)) delete record[name];
  }
}
