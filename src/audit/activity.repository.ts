import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Cursor } from '../common/cursor';
import { keysetPage } from '../database/keyset';
import { ActivityRecordEntity } from './activity-record.entity';

export interface ActivityFilter {
  actions?: string[];
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
    const query = this.dataSource.manager
      .createQueryBuilder(ActivityRecordEntity, 'a')
      .where('a.organization_id = :organizationId', { organizationId });
    if (filter.actions?.length) query.andWhere('a.action IN (:...actions)', { actions: filter.actions });
    if (filter.actorKind) query.andWhere('a.actor_kind = :actorKind', { actorKind: filter.actorKind });
    if (filter.actorId) query.andWhere('a.actor_id = :actorId', { actorId: filter.actorId });
    if (filter.targetKind) query.andWhere('a.target_kind = :targetKind', { targetKind: filter.targetKind });
    if (filter.targetId) query.andWhere('a.target_id = :targetId', { targetId: filter.targetId });
    if (filter.outcome) query.andWhere('a.outcome = :outcome', { outcome: filter.outcome });
    if (filter.from) query.andWhere('a.created_at >= :from', { from: filter.from });
    if (filter.to) query.andWhere('a.created_at < :to', { to: filter.to });
    return keysetPage(query, 'a', filter, 'DESC').getMany();
  }
}
