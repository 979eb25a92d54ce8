import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import jwt from 'jsonwebtoken';
import { Strategy as CustomStrategy } from 'passport-custom';
import { ExtractJwt, Strategy as JwtStrategyBase } from 'passport-jwt';
import { Actions } from '../audit/actions';
import { ActivityService } from '../audit/activity.service';
import { connectionFingerprint } from '../common/crypto';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { CacheSpace, CredentialCache } from './credential-cache';
import { Credential } from './credentials';
import { AuthenticatedRequest } from './decorators';
import { AccessTokenClaims, JwtService } from './jwt.service';
import { JWT_ALGORITHM, JwtKeysService } from './jwt-keys.service';
import { Principal } from './principal';
import { SessionService } from './session.service';
import { claimsInForce } from './token-claims';
import { originOf, UserPrincipalFactory } from './user-principal.factory';

/** The credential the guard found, handed to the strategy that resolves it. */
export interface CredentialRequest extends AuthenticatedRequest {
  keywardCredential?: Credential;
  /** Set when a JWT's signature was verified by an earlier request (the claims came from the cache). */
  keywardVerifiedClaims?: AccessTokenClaims;
}


const invalidSession = () => new KeywardError('session', Messages.sessionInvalid);

/** A session id (cookie, X-Session-ID or ?session_id) → the user's principal. */
@Injectable()
export class SessionStrategy extends PassportStrategy(CustomStrategy, 'session') {
  constructor(
    private readonly sessions: SessionService,
    private readonly principals: UserPrincipalFactory,
  ) {
    super();
  }

  async validate(request: CredentialRequest): Promise<Principal> {
    const value = request.keywardCredential?.value;
    const live = value ? await this.sessions.resolve(value, connectionFingerprint(request.raw?.socket, value)) : null;
    if (!live) throw invalidSession();
    return this.principals.create(request, live.session.userId, live.session.organizationId, {
      authenticatedBy: 'session',
      sessionId: live.session.id,
    });
  }
}

/**
 * A JWT in `Authorization: Bearer` → the principal of its session's user. The algorithm is pinned
 * to ES256, `iss`, `aud`, `exp` and `nbf` are checked by the library; here: the token id is not
 * revoked and the session is alive.
 */
@Injectable()
export class JwtStrategy extends PassportStrategy(JwtStrategyBase, 'jwt') {
  constructor(
    keys: JwtKeysService,
    config: AppConfig,
    private readonly sessions: SessionService,
    private readonly tokens: JwtService,
    private readonly principals: UserPrincipalFactory,
    private readonly activity: ActivityService,
    private readonly cache: CredentialCache,
  ) {
    super({
      jwtFromRequest: ExtractJwt.fromAuthHeaderAsBearerToken(),
      secretOrKeyProvider: (_request: unknown, rawToken: string, done: (error: unknown, key?: string) => void) => {
        const decoded = jwt.decode(rawToken, { complete: true });
        const kid = decoded && typeof decoded === 'object' ? decoded.header.kid : undefined;
        const key = typeof kid === 'string' ? keys.publicKeyPem(kid) : undefined;
        if (!key) done(invalidSession());
        else done(null, key);
      },
      algorithms: [JWT_ALGORITHM],
      issuer: config.env.JWT_ISSUER,
      audience: config.env.JWT_AUDIENCE,
      passReqToCallback: true,
    });
    this.verified = cache.space<AccessTokenClaims>();
  }

  /** Claims of tokens whose signature was verified, by the token's fingerprint. */
  private readonly verified: CacheSpace<AccessTokenClaims>;

  /**
   * An ES256 verification costs far more than the rest of the request, so a token whose signature
   * was verified is remembered (by its SHA-256, in the credential cache, for CACHE_TTL_MS): a
   * repeat skips the signature check, never the time, revocation and session checks.
   */
  // passport-jwt types the request as Express's; Fastify's reaches it here.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  override authenticate(incoming: any, options?: object): void {
    const resolved = this.fromVerifiedCache(incoming as CredentialRequest);
    if (!resolved) {
      super.authenticate(incoming, options);
      return;
    }
    Promise.resolve(resolved).then(
      (principal) => this.success(principal),
      (error: unknown) => this.error(error as Error),
    );
  }

  /**
   * The principal of a token whose signature an earlier request verified (see `authenticate`),
   * or null when the signature must be verified (not cached, or the claims are no longer in force).
   * AuthenticationService calls it first, without Passport's per-request setup.
   */
  fromVerifiedCache(request: CredentialRequest): Principal | Promise<Principal> | null {
    const token = request.keywardCredential?.value;
    const claims = token ? this.verified.get(connectionFingerprint(request.raw?.socket, token)) : undefined;
    if (!claims || !claimsInForce(claims, Math.floor(Date.now() / 1000))) return null;
    request.keywardVerifiedClaims = claims;
    return this.validateNow(request, claims) ?? this.validate(request, claims);
  }

  /**
   * `validate`'s happy path from cached state alone (token not revoked, session live and the
   * user's, access in the organization), without a promise; undefined whenever anything is not
   * cached or not accepted, and then `validate` decides everything again, refusals included.
   */
  private validateNow(request: CredentialRequest, claims: AccessTokenClaims): Principal | undefined {
    if (typeof claims.sid !== 'string' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') return undefined;
    if (this.tokens.isRevokedNow(claims.jti) !== false) return undefined;
    const live = this.sessions.resolveByIdNow(claims.sid);
    if (!live || live.session.userId !== claims.sub) return undefined;
    return this.principals.createNow(request, live.session.userId, live.session.organizationId, {
      authenticatedBy: 'jwt',
      sessionId: live.session.id,
      token: { jti: claims.jti, exp: claims.exp },
    });
  }

  async validate(request: CredentialRequest, claims: AccessTokenClaims): Promise<Principal> {
    const generation = this.cache.generation;
    if (typeof claims.sid !== 'string' || typeof claims.jti !== 'string' || typeof claims.sub !== 'string') {
      throw invalidSession();
    }
    if (await this.tokens.isRevoked(claims.jti)) {
      await this.recordReuse(request, claims);
      throw invalidSession();
    }
    const live = await this.sessions.resolveById(claims.sid);
    if (!live || live.session.userId !== claims.sub) throw invalidSession();
    const token = request.keywardCredential?.value;
    if (token && !request.keywardVerifiedClaims) this.verified.set(connectionFingerprint(request.raw?.socket, token), claims, generation);
    return this.principals.create(request, live.session.userId, live.session.organizationId, {
      authenticatedBy: 'jwt',
      sessionId: live.session.id,
      token: { jti: claims.jti, exp: claims.exp },
    });
  }

  /** A revoked token presented again is a security event: someone may hold a stolen copy. */
  private async recordReuse(request: CredentialRequest, claims: AccessTokenClaims): Promise<void> {
    await this.activity.recordSecurityEvent({ kind: 'user', id: claims.sub, origin: originOf(request) }, {
      organizationId: claims.org,
      action: Actions.tokenReuse,
      target: { kind: 'session', id: claims.sid },
      outcome: 'failure',
      details: { jti: claims.jti },
    });
  }
}
