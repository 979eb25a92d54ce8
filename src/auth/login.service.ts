import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService } from '../audit/activity.service';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { OrganizationEntity } from '../organizations/organization.entity';
import { UserEntity } from '../organizations/user.entity';
import { PasswordService } from './password.service';
import { Principal, RequestOrigin } from './principal';
import { SessionService } from './session.service';

export interface LoginResult {
  sessionId: string;
  csrfToken: string;
  /** Seconds until the session ends if unused. */
  expiresIn: number;
  user: UserEntity;
  organization: OrganizationEntity;
}

@Injectable()
export class LoginService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly activity: ActivityService,
  ) {}

  /**
   * Unknown users and wrong passwords get the same answer after the same work (a dummy argon2
   * verification), so the response does not tell whether an account exists.
   */
  async login(identifier: string, password: string, origin: RequestOrigin): Promise<LoginResult> {
    const user = await this.dataSource.manager
      .createQueryBuilder(UserEntity, 'u')
      .where('lower(u.email) = lower(:email)', { email: identifier })
      .getOne();
    const passwordMatches = await this.passwords.verify(user?.passwordHash ?? null, password);
    const home = user ? await this.homeOrganization(user.id) : null;
    if (!user || !passwordMatches || !user.active || !home) {
      if (user && home) {
        await this.dataSource.transaction((manager) =>
          this.activity.record(manager, { kind: 'user', id: user.id, origin }, {
            organizationId: home.id,
            action: Actions.userLoginFailure,
            target: { kind: 'user', id: user.id },
            outcome: 'failure',
          }),
        );
      }
      throw new KeywardError('login', Messages.loginIncorrect);
    }
    return this.dataSource.transaction(async (manager) => {
      const { sessionId, session } = await this.sessions.create(manager, user.id, home.id, origin);
      await this.activity.record(manager, { kind: 'user', id: user.id, origin }, {
        organizationId: home.id,
        action: Actions.userLogin,
        target: { kind: 'session', id: session.id },
      });
      return {
        sessionId,
        csrfToken: this.sessions.csrfTokenFor(session.id),
        expiresIn: Math.floor((session.expiresAt.getTime() - Date.now()) / 1000),
        user,
        organization: home,
      };
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

  /** The organization a login lands in: the user's oldest membership. */
  private async homeOrganization(userId: string): Promise<OrganizationEntity | null> {
    return this.dataSource.manager
      .createQueryBuilder(OrganizationEntity, 'o')
      .innerJoin('memberships', 'm', 'm.organization_id = o.id')
      .where('m.user_id = :userId', { userId })
      .orderBy('m.created_at', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .getOne();
  }
}

function requireSession(principal: Principal): string {
  if (principal.kind !== 'user' || !principal.sessionId || !principal.userId) {
    throw new KeywardError('api', 'Only a session can log out; this credential is not a session.');
  }
  return principal.sessionId;
}
