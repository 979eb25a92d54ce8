import { ErrorCode } from './error-catalog';

export interface FieldError {
  /** The field (or v1 parameter) at fault, dotted for nested properties. */
  field: string;
  message: string;
}

/** The recognised credential a refusal is about, for the security-event log. */
export interface AuditSubject {
  organizationId: string;
  kind: 'api_key' | 'service_token' | 'user';
  id: string;
}

export interface KeywardErrorOptions {
  /** Set when a known credential was refused, so the refusal is recorded as a security event. */
  subject?: AuditSubject;
  errors?: FieldError[];
  /** Seconds after which a rate-limited client may retry. */
  retryAfter?: number;
  headers?: Record<string, string>;
}

/**
 * The one domain exception. `description` is the exact, user-facing text: the v1 `description`
 * and the v2 `detail`. It must never contain internals or secrets.
 */
export class KeywardError extends Error {
  constructor(
    readonly code: ErrorCode,
    readonly description: string,
    readonly options: KeywardErrorOptions = {},
  ) {
    super(description);
    this.name = 'KeywardError';
  }

  /** The same error, marked as being about a recognised credential. */
  about(subject: AuditSubject): KeywardError {
    return new KeywardError(this.code, this.description, { ...this.options, subject });
  }
}

/** Messages that are part of the contract (api-v1.md, "Exact errors"), to the character. */
export const Messages = {
  noCredential: 'No Session ID or API Key could be found',
  invalidApiKey: 'Invalid API Key',
  apiKeyDisabled: 'API Key is disabled',
  apiKeyExpired: 'API Key is expired',
  apiKeyRateLimited: (perSecond: number) => `API Key has exceeded rate limit (${perSecond}/sec)`,
  sessionInvalid: 'Session has expired or is invalid.',
  loginIncorrect: 'Username or password incorrect.',
  missingPrivilege: (title: string) =>
    `You do not have the '${title}' privilege required to perform this action.`,
  categoryRestricted: (category: string) =>
    `You do not have the required account privileges to access category ID ${category}.`,
  groupRestricted: (group: string) =>
    `You do not have the required account privileges to access group ID ${group}.`,
  missingParameter: (name: string) => `Missing parameter: ${name}`,
  notFound: (what: string, id: string) => `${what} not found: ${id}`,
} as const;

export const notFound = (what: string, id: string) => new KeywardError('notfound', Messages.notFound(what, id));
