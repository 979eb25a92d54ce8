import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Cursor } from '../common/cursor';
import { keysetPage } from '../database/keyset';
import { ActivityRecordEntity } from './activity-record.entity';

/**
 * The text keyword search matches; identical to the expression of the trigram index
 * (migration IndexActivityKeywords) so that PostgreSQL uses it.
 */
const ACTIVITY_SEARCH_TEXT = `(a.action || ' ' || coalesce(a.target_id, '') || ' ' || a.details::text)`;

export interface ActivityFilter {
  actions?: string[];
  /** Each must appear in the action, the target or the details (case-insensitive). */
  keywords?: string[];
  actorKind?: string;
  actorId?: string;
  targetKind?: string;
  targetId?: string;
  outcome?: string;
  from?: Date;
  to?: Date;
  cursor: Cursor | null;
  limit: number;
}

/** Reads only: records are appended by ActivityService and never changed. */
@Injectable()
export class ActivityRepository {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  /** Newest first; the cursor continues below the last row of the previous page. */
  async list(organizationId: string, filter: ActivityFilter): Promise<ActivityRecordEntity[]> {
    const query = this.filtered(filter).andWhere('a.organization_id = :organizationId', { organizationId });
    return keysetPage(query, 'a', filter, 'DESC').getMany();
  }

  /** v1 `search_activity`: offset paging with a total, either direction. */
  async search(organizationId: string, filter: ActivityFilter & { offset: number; ascending: boolean }): Promise<{ rows: ActivityRecordEntity[]; total: number }> {
    const query = this.filtered(filter).andWhere('a.organization_id = :organizationId', { organizationId });
    const total = await query.getCount();
    const direction = filter.ascending ? 'ASC' : 'DESC';
    const rows = await query.orderBy('a.created_at', direction).addOrderBy('a.seq', direction).offset(filter.offset).limit(filter.limit).getMany();
    return { rows, total };
  }

  /** A user's own records as the actor, in every organization (their logins, password changes...). */
  async ofUser(userId: string, page: { offset: number; limit: number }): Promise<{ rows: ActivityRecordEntity[]; total: number }> {
    const query = this.dataSource.manager
      .createQueryBuilder(ActivityRecordEntity, 'a')
      .where(`a.actor_kind = 'user' AND a.actor_id = :userId`, { userId });
    const total = await query.getCount();
    const rows = await query.orderBy('a.created_at', 'DESC').addOrderBy('a.seq', 'DESC').offset(page.offset).limit(page.limit).getMany();
    return { rows, total };
  }

  private filtered(filter: ActivityFilter) {
    const query = this.dataSource.manager.createQueryBuilder(ActivityRecordEntity, 'a').where('TRUE');
    if (filter.actions?.length) query.andWhere('a.action IN (:...actions)', { actions: filter.actions });
    if (filter.actorKind) query.andWhere('a.actor_kind = :actorKind', { actorKind: filter.actorKind });
    if (filter.actorId) query.andWhere('a.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.targetKind) query.andWhere('a.target_kind = :targetKind', { targetKind: filter.targetKind });
    if (filter.targetId) query.andWhere('a.target_id = :targetId', { targetId: filter.targetId });
    if (filter.outcome) query.andWhere('a.outcome = :outcome', { outcome: filter.outcome });
    if (filter.from) query.andWhere('a.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('a.created_at < :to', { to: filter.to });
    (filter.keywords ?? []).forEach((keyword, index) => {
      const pattern = `%${keyword.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      query.andWhere(`${ACTIVITY_SEARCH_TEXT} ILIKE :kw${index}`, { [`kw${index}`]: pattern });
    });
    return query;
  }
}
