import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { isUuid } from '../common/crypto';
import { includesSubAccounts, Principal } from '../auth/principal';
import { Cursor } from '../common/cursor';
import { keysetPage } from '../database/keyset';
import { OrganizationEntity, OrganizationStatus } from './organization.entity';

export interface OrganizationFilter {
  status?: OrganizationStatus;
  parentId?: string;
  cursor: Cursor | null;
  limit: number;
}

/** Where a principal acts, and whether it sees that organization's sub-accounts. */
export interface OrganizationScope {
  organizationId: string;
  includeSubAccounts: boolean;
}

export function organizationScope(principal: Principal): OrganizationScope {
  return { organizationId: principal.organizationId, includeSubAccounts: includesSubAccounts(principal) };
}

function visibleCondition(scope: OrganizationScope): string {
  return scope.includeSubAccounts ? '(o.id = :acting OR :acting = ANY(o.ancestor_ids))' : 'o.id = :acting';
}

/**
 * Organizations as seen from an acting organization: itself and its sub-accounts, never its
 * parent or siblings. Every read takes the acting organization's id first.
 */
@Injectable()
export class OrganizationRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** The organization `id` if the scope sees it: the acting organization, and (for users) its sub-accounts. */
  async findVisible(scope: OrganizationScope, id: string, manager?: EntityManager): Promise<OrganizationEntity | null> {
    if (!isUuid(id)) return null;
    return (manager ?? this.dataSource.manager)
      .createQueryBuilder(OrganizationEntity, 'o')
      .where('o.id = :id', { id })
      .andWhere(visibleCondition(scope), { acting: scope.organizationId })
      .getOne();
  }

  async listVisible(scope: OrganizationScope, filter: OrganizationFilter): Promise<OrganizationEntity[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(OrganizationEntity, 'o')
      .where(visibleCondition(scope), { acting: scope.organizationId });
    if (filter.status) query.andWhere('o.status = :status', { status: filter.status });
    if (filter.parentId) query.andWhere('o.parent_id = :parentId', { parentId: filter.parentId });
    return keysetPage(query, 'o', filter).getMany();
  }

  /** Not scoped: used for the organization a credential belongs to, after the credential was verified. */
  async findById(id: string): Promise<OrganizationEntity | null> {
    if (!isUuid(id)) return null;
    return this.dataSource.manager.findOneBy(OrganizationEntity, { id });
  }

  /** True when the organization and every ancestor are active. */
  async isOperational(id: string): Promise<boolean> {
    const rows: Array<{ operational: boolean }> = await this.dataSource.query(
      `SELECT NOT EXISTS (
         SELECT 1 FROM organizations a
         WHERE (a.id = o.id OR a.id = ANY(o.ancestor_ids)) AND a.status <> 'active'
       ) AS operational
       FROM organizations o WHERE o.id = $1`,
      [id],
    );
    return rows[0]?.operational === true;
  }

  async slugTaken(slug: string, manager: EntityManager): Promise<boolean> {
    return (await manager.countBy(OrganizationEntity, { slug })) > 0;
  }

  async countAll(): Promise<number> {
    return this.dataSource.manager.count(OrganizationEntity);
  }
}
