import { ApiVersion } from './api-version';
import { describeError, PROBLEM_TYPE_BASE } from './error-catalog';
import { KeywardError } from './keyward-error';

export interface RenderedError {
  status: number;
  contentType: string;
  headers: Record<string, string>;
  body: Record<string, unknown>;
}

/** v1: `{ code, description }` with the xyOps status of the code. */
export function renderV1Error(error: KeywardError): RenderedError {
  const description = describeError(error.code);
  return {
    status: description.v1Status,
    contentType: 'application/json; charset=utf-8',
    headers: headersOf(error),
    body: { code: description.v1Code, description: error.description },
  };
}

/** v2: RFC 9457 problem details with the catalog's code. */
export function renderProblem(error: KeywardError, instance: string, requestId: string): RenderedError {
  const description = describeError(error.code);
  const body: Record<string, unknown> = {
    type: PROBLEM_TYPE_BASE + description.v2Code,
    title: description.title,
    status: description.v2Status,
    detail: error.description,
    code: description.v2Code,
    instance,
    request_id: requestId,
  };
  if (error.options.errors?.length) body.errors = error.options.errors;
  return {
    status: description.v2Status,
    contentType: 'application/problem+json; charset=utf-8',
    headers: headersOf(error),
    body,
  };
}

export function renderError(version: ApiVersion, error: KeywardError, instance: string, requestId: string) {
  return version === 'v1' ? renderV1Error(error) : renderProblem(error, instance, requestId);
}

function headersOf(error: KeywardError): Record<string, string> {
  const headers: Record<string, string> = { ...error.options.headers };
  if (error.options.retryAfter !== undefined) headers['retry-after'] = String(error.options.retryAfter);
  return headers;
}
