import { HttpException } from '@nestjs/common';
import { isDatabaseUnavailable } from '../../database/postgres-errors';
import { KeywardError, Messages } from './keyward-error';

/** Fail closed while the database is unreachable: nothing unverified is let through, and clients are told to retry. */
export const DATABASE_UNAVAILABLE = 'The service cannot reach its database; try again shortly.';

interface FrameworkError {
  code?: unknown;
  statusCode?: unknown;
  status?: unknown;
  validation?: unknown;
}

/**
 * Turns whatever was thrown into a KeywardError, or null when it is not a known error (then it is
 * a bug: logged, and a 500 without internals). Framework messages are replaced by our own text so
 * that no internal name reaches a response.
 */
export function toKeywardError(error: unknown, method: string, path: string): KeywardError | null {
  if (error instanceof KeywardError) return error;
  if (error instanceof HttpException) {
    return error.getStatus() === 400 ? fromBadRequest(error.message) : fromHttpStatus(error.getStatus(), method, path);
  }
  if (isDatabaseUnavailable(error)) return new KeywardError('unavailable', DATABASE_UNAVAILABLE, { retryAfter: 5 });
  if (typeof error === 'object' && error !== null) {
    const { code, statusCode } = error as FrameworkError;
    switch (code) {
      case 'FST_ERR_CTP_BODY_TOO_LARGE':
        return new KeywardError('payload_too_large', 'Request body is too large (limit 65536 bytes).');
      case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
        return new KeywardError('unsupported_media_type', 'Unsupported Content-Type: send JSON (application/json).');
      case 'FST_ERR_CTP_EMPTY_JSON_BODY':
        return new KeywardError('api', 'Request body is empty but Content-Type is application/json.');
      case 'FST_ERR_CTP_INVALID_JSON_BODY':
      case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
        return new KeywardError('api', 'Malformed JSON in request body.');
      default:
        break;
    }
    if (error instanceof SyntaxError && statusCode === 400) {
      return new KeywardError('api', 'Malformed JSON in request body.');
    }
    if (typeof statusCode === 'number' && statusCode >= 400 && statusCode < 500) {
      return fromHttpStatus(statusCode, method, path);
    }
  }
  return null;
}

/** Nest reports Fastify's body-parsing failures as 400s; say what was wrong in our own words. */
function fromBadRequest(message: string): KeywardError {
  if (/not valid JSON/i.test(message)) return new KeywardError('api', 'Malformed JSON in request body.');
  if (/cannot be empty/i.test(message)) {
    return new KeywardError('api', 'Request body is empty but Content-Type is application/json.');
  }
  if (/prototype/i.test(message)) {
    return new KeywardError('api', 'Request body contains a forbidden property (__proto__ or constructor.prototype).');
  }
  return new KeywardError('api', 'Bad request.');
}

function fromHttpStatus(status: number, method: string, path: string): KeywardError | null {
  switch (status) {
    case 404:
      return new KeywardError('notfound', unknownRouteMessage(method, path));
    case 405:
      return new KeywardError('method_not_allowed', `Method ${method} is not allowed here.`);
    case 413:
      return new KeywardError('payload_too_large', 'Request body is too large (limit 65536 bytes).');
    case 415:
      return new KeywardError('unsupported_media_type', 'Unsupported Content-Type: send JSON (application/json).');
    case 401:
      return new KeywardError('session', Messages.noCredential);
    case 403:
      return new KeywardError('access', 'Access denied.');
    case 429:
      return new KeywardError('rate', 'Too many requests.');
    default:
      return status >= 400 && status < 500 ? new KeywardError('api', 'Bad request.') : null;
  }
}

function unknownRouteMessage(method: string, path: string): string {
  const v1Call = /^\/api\/app\/([^/]+)\/v1$/.exec(path);
  if (v1Call) return `Unknown API call: ${v1Call[1].slice(0, 100)}`;
  return `No route for ${method} ${path.slice(0, 200)}`;
}
