import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { setTimeout as sleep } from 'node:timers/promises';
import { DataSource } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { KeywardError, Messages, notFound } from '../common/errors/keyward-error';
import { isUuid } from '../common/crypto';
import { SessionEntity } from './session.entity';
import { AppConfig } from '../config/app-config';
import { OrganizationEntity } from '../organizations/organization.entity';
import { UserEntity } from '../organizations/user.entity';
import { IssuedToken, JwtService } from './jwt.service';
import { FAILURES_BEFORE_DELAY, LoginThrottle } from './login-throttle';
import { SharedCounters } from '../rate-limit/shared-counters';
import { needsRehash } from './password-hashing';
import { PasswordService } from './password.service';
import { Principal, RequestOrigin, requireUserId } from './principal';
import { SessionService } from './session.service';

export type LoginUser = Pick<UserEntity, 'id' | 'email' | 'name' | 'active'>;
export type HomeOrganization = Pick<OrganizationEntity, 'id' | 'name' | 'slug'>;

export interface LoginResult {
  sessionId: string;
  csrfToken: string;
  /** The JWT bound to the new session. */
  token: IssuedToken;
  /** Seconds until the session ends at the latest. */
  sessionExpiresIn: number;
  user: LoginUser;
  organization: HomeOrganization;
}

/** A user as a login needs it: with the password hash and the organization the login lands in. */
interface Account extends LoginUser {
  passwordHash: string;
  /** The user's oldest membership's organization; null when the user belongs to none. */
  home: HomeOrganization | null;
}

@Injectable()
export class LoginService {
  private readonly logger = new Logger('Login');
  private readonly throttle: LoginThrottle;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly tokens: JwtService,
    private readonly activity: ActivityService,
    config: AppConfig,
    counters: SharedCounters,
  ) {
    this.throttle = new LoginThrottle(counters, config.env.LOGIN_ATTEMPTS_PER_IP_PER_MINUTE);
  }

  /**
   * Unknown users and wrong passwords get the same answer after the same work (a dummy argon2
   * verification, and the same growing delay per account name), so the response does not tell
   * whether an account exists. Every login creates a new session id (no fixation).
   */
  async login(identifier: string, password: string, origin: RequestOrigin): Promise<LoginResult> {
    await this.throttle.admit(origin.ip);
    const { failures, delayMs } = await this.throttle.recordAttempt(identifier);
    if (delayMs > 0) await sleep(delayMs);
    // Checked once more when the account changed between its reading and the session's opening
    // (another login's hash upgrade, a password change, a deactivation): against what it is now.
    for (let attempt = 1; ; attempt += 1) {
      try {
        return await this.attempt(identifier, password, origin, failures);
      } catch (error) {
        if (!(error instanceof AccountChanged)) throw error;
        if (attempt === 2) throw new KeywardError('login', Messages.loginIncorrect);
      }
    }
  }

  private async attempt(identifier: string, password: string, origin: RequestOrigin, failures: number): Promise<LoginResult> {
    const account = await this.findAccount(identifier);
    const passwordMatches = await this.passwords.verify(account?.passwordHash ?? null, password);
    if (!account || !passwordMatches || !account.active) {
      // Recorded off the response path: a known account answers as fast as an unknown one.
      if (account) void this.recordFailure(account, origin, failures);
      throw new KeywardError('login', Messages.loginIncorrect);
    }
    const { home } = account;
    const user: LoginUser = { id: account.id, email: account.email, name: account.name, active: account.active };
    if (!home) throw new KeywardError('login', Messages.loginIncorrect);
    // A hash of an older release's parameters, replaced now that the password is known.
    const upgraded = needsRehash(account.passwordHash) ? await this.passwords.hash(password) : null;
    await this.throttle.recordSuccess(identifier);
    return this.dataSource.transaction(async (manager) => {
      // The hash checked must still be the account's, and the account still active, when the
      // session opens: otherwise a password change on another instance (which ends the user's
      // other sessions) could be followed by a session of the old password, or overwritten by an
      // upgraded hash of it. Both statements lock the user's row until commit, so no change slips
      // in before then.
      let verified = account.passwordHash;
      if (upgraded !== null) {
        const [, changed] = await manager.query(`UPDATE users SET password_hash = $1 WHERE id = $2 AND password_hash = $3 AND active`, [upgraded, user.id, verified]);
        if (changed === 0) throw new AccountChanged();
        verified = upgraded;
      }
      const { sessionId, session, insert } = this.sessions.open({ id: user.id, passwordHash: verified }, home.id, origin);
      const opened = await this.activity.record(
        manager,
        { kind: 'user', id: user.id, origin },
        { organizationId: home.id, action: Actions.userLogin, target: { kind: 'session', id: session.id } },
        insert,
      );
      if (opened === 0) throw new AccountChanged();
      return {
        sessionId,
        csrfToken: this.sessions.csrfTokenFor(session.id),
        token: this.tokens.issue(session),
        sessionExpiresIn: Math.floor((session.expiresAt.getTime() - Date.now()) / 1000),
        user,
        organization: home,
      };
    });
  }

  /** A new JWT for the session of the presented one, which is revoked; a replayed token gets nothing. */
  async refresh(principal: Principal): Promise<IssuedToken> {
    if (principal.authenticatedBy !== 'jwt' || !principal.token || !principal.sessionId) {
      throw new KeywardError('api', 'Refresh needs the current JWT in Authorization: Bearer.');
    }
    const { token, sessionId } = { token: principal.token, sessionId: principal.sessionId };
    // Read before the transaction: the embedded database has one connection, held by it.
    const live = await this.sessions.resolveById(sessionId);
    if (!live) throw new KeywardError('session', Messages.sessionInvalid);
    return this.dataSource.transaction(async (manager) => {
      if (!(await this.tokens.revoke({ jti: token.jti, sid: sessionId, exp: token.exp }, manager))) {
        throw new KeywardError('session', Messages.sessionInvalid);
      }
      await this.activity.record(manager, { kind: 'user', id: principal.id, origin: principal.origin }, {
        organizationId: live.session.organizationId,
        action: Actions.userTokenRefresh,
        target: { kind: 'session', id: sessionId },
        details: { revoked_jti: token.jti },
      });
      return this.tokens.issue(live.session);
    });
  }

  async logout(principal: Principal): Promise<void> {
    const sessionId = requireSession(principal);
    await this.dataSource.transaction(async (manager) => {
      await this.sessions.revoke(manager, sessionId);
      await this.activity.record(manager, { kind: 'user', id: principal.id, origin: principal.origin }, {
        organizationId: principal.organizationId,
        action: Actions.userLogout,
        target: { kind: 'session', id: sessionId },
      });
    });
  }

  async logoutAll(principal: Principal): Promise<number> {
    requireSession(principal);
    const userId = principal.userId as string;
    return this.dataSource.transaction(async (manager) => {
      const ended = await this.sessions.revokeAllForUser(manager, userId);
      await this.activity.record(manager, { kind: 'user', id: userId, origin: principal.origin }, {
        organizationId: principal.organizationId,
        action: Actions.userLogoutAll,
        target: { kind: 'user', id: userId },
        details: { sessions_ended: ended },
      });
      return ended;
    });
  }

  async sessionsOf(principal: Principal): Promise<SessionEntity[]> {
    return this.sessions.listLive(requireUserId(principal));
  }

  async endSession(principal: Principal, id: string): Promise<void> {
    const userId = principal.kind === 'user' ? principal.userId : null;
    if (!userId || !isUuid(id)) throw notFound('Session', id);
    await this.dataSource.transaction(async (manager) => {
      if (!(await this.sessions.revokeOwn(manager, userId, id))) throw notFound('Session', id);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.sessionRevoke,
        target: { kind: 'session', id },
      });
    });
  }

  private async recordFailure(account: Account, origin: RequestOrigin, failures: number): Promise<void> {
    try {
      if (account.home) await this.writeFailureRecords(account, account.home, origin, failures);
    } catch (error) {
      this.logger.warn(`could not record a failed login: ${(error as Error).message}`);
    }
  }

  private async writeFailureRecords(user: LoginUser, home: HomeOrganization, origin: RequestOrigin, failures: number) {
    const actor = { kind: 'user' as const, id: user.id, origin };
    const target = { kind: 'user', id: user.id };
    await this.activity.recordSecurityEvent(actor, {
      organizationId: home.id,
      action: Actions.userLoginFailure,
      target,
      outcome: 'failure',
      details: { consecutive_failures: failures },
    });
    if (failures === FAILURES_BEFORE_DELAY) {
      await this.activity.recordSecurityEvent(actor, {
        organizationId: home.id,
        action: Actions.userLockout,
        target,
        outcome: 'failure',
        details: { consecutive_failures: failures, note: 'further attempts are delayed, doubling up to 30 s' },
      });
    }
  }

  /**
   * The account for a login name with its home organization (the user's oldest membership), in
   * one statement: one round trip less per login than looking the organization up after the
   * password check. An unknown name costs the same statement.
   */
  private async findAccount(identifier: string): Promise<Account | null> {
    const rows: Array<LoginUser & { passwordHash: string; homeId: string | null; homeName: string; homeSlug: string }> = await this.dataSource.query(
      `SELECT u.id, u.email, u.name, u.password_hash AS "passwordHash", u.active,
              home.id AS "homeId", home.name AS "homeName", home.slug AS "homeSlug"
       FROM users u
       LEFT JOIN LATERAL (
         SELECT o.id, o.name, o.slug FROM memberships m JOIN organizations o ON o.id = m.organization_id
         WHERE m.user_id = u.id ORDER BY m.created_at ASC, m.id ASC LIMIT 1
       ) home ON true
       WHERE lower(u.email) = lower($1)
       LIMIT 1`,
      [identifier],
    );
    const row = rows[0];
    if (!row) return null;
    const { homeId, homeName, homeSlug, ...account } = row;
    return { ...account, home: homeId === null ? null : { id: homeId, name: homeName, slug: homeSlug } };
  }
}

/** The account a login read was changed before its session could open: the login checks it again. */
class AccountChanged extends Error {}

function requireSession(principal: Principal): string {
  if (principal.kind !== 'user' || !principal.sessionId || !principal.userId) {
    throw new KeywardError('api', 'Only a session (or its JWT) can log out; this credential is not one.');
  }
  return principal.sessionId;
}
