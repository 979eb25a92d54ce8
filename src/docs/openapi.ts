import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { apiVersionOf } from '../common/errors/api-version';
import { V1_PARAMS_EXTENSION } from '../common/http/versioned-controller';
import { applyValidationLimits, applyValidationLimitsToParameters } from './validation-limits';

export interface ApiDocuments {
  v1: OpenAPIObject;
  v2: OpenAPIObject;
}

function builder(title: string, description: string): DocumentBuilder {
  return new DocumentBuilder()
    .setTitle(title)
    .setDescription(description)
    .setVersion('1.0')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-API-Key' }, 'api_key_header')
    .addApiKey({ type: 'apiKey', in: 'query', name: 'api_key' }, 'api_key_query')
    .addBearerAuth(
      {
        type: 'http',
        scheme: 'bearer',
        description: 'An API key, a JWT or a service token. JWTs follow RFC8725: ES256 only (the algorithm is pinned), iss, aud, exp and nbf are checked, and revoked ids are refused.',
      },
      'bearer',
    )
    .addApiKey({ type: 'apiKey', in: 'cookie', name: 'session_id' }, 'session_cookie')
    .addApiKey({ type: 'apiKey', in: 'header', name: 'X-Session-ID' }, 'session_header');
}

/**
 * Two documents from one scan: every route is in exactly one of them, by its path (v1 is
 * `/api/app/...` and `/api/user/...`; v2 is the rest, including health and well-known routes).
 */
export function buildApiDocuments(app: INestApplication): ApiDocuments {
  const v1 = SwaggerModule.createDocument(
    app,
    builder(
      'Keyward API v1 (xyOps-compatible)',
      'The legacy RPC surface: `/api/app/NAME/v1` and `/api/user/NAME`. Responses are `{ "code": 0, ... }`; ' +
        'errors are `{ "code", "description" }`. Send the API key as `X-API-Key` (recommended), `?api_key=`, ' +
        'a JSON `api_key` property or `Authorization: Bearer`.',
    ).build(),
  );
  const v2 = SwaggerModule.createDocument(
    app,
    builder(
      'Keyward API v2',
      'The REST surface under `/api/v2`. Errors are RFC 9457 problem details (`application/problem+json`); ' +
        'lists use `?limit=` and `?cursor=`. Users of several organizations choose one with `X-Organization-Id`.',
    ).build(),
  );
  v1.paths = filterPaths(v1.paths, (path) => apiVersionOf(path) === 'v1');
  v2.paths = filterPaths(v2.paths, (path) => apiVersionOf(path) === 'v2');
  for (const document of [v1, v2]) {
    applyValidationLimits((document.components?.schemas ?? {}) as Record<string, Record<string, unknown>>);
    applyValidationLimitsToParameters(document.paths as never);
  }
  // After the limits: these parameters come from one known DTO and carry its limits exactly.
  documentV1Parameters(v1);
  documentCommonResponses(v1, 'v1');
  documentCommonResponses(v2, 'v2');
  pruneUnusedSchemas(v1);
  pruneUnusedSchemas(v2);
  return { v1, v2 };
}

type Schema = { properties?: Record<string, unknown>; required?: string[] };

/**
 * A v1 call reads one merged set of parameters (V1Params): the document states them as query
 * parameters of the GET form and as the JSON body of the POST form, from the same DTO schema (the
 * limits are written into that schema later, and so reach both).
 */
function documentV1Parameters(document: OpenAPIObject): void {
  const schemas = (document.components?.schemas ?? {}) as Record<string, Schema>;
  for (const methods of Object.values(document.paths)) {
    for (const [method, operation] of Object.entries(methods) as Array<[string, Operation & Record<string, unknown>]>) {
      const name = operation[V1_PARAMS_EXTENSION] as string | undefined;
      if (!name) continue;
      delete operation[V1_PARAMS_EXTENSION];
      const schema = schemas[name];
      const required = new Set(schema?.required ?? []);
      if (method === 'get') {
        operation.parameters = Object.entries(schema?.properties ?? {}).map(([property, propertySchema]) => ({
          name: property,
          in: 'query',
          required: required.has(property),
          schema: structuredClone(propertySchema),
        }));
      } else {
        operation.requestBody = { required: required.size > 0, content: { 'application/json': { schema: { $ref: `#/components/schemas/${name}` } } } };
      }
    }
  }
}

type Operation = {
  'x-required-privileges'?: string[];
  parameters?: unknown[];
  requestBody?: unknown;
  responses?: Record<string, { description?: string; headers?: Record<string, unknown>; content?: unknown }>;
};

const RATE_LIMIT_HEADERS = {
  'RateLimit-Limit': { description: 'Requests allowed in the current window (the tighter of the key\'s own and the global limit).', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 } },
  'RateLimit-Remaining': { description: 'Requests left in the current window.', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 } },
  'RateLimit-Reset': { description: 'Seconds until the window resets.', schema: { type: 'integer', format: 'int32', minimum: 0, maximum: 2147483647 } },
};

/**
 * What every operation can answer besides its own responses, stated once here instead of on every
 * route (found by linting the documents with Spectral's OWASP ruleset): the error body, the
 * RateLimit-* headers of authenticated calls, 429 with Retry-After, 500, and the validation and
 * credential errors. v1 states its own statuses: xyOps answers a missing or invalid credential
 * with 403 `session`, not 401.
 */
function documentCommonResponses(document: OpenAPIObject, version: 'v1' | 'v2'): void {
  const errorSchemaName = version === 'v2' ? 'Problem' : 'V1Error';
  const text = (description: string, maxLength: number) => ({ type: 'string', maxLength, description });
  document.components = document.components ?? {};
  document.components.schemas = {
    ...(document.components.schemas ?? {}),
    [errorSchemaName]:
      version === 'v2'
        ? {
            type: 'object',
            description: 'RFC 9457 problem details (application/problem+json).',
            properties: {
              type: { ...text('Problem type URI.', 200), format: 'uri' },
              title: text('Short summary of the problem type.', 100),
              status: { type: 'integer', format: 'int32', minimum: 400, maximum: 599 },
              detail: text('What went wrong, for a person.', 2000),
              code: text('The error code (same catalog as v1).', 40),
              instance: text('The request path.', 2000),
              request_id: text('The request id (X-Request-Id).', 64),
              errors: {
                type: 'array',
                maxItems: 100,
                items: { type: 'object', properties: { field: text('Parameter name.', 200), message: text('What is wrong with it.', 500) } },
              },
            },
          }
        : {
            type: 'object',
            description: 'An xyOps error: `code` is not 0.',
            properties: { code: text('api, session, access, notfound, rate, login or internal.', 20), description: text('What went wrong.', 2000) },
          },
  };
  document.servers = [{ url: '/', description: 'This server (production, staging or local: wherever it is deployed)', 'x-internal': false } as never];
  const error = (description: string, headers?: Record<string, unknown>) => ({
    description,
    ...(headers ? { headers } : {}),
    content: { [version === 'v2' ? 'application/problem+json' : 'application/json']: { schema: { $ref: `#/components/schemas/${errorSchemaName}` } } },
  });
  for (const methods of Object.values(document.paths)) {
    for (const operation of Object.values(methods) as Operation[]) {
      if (typeof operation !== 'object' || operation === null || !operation.responses) continue;
      const responses = operation.responses;
      const authenticated = operation['x-required-privileges'] !== undefined;
      const takesInput = Boolean(operation.requestBody) || (operation.parameters?.length ?? 0) > 0;
      if (takesInput) responses['400'] ??= error('Malformed or invalid parameters (the problem names each field).');
      if (authenticated) {
        if (version === 'v2') responses['401'] ??= error('No valid credential.');
        responses['403'] ??= error(version === 'v2' ? 'The credential lacks a privilege, category or group this call needs.' : 'No valid credential (`session`), or one without the privileges this call needs (`access`).');
        responses['429'] ??= error('A rate limit was reached; retry after Retry-After seconds.', {
          ...RATE_LIMIT_HEADERS,
          'Retry-After': { description: 'Seconds to wait.', schema: { type: 'integer', format: 'int32', minimum: 1, maximum: 86400 } },
        });
        for (const [status, response] of Object.entries(responses)) {
          if (/^[24]/.test(status)) response.headers = { ...RATE_LIMIT_HEADERS, ...(response.headers ?? {}) };
        }
      }
      responses['500'] ??= error('An unexpected error; the body carries only the request id.');
    }
  }
}

/**
 * One scan serves both documents, so each carries the other's schemas: keep only those its
 * operations reach (directly or through other schemas).
 */
function pruneUnusedSchemas(document: OpenAPIObject): void {
  const schemas = document.components?.schemas ?? {};
  const reached = new Set<string>();
  const visit = (value: unknown): void => {
    if (Array.isArray(value)) value.forEach(visit);
    else if (typeof value === 'object' && value !== null) {
      for (const [key, child] of Object.entries(value)) {
        if (key === '$ref' && typeof child === 'string' && child.startsWith('#/components/schemas/')) {
          const name = child.slice('#/components/schemas/'.length);
          if (!reached.has(name)) {
            reached.add(name);
            visit(schemas[name]);
          }
        } else visit(child);
      }
    }
  };
  visit(document.paths);
  for (const name of Object.keys(schemas)) if (!reached.has(name)) delete schemas[name];
}

function filterPaths(paths: OpenAPIObject['paths'], keep: (path: string) => boolean): OpenAPIObject['paths'] {
  return Object.fromEntries(Object.entries(paths).filter(([path]) => keep(path)));
}
