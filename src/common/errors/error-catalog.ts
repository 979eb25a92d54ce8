/**
 * The one catalog of error codes. Each code has its v1 rendering (xyOps `code` and HTTP status)
 * and its v2 rendering (RFC 9457 problem type, title and status). A new code must be added here,
 * and `describeError`'s exhaustive switch makes forgetting it a compile error.
 */
export type ErrorCode =
  | 'api'
  | 'credential_refused'
  | 'validation'
  | 'session'
  | 'login'
  | 'access'
  | 'notfound'
  | 'conflict'
  | 'rate'
  | 'payload_too_large'
  | 'unsupported_media_type'
  | 'method_not_allowed'
  | 'unavailable'
  | 'internal';

/** The codes a v1 client may see; anything else is a bug and renders as 500. */
export type V1ErrorCode = 'api' | 'session' | 'access' | 'notfound' | 'rate' | 'login' | 'internal';

export interface ErrorDescription {
  /** The v1 `code` string. */
  v1Code: V1ErrorCode;
  /** HTTP status of a v1 response. */
  v1Status: number;
  /** The v2 `code` string (same catalog as v1, finer where v2 distinguishes more). */
  v2Code: string;
  /** HTTP status of a v2 problem. */
  v2Status: number;
  /** Short, human summary of the problem type (v2 `title`). */
  title: string;
}

export const PROBLEM_TYPE_BASE = 'https://keyward.dev/problems/';

function assertUnreachable(value: never): never {
  throw new Error(`Unhandled error code: ${String(value)}`);
}

export function describeError(code: ErrorCode): ErrorDescription {
  switch (code) {
    case 'api':
      return { v1Code: 'api', v1Status: 400, v2Code: 'api', v2Status: 400, title: 'Bad Request' };
    case 'credential_refused':
      // A known credential that may not be used (disabled, expired): xyOps says `api`/400; in v2
      // it is still "no valid credential", so 401 with the same code.
      return { v1Code: 'api', v1Status: 400, v2Code: 'api', v2Status: 401, title: 'Unauthorized' };
    case 'validation':
      return { v1Code: 'api', v1Status: 400, v2Code: 'validation', v2Status: 400, title: 'Validation Failed' };
    case 'session':
      return { v1Code: 'session', v1Status: 403, v2Code: 'session', v2Status: 401, title: 'Unauthorized' };
    case 'login':
      return { v1Code: 'login', v1Status: 401, v2Code: 'login', v2Status: 401, title: 'Login Failed' };
    case 'access':
      return { v1Code: 'access', v1Status: 403, v2Code: 'access', v2Status: 403, title: 'Forbidden' };
    case 'notfound':
      return { v1Code: 'notfound', v1Status: 404, v2Code: 'notfound', v2Status: 404, title: 'Not Found' };
    case 'conflict':
      return { v1Code: 'api', v1Status: 400, v2Code: 'conflict', v2Status: 409, title: 'Conflict' };
    case 'rate':
      return { v1Code: 'rate', v1Status: 429, v2Code: 'rate', v2Status: 429, title: 'Too Many Requests' };
    case 'payload_too_large':
      // The 64 KB limit answers 413 in both versions (quality.md); v1 keeps its `api` code.
      return { v1Code: 'api', v1Status: 413, v2Code: 'payload_too_large', v2Status: 413, title: 'Payload Too Large' };
    case 'unsupported_media_type':
      return { v1Code: 'api', v1Status: 415, v2Code: 'unsupported_media_type', v2Status: 415, title: 'Unsupported Media Type' };
    case 'method_not_allowed':
      return { v1Code: 'api', v1Status: 405, v2Code: 'method_not_allowed', v2Status: 405, title: 'Method Not Allowed' };
    case 'unavailable':
      return { v1Code: 'internal', v1Status: 503, v2Code: 'unavailable', v2Status: 503, title: 'Service Unavailable' };
    case 'internal':
      return { v1Code: 'internal', v1Status: 500, v2Code: 'internal', v2Status: 500, title: 'Internal Server Error' };
    default:
      return assertUnreachable(code);
  }
}
