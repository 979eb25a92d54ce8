import { applyDecorators, createParamDecorator, ExecutionContext, SetMetadata } from '@nestjs/common';
import { ApiExtension, ApiForbiddenResponse, ApiSecurity, ApiUnauthorizedResponse } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Principal } from './principal';
import { BUILT_IN_PRIVILEGES } from './privileges';

export const IS_PUBLIC = 'keyward:public';
export const REQUIRED_PRIVILEGES = 'keyward:required-privileges';

/** The security schemes every authenticated route accepts (declared in main's document builders). */
export const SECURITY_SCHEMES = ['api_key_header', 'api_key_query', 'bearer', 'session_cookie', 'session_header'];

/** Opts a route out of the global default-deny guard. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * What a route needs, stated once: the guard enforces it and Swagger documents it. With no
 * privileges it still requires a valid credential.
 */
export function RequirePrivileges(...privileges: string[]) {
  const description = privileges.length
    ? `Forbidden: requires ${privileges.map((id) => `'${BUILT_IN_PRIVILEGES[id] ?? id}' (\`${id}\`)`).join(' and ')}.`
    : 'Forbidden.';
  return applyDecorators(
    SetMetadata(REQUIRED_PRIVILEGES, privileges),
    ApiExtension('x-required-privileges', privileges),
    ApiUnauthorizedResponse({ description: 'No valid credential.' }),
    ApiForbiddenResponse({ description }),
    ...SECURITY_SCHEMES.map((scheme) => ApiSecurity(scheme)),
  );
}

export const REQUIRED_SCOPE = 'keyward:required-scope';

/** Names the request parameter (path, query or body) that carries the category or group a route touches. */
export interface ScopeSource {
  category?: string;
  group?: string;
}

/**
 * The route touches a category and/or group named by a request parameter; a principal restricted
 * to other categories or groups gets the contract's access message (admin bypasses).
 */
export function RequireScope(source: ScopeSource) {
  return applyDecorators(
    SetMetadata(REQUIRED_SCOPE, source),
    ApiExtension('x-required-scope', source),
  );
}

/** The value of a named parameter, from the path, then the query, then the JSON body. */
export function scopeValue(request: FastifyRequest, name: string | undefined): string | undefined {
  if (!name) return undefined;
  for (const container of [request.params, request.query, request.body]) {
    if (typeof container === 'object' && container !== null && Object.prototype.hasOwnProperty.call(container, name)) {
      const value = (container as Record<string, unknown>)[name];
      if (typeof value === 'string') return value;
    }
  }
  return undefined;
}

export interface AuthenticatedRequest extends FastifyRequest {
  principal?: Principal;
}

/** The principal of the request; the only way handlers learn who is calling. */
export const CurrentPrincipal = createParamDecorator((_: unknown, context: ExecutionContext): Principal => {
  // The request is the HTTP context's first argument (what `switchToHttp().getRequest()` returns, without an object per call).
  const principal = context.getArgByIndex<AuthenticatedRequest>(0).principal;
  if (!principal) throw new Error('CurrentPrincipal used on a route without authentication');
  return principal;
});
