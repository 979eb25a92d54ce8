import { INestApplication } from '@nestjs/common';
import { DocumentBuilder, OpenAPIObject, SwaggerModule } from '@nestjs/swagger';
import { apiVersionOf } from '../common/errors/api-version';

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
    .addBearerAuth({ type: 'http', scheme: 'bearer', description: 'An API key, a JWT or a service token.' }, 'bearer')
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
  return { v1, v2 };
}

function filterPaths(paths: OpenAPIObject['paths'], keep: (path: string) => boolean): OpenAPIObject['paths'] {
  return Object.fromEntries(Object.entries(paths).filter(([path]) => keep(path)));
}
