import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { assertWithinScope } from '../auth/grants';
import { Principal } from '../auth/principal';
import { isUuid } from '../common/crypto';
import { Cursor } from '../common/cursor';
import { keysetPage } from '../database/keyset';
import { KeywardError, notFound } from '../common/errors/keyward-error';
import { PrivilegeCatalogService } from './privilege-catalog.service';
import { RoleEntity } from './role.entity';

export interface RoleInput {
  title?: string;
  enabled?: boolean;
  privileges?: string[];
  categories?: string[];
  groups?: string[];
  notes?: string;
}

/** Who created a thing, xyOps style: the user's email, or the API key's id. */
export async function creatorName(manager: EntityManager, principal: Principal): Promise<string> {
  if (principal.kind !== 'user' || !principal.userId) return principal.id;
  const rows: Array<{ email: string }> = await manager.query(`SELECT email FROM users WHERE id = $1`, [principal.userId]);
  return rows[0]?.email ?? principal.id;
}

@Injectable()
export class RolesService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly catalog: PrivilegeCatalogService,
    private readonly activity: ActivityService,
  ) {}

  async list(principal: Principal, page: { cursor: Cursor | null; limit: number; offset?: number }): Promise<{ rows: RoleEntity[]; total: number }> {
    const query = this.dataSource.manager
      .createQueryBuilder(RoleEntity, 'r')
      .where('r.organization_id = :organizationId', { organizationId: principal.organizationId });
    const total = await query.getCount();
    keysetPage(query, 'r', page);
    if (page.offset) query.offset(page.offset);
    return { rows: await query.getMany(), total };
  }

  /** With a manager (inside a change), the row is locked until the transaction ends. */
  async get(principal: Principal, id: string, manager?: EntityManager): Promise<RoleEntity> {
    const role = isUuid(id)
      ? await (manager ?? this.dataSource.manager).findOne(RoleEntity, {
          where: { id, organizationId: principal.organizationId },
          ...(manager ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!role) throw notFound('Role', id);
    return role;
  }

  async create(principal: Principal, input: RoleInput & { title: string }): Promise<RoleEntity> {
    return this.dataSource.transaction(async (manager) => {
      const values = {
        title: input.title,
        enabled: input.enabled ?? true,
        privileges: input.privileges ?? [],
        categories: input.categories ?? [],
        groups: input.groups ?? [],
        notes: input.notes ?? '',
      };
      await this.assertGrantable(manager, principal, values);
      const role = await manager.save(
        RoleEntity,
        manager.create(RoleEntity, { ...values, organizationId: principal.organizationId, createdBy: await creatorName(manager, principal) }),
      );
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.roleCreate,
        target: { kind: 'role', id: role.id },
        details: { title: role.title, privileges: role.privileges },
      });
      return role;
    });
  }

  /** Shallow merge: only the given fields change. */
  async update(principal: Principal, id: string, input: RoleInput): Promise<RoleEntity> {
    return this.dataSource.transaction(async (manager) => {
      const role = await this.get(principal, id, manager);
      // Editing a role wider than yourself would let you narrow or repurpose someone else's grant.
      await this.assertGrantable(manager, principal, role);
      const changed = Object.fromEntries(Object.entries(input).filter(([, value]) => value !== undefined)) as RoleInput;
      Object.assign(role, changed);
      await this.assertGrantable(manager, principal, role);
      const saved = await manager.save(RoleEntity, role);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.roleUpdate,
        target: { kind: 'role', id: role.id },
        details: { changed: Object.keys(changed) },
      });
      return saved;
    });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const role = await this.get(principal, id, manager);
      await this.assertGrantable(manager, principal, role);
      await manager.delete(RoleEntity, { id: role.id, organizationId: principal.organizationId });
      await manager.query(
        `UPDATE memberships SET role_ids = array_remove(role_ids, $1::uuid) WHERE organization_id = $2 AND $1::uuid = ANY(role_ids)`,
        [role.id, principal.organizationId],
      );
      await manager.query(
        `UPDATE api_keys SET role_ids = array_remove(role_ids, $1::uuid) WHERE organization_id = $2 AND $1::uuid = ANY(role_ids)`,
        [role.id, principal.organizationId],
      );
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.roleDelete,
        target: { kind: 'role', id: role.id },
        details: { title: role.title },
      });
    });
  }

  /** The roles named by `ids`, all of the principal's organization, or a validation error naming the first unknown one. */
  async findAll(manager: EntityManager, organizationId: string, ids: readonly string[], field = 'roles'): Promise<RoleEntity[]> {
    if (ids.length === 0) return [];
    const unknown = () => {
      const bad = ids.find((id) => !isUuid(id) || !found.some((role) => role.id === id)) ?? '';
      return new KeywardError('validation', `Unknown role: ${bad.slice(0, 64)}`, { errors: [{ field, message: 'unknown role' }] });
    };
    let found: RoleEntity[] = [];
    if (ids.some((id) => !isUuid(id))) throw unknown();
    found = await manager
      .createQueryBuilder(RoleEntity, 'r')
      .where('r.organization_id = :organizationId AND r.id IN (:...ids)', { organizationId, ids: [...new Set(ids)] })
      .getMany();
    if (found.length !== new Set(ids).size) throw unknown();
    return found;
  }

  private async assertGrantable(manager: EntityManager, principal: Principal, grant: Required<Pick<RoleInput, 'privileges' | 'categories' | 'groups'>>) {
    await this.catalog.assertKnown(principal.organizationId, grant.privileges, 'privileges', manager);
    assertWithinScope(principal, grant, await this.catalog.titles(principal.organizationId, manager));
  }
}
