import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { PasswordService } from '../auth/password.service';
import { Principal, requireUserId } from '../auth/principal';
import { SessionService } from '../auth/session.service';
import { KeywardError } from '../common/errors/keyward-error';
import { OrganizationEntity } from './organization.entity';
import { UserEntity } from './user.entity';

export interface Profile {
  user: UserEntity;
  organizations: OrganizationEntity[];
}

@Injectable()
export class UsersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly passwords: PasswordService,
    private readonly sessions: SessionService,
    private readonly activity: ActivityService,
  ) {}

  async profile(principal: Principal): Promise<Profile> {
    const userId = requireUserId(principal);
    const user = await this.dataSource.manager.findOneByOrFail(UserEntity, { id: userId });
    const organizations = await this.dataSource.manager
      .createQueryBuilder(OrganizationEntity, 'o')
      .innerJoin('memberships', 'm', 'm.organization_id = o.id')
      .where('m.user_id = :userId', { userId })
      .orderBy('m.created_at', 'ASC')
      .getMany();
    return { user, organizations };
  }

  async updateProfile(principal: Principal, input: { name?: string }): Promise<Profile> {
    const userId = requireUserId(principal);
    if (input.name !== undefined) {
      await this.dataSource.transaction(async (manager) => {
        await manager.update(UserEntity, { id: userId }, { name: input.name });
        await this.activity.record(manager, actorOf(principal), {
          organizationId: principal.organizationId,
          action: Actions.userUpdate,
          target: { kind: 'user', id: userId },
          details: { changed: ['name'] },
        });
      });
    }
    return this.profile(principal);
  }

  /** Changes the password after checking the current one; every other session of the user ends. */
  async changePassword(principal: Principal, current: string, next: string): Promise<number> {
    const userId = requireUserId(principal);
    const user = await this.dataSource.manager.findOneByOrFail(UserEntity, { id: userId });
    if (!(await this.passwords.verify(user.passwordHash, current))) {
      throw new KeywardError('access', 'The current password is not correct.');
    }
    const passwordHash = await this.passwords.hash(next);
    return this.dataSource.transaction(async (manager) => {
      await manager.update(UserEntity, { id: userId }, { passwordHash });
      const ended = await this.sessions.revokeAllForUser(manager, userId, principal.sessionId);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.userPasswordChange,
        target: { kind: 'user', id: userId },
        details: { other_sessions_ended: ended },
      });
      return ended;
    });
  }
}
