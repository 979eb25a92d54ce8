import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { AuthenticationService } from './authentication.service';
import { extractCredential, stripCredentialParameters } from './credentials';
import { AuthenticatedRequest, IS_PUBLIC, REQUIRED_PRIVILEGES, REQUIRED_SCOPE, ScopeSource, scopeValue } from './decorators';
import { assertAccess } from './grants';
import { privilegeTitle } from './privileges';
import { SessionService } from './session.service';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * The global guard: default deny. A route is reachable without a credential only with
 * `@Public()`; an authenticated route states what it needs with `@RequirePrivileges(...)`, and a
 * route with neither is closed to everyone.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
    private readonly sessions: SessionService,
  ) {}

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const targets = [context.getHandler(), context.getClass()];
    if (this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)) return true;

    const request = context.switchToHttp().getRequest<AuthenticatedRequest>();
    const credential = extractCredential({
      headers: request.headers,
      cookies: request.cookies ?? {},
      query: request.query,
      body: request.body,
    });
    if (!credential) throw new KeywardError('session', Messages.noCredential);
    const principal = await this.authentication.authenticate(credential, request);
    stripCredentialParameters(request.query, request.body);

    if (credential.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const presented = request.headers['x-csrf-token'];
      if (!principal.sessionId || !this.sessions.csrfTokenMatches(principal.sessionId, typeof presented === 'string' ? presented : undefined)) {
        throw new KeywardError('access', 'Missing or invalid CSRF token (send it in X-CSRF-Token).');
      }
    }

    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PRIVILEGES, targets);
    if (required === undefined) throw new KeywardError('access', 'This route is closed.');
    for (const privilege of required) assertAccess(principal, { privilege }, (id) => privilegeTitle(id));
    const scope = this.reflector.getAllAndOverride<ScopeSource | undefined>(REQUIRED_SCOPE, targets);
    if (scope) {
      assertAccess(principal, { category: scopeValue(request, scope.category), group: scopeValue(request, scope.group) }, privilegeTitle);
    }
    request.principal = principal;
    return true;
  }
}
