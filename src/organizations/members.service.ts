import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { assertWithinScope, Grant, unionScope } from '../auth/grants';
import { PasswordService } from '../auth/password.service';
import { isAdmin, Principal } from '../auth/principal';
import { isUuid } from '../common/crypto';
import { KeywardError, Messages, notFound } from '../common/errors/keyward-error';
import { isUniqueViolation } from '../database/postgres-errors';
import { MembershipEntity } from './membership.entity';
import { OrganizationEntity } from './organization.entity';
import { organizationScope, OrganizationRepository } from './organization.repository';
import { PrivilegeCatalogService } from './privilege-catalog.service';
import { RolesService } from './roles.service';
import { UserEntity } from './user.entity';

export interface MemberGrantInput {
  /** The user's account itself (all organizations): only an admin over all of them may change it. */
  active?: boolean;
  privileges?: string[];
  roles?: string[];
  categories?: string[];
  groups?: string[];
}

export interface AddMemberInput extends MemberGrantInput {
  email: string;
  name?: string;
  password?: string;
}

export interface Member {
  membership: MembershipEntity;
  user: UserEntity;
}

/**
 * Memberships of users in an organization the principal can see (its own or a sub-account).
 * Nobody grants more than they hold, nor changes a member who holds more than they do.
 */
@Injectable()
export class MembersService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationRepository,
    private readonly roles: RolesService,
    private readonly catalog: PrivilegeCatalogService,
    private readonly passwords: PasswordService,
    private readonly activity: ActivityService,
  ) {}

  async list(principal: Principal, organizationId: string): Promise<Member[]> {
    const organization = await this.visibleOrganization(principal, organizationId);
    const rows = await this.dataSource.manager
      .createQueryBuilder(MembershipEntity, 'm')
      .innerJoinAndMapOne('m.user', UserEntity, 'u', 'u.id = m.user_id')
      .where('m.organization_id = :organizationId', { organizationId: organization.id })
      .orderBy('m.created_at', 'ASC')
      .addOrderBy('m.id', 'ASC')
      .getMany();
    return rows.map((membership) => ({ membership, user: (membership as MembershipEntity & { user: UserEntity }).user }));
  }

  async get(principal: Principal, organizationId: string, userId: string): Promise<Member> {
    const organization = await this.visibleOrganization(principal, organizationId);
    return this.findMember(this.dataSource.manager, organization.id, userId);
  }

  /** Adds an existing user (by email) or creates one (password required) and makes them a member. */
  async add(principal: Principal, organizationId: string, input: AddMemberInput): Promise<Member> {
    const organization = await this.visibleOrganization(principal, organizationId);
    const passwordHash = input.password !== undefined ? await this.passwords.hash(input.password) : null;
    try {
      return await this.dataSource.transaction(async (manager) => {
        const grant = await this.checkedGrant(manager, principal, organization.id, input);
        let createdUser = false;
        let user = await manager
          .createQueryBuilder(UserEntity, 'u')
          .where('lower(u.email) = lower(:email)', { email: input.email })
          .getOne();
        const actor = actorOf(principal);
        if (!user) {
          if (passwordHash === null) {
            throw new KeywardError('validation', Messages.missingParameter('password'), {
              errors: [{ field: 'password', message: 'is required to create a new user' }],
            });
          }
          user = await manager.save(
            UserEntity,
            manager.create(UserEntity, { email: input.email, name: input.name ?? '', passwordHash, active: true }),
          );
          createdUser = true;
        }
        const membership = await manager.save(
          MembershipEntity,
          manager.create(MembershipEntity, {
            organizationId: organization.id,
            userId: user.id,
            privileges: grant.privileges,
            roleIds: grant.roleIds,
            categories: grant.categories,
            groups: grant.groups,
          }),
        );
        await this.activity.record(manager, actor, {
          organizationId: principal.organizationId,
          action: Actions.memberAdd,
          target: { kind: 'user', id: user.id },
          details: { organization_id: organization.id, email: user.email, created_user: createdUser, privileges: grant.privileges, roles: grant.roleIds },
        });
        return { membership, user };
      });
    } catch (error) {
      if (isUniqueViolation(error)) {
        throw new KeywardError('conflict', `${input.email} is already a member of this organization.`);
      }
      throw error;
    }
  }

  /** Replaces the given fields of the membership (privileges, roles, categories, groups). */
  async update(principal: Principal, organizationId: string, userId: string, input: MemberGrantInput): Promise<Member> {
    const organization = await this.visibleOrganization(principal, organizationId);
    return this.dataSource.transaction(async (manager) => {
      const member = await this.findMember(manager, organization.id, userId);
      await this.assertNotWider(manager, principal, member.membership);
      const { membership } = member;
      if (input.active !== undefined && input.active !== member.user.active) await this.setActive(manager, principal, member.user, input.active);
      const grant = await this.checkedGrant(manager, principal, organization.id, {
        privileges: input.privileges ?? membership.privileges,
        roles: input.roles ?? membership.roleIds,
        categories: input.categories ?? membership.categories,
        groups: input.groups ?? membership.groups,
      });
      Object.assign(membership, {
        privileges: grant.privileges,
        roleIds: grant.roleIds,
        categories: grant.categories,
        groups: grant.groups,
      });
      await manager.save(MembershipEntity, membership);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.memberUpdate,
        target: { kind: 'user', id: userId },
        details: {
          organization_id: organization.id,
          changed: Object.keys(input).filter((key) => (input as Record<string, unknown>)[key] !== undefined),
          ...(input.active !== undefined ? { active: input.active } : {}),
        },
      });
      return member;
    });
  }

  /** Ends the membership and the user's sessions in that organization. */
  async remove(principal: Principal, organizationId: string, userId: string): Promise<void> {
    const organization = await this.visibleOrganization(principal, organizationId);
    if (userId === principal.userId && organization.id === principal.organizationId) {
      throw new KeywardError('conflict', 'You cannot remove yourself from the organization you are acting in.');
    }
    await this.dataSource.transaction(async (manager) => {
      const member = await this.findMember(manager, organization.id, userId);
      await this.assertNotWider(manager, principal, member.membership);
      await manager.delete(MembershipEntity, { id: member.membership.id });
      await manager.query(
        `UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND organization_id = $2 AND revoked_at IS NULL`,
        [userId, organization.id],
      );
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.memberRemove,
        target: { kind: 'user', id: userId },
        details: { organization_id: organization.id },
      });
    });
  }

  /**
   * Disables or re-enables the user's account: every credential of theirs stops (sessions end;
   * their service tokens are refused). Only an admin of every organization the user belongs to.
   */
  private async setActive(manager: EntityManager, principal: Principal, user: UserEntity, active: boolean): Promise<void> {
    if (!isAdmin(principal)) throw new KeywardError('access', Messages.missingPrivilege('Administrator'));
    if (user.id === principal.userId) throw new KeywardError('conflict', 'You cannot disable your own account.');
    const [{ outside }] = await manager.query(
      `SELECT count(*)::int AS outside FROM memberships m JOIN organizations o ON o.id = m.organization_id
       WHERE m.user_id = $1 AND NOT (o.id = $2 OR $2 = ANY(o.ancestor_ids))`,
      [user.id, principal.organizationId],
    );
    if (outside > 0) throw new KeywardError('access', 'This user also belongs to organizations you do not administer.');
    user.active = active;
    await manager.update(UserEntity, { id: user.id }, { active });
    if (!active) await manager.query(`UPDATE sessions SET revoked_at = now() WHERE user_id = $1 AND revoked_at IS NULL`, [user.id]);
  }

  /**
   * The organization whose members are managed: the acting one, or — for an admin only — one of
   * its sub-accounts (manage_members in a parent is not power over its sub-accounts' people).
   */
  private async visibleOrganization(principal: Principal, organizationId: string): Promise<OrganizationEntity> {
    const organization = await this.organizations.findVisible(organizationScope(principal), organizationId);
    if (!organization) throw notFound('Organization', organizationId);
    if (organization.id !== principal.organizationId && !isAdmin(principal)) {
      throw new KeywardError('access', Messages.missingPrivilege('Administrator'));
    }
    return organization;
  }

  private async findMember(manager: EntityManager, organizationId: string, userId: string): Promise<Member> {
    const membership = isUuid(userId) ? await manager.findOneBy(MembershipEntity, { organizationId, userId }) : null;
    const user = membership ? await manager.findOneBy(UserEntity, { id: userId }) : null;
    if (!membership || !user) throw notFound('Member', userId);
    return { membership, user };
  }

  /** The requested grant, validated against the catalog and the organization's roles, within the principal's scope. */
  private async checkedGrant(
    manager: EntityManager,
    principal: Principal,
    organizationId: string,
    input: MemberGrantInput,
  ): Promise<Grant & { privileges: string[]; categories: string[]; groups: string[]; roleIds: string[] }> {
    const privileges = [...new Set(input.privileges ?? [])].sort();
    const roleIds = [...new Set(input.roles ?? [])];
    const categories = [...new Set(input.categories ?? [])];
    const groups = [...new Set(input.groups ?? [])];
    await this.catalog.assertKnown(organizationId, privileges, 'privileges', manager);
    const roles = await this.roles.findAll(manager, organizationId, roleIds);
    const effective = unionScope({ privileges, categories, groups }, roles);
    assertWithinScope(principal, { ...effective, privileges: [...effective.privileges] }, await this.catalog.titles(organizationId, manager));
    return { privileges, roleIds, categories, groups };
  }

  private async assertNotWider(manager: EntityManager, principal: Principal, membership: MembershipEntity): Promise<void> {
    const roles = await this.roles.findAll(manager, membership.organizationId, membership.roleIds).catch(() => []);
    const effective = unionScope(membership, roles);
    assertWithinScope(
      principal,
      { ...effective, privileges: [...effective.privileges] },
      await this.catalog.titles(membership.organizationId, manager),
    );
  }
}
