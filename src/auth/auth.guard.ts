import { CanActivate, ExecutionContext, Injectable } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyReply } from 'fastify';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { UsageService } from '../keys/usage.service';
import { RateLimitState, setRateLimitHeaders } from '../rate-limit/rate-limit-headers';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { AuthenticationService } from './authentication.service';
import { extractCredential, stripCredentialParameters } from './credentials';
import { AuthenticatedRequest, IS_PUBLIC, REQUIRED_PRIVILEGES, REQUIRED_SCOPE, ScopeSource, scopeValue } from './decorators';
import { assertAccess } from './grants';
import { Principal } from './principal';
import { privilegeTitle } from './privileges';
import { SessionService } from './session.service';
import { SecurityEventsService } from '../audit/security-events.service';
import { originOf } from './user-principal.factory';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

interface RouteRequirements {
  isPublic: boolean;
  privileges: string[] | undefined;
  scope: ScopeSource | undefined;
}

export const REGISTRATION_KEY_REFUSAL = 'A registration key can only register servers; it cannot call this API.';

/**
 * The global guard: default deny. A route is reachable without a credential only with
 * `@Public()`; an authenticated route states what it needs with `@RequirePrivileges(...)`, and a
 * route with neither is closed to everyone. The steps follow product.md: find the credential,
 * resolve the principal, check state, apply the key's limit then the global limit, check
 * privileges, count usage.
 */
@Injectable()
export class AuthGuard implements CanActivate {
  constructor(
    private readonly reflector: Reflector,
    private readonly authentication: AuthenticationService,
    private readonly sessions: SessionService,
    private readonly rateLimits: RateLimitService,
    private readonly usage: UsageService,
    private readonly securityEvents: SecurityEventsService,
  ) {}

  /** What each route declares, read once per handler instead of on every request. */
  private readonly routes = new WeakMap<object, RouteRequirements>();

  private requirementsOf(context: ExecutionContext): RouteRequirements {
    const handler = context.getHandler();
    let route = this.routes.get(handler);
    if (!route) {
      const targets = [handler, context.getClass()];
      route = {
        isPublic: Boolean(this.reflector.getAllAndOverride<boolean>(IS_PUBLIC, targets)),
        privileges: this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_PRIVILEGES, targets),
        scope: this.reflector.getAllAndOverride<ScopeSource | undefined>(REQUIRED_SCOPE, targets),
      };
      this.routes.set(handler, route);
    }
    return route;
  }

  async canActivate(context: ExecutionContext): Promise<boolean> {
    const route = this.requirementsOf(context);
    if (route.isPublic) return true;

    // The HTTP context's arguments are the request and the reply; `switchToHttp()` would make an object per request to return them.
    const request = context.getArgByIndex<AuthenticatedRequest>(0);
    const credential = extractCredential({
      headers: request.headers,
      cookies: request.cookies ?? {},
      query: request.query,
      body: request.body,
      connection: request.raw.socket,
    });
    if (!credential) throw new KeywardError('session', Messages.noCredential);
    let principal: Principal;
    try {
      // Synchronous for a cached API key: the usual request waits for nothing here.
      const resolved = this.authentication.authenticate(credential, request);
      principal = resolved instanceof Promise ? await resolved : resolved;
    } catch (error) {
      if (error instanceof KeywardError && error.options.subject) {
        this.securityEvents.authFailure(error.options.subject, error.description, originOf(request));
      }
      throw error;
    }
    stripCredentialParameters(request.query, request.body);
    if (principal.registrationKey) throw new KeywardError('access', REGISTRATION_KEY_REFUSAL);

    if (credential.via === 'cookie' && !SAFE_METHODS.has(request.method)) {
      const presented = request.headers['x-csrf-token'];
      if (!principal.sessionId || !this.sessions.csrfTokenMatches(principal.sessionId, typeof presented === 'string' ? presented : undefined)) {
        throw new KeywardError('access', 'Missing or invalid CSRF token (send it in X-CSRF-Token).');
      }
    }

    let limits: RateLimitState;
    try {
      const applied = this.applyRateLimits(principal, !SAFE_METHODS.has(request.method));
      limits = applied instanceof Promise ? await applied : applied;
    } catch (error) {
      if (error instanceof KeywardError && error.code === 'rate') {
        const kind = principal.kind === 'user' ? 'user' : principal.kind;
        this.securityEvents.rateLimited({ organizationId: principal.organizationId, kind, id: principal.id }, error.description, principal.origin);
      }
      throw error;
    }
    setRateLimitHeaders(context.getArgByIndex<FastifyReply>(1), limits);
    if (principal.apiKeyId) this.usage.record(principal.apiKeyId, principal.origin.ip);
    if (principal.serviceTokenId) this.usage.recordToken(principal.serviceTokenId, principal.origin.ip);

    const required = route.privileges;
    if (required === undefined) throw new KeywardError('access', 'This route is closed.');
    for (const privilege of required) assertAccess(principal, { privilege }, privilegeTitle);
    const scope = route.scope;
    if (scope) {
      assertAccess(principal, { category: scopeValue(request, scope.category), group: scopeValue(request, scope.group) }, privilegeTitle);
    }
    request.principal = principal;
    return true;
  }

  /**
   * The key's own per-second limit first, then the global per-principal limit; reports the tighter.
   * Counted without waiting when the counters can (in-process, or from a Redis reservation), so
   * the usual request adds no promise here; otherwise as before, one after the other.
   */
  private applyRateLimits(principal: Principal, write: boolean): RateLimitState | Promise<RateLimitState> {
    let keyState: RateLimitState | null = null;
    if (principal.maxPerSec) {
      const now = this.rateLimits.hitKeyNow(principal.id, principal.maxPerSec);
      if (now === undefined) return this.applyRateLimitsWaiting(principal, write);
      keyState = now;
    }
    const globalState = this.rateLimits.hitPrincipalNow(principal.kind, principal.id, write);
    if (globalState === undefined) return this.rateLimits.hitPrincipal(principal.kind, principal.id, write).then((state) => tighter(keyState, state));
    return tighter(keyState, globalState);
  }

  private async applyRateLimitsWaiting(principal: Principal, write: boolean): Promise<RateLimitState> {
    const keyState = principal.maxPerSec ? await this.rateLimits.hitKey(principal.id, principal.maxPerSec) : null;
    return tighter(keyState, await this.rateLimits.hitPrincipal(principal.kind, principal.id, write));
  }
}

function tighter(keyState: RateLimitState | null, globalState: RateLimitState): RateLimitState {
  return keyState && keyState.remaining <= globalState.remaining ? keyState : globalState;
}
