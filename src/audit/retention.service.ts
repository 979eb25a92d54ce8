import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { scheduleRounds, takeJobLock } from '../common/schedule';
import { Actions } from './actions';
import { ActivityService, SYSTEM_ACTOR } from './activity.service';

/**
 * The one place that deletes activity records: an explicit job, off unless ACTIVITY_RETENTION_DAYS
 * is set. Per organization it removes the oldest records past the limit, keeps the hash of the last
 * one removed as the chain's anchor, and records what it did.
 */
@Injectable()
export class RetentionService implements OnModuleInit {
  private readonly logger = new Logger('Retention');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly activity: ActivityService,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    if (this.config.env.ACTIVITY_RETENTION_DAYS === undefined) return;
    scheduleRounds(this.scheduler, 'activity-retention', this.config.env.HYGIENE_INTERVAL_MS, this.logger, () => this.run());
  }

  /** Returns how many records were removed, per organization. */
  async run(): Promise<Record<string, number>> {
    const days = this.config.env.ACTIVITY_RETENTION_DAYS;
    if (days === undefined) return {};
    return this.dataSource.transaction(async (manager) => {
      if (!(await takeJobLock(manager, 'retention'))) return {};
      const organizations: Array<{ organization_id: string }> = await manager.query(
        `SELECT DISTINCT organization_id FROM activity_records WHERE created_at < now() - make_interval(days => $1)`,
        [days],
      );
      const removed: Record<string, number> = {};
      for (const { organization_id: organizationId } of organizations) {
        await manager.query(`SELECT pg_advisory_xact_lock(hashtext('keyward:activity:' || $1))`, [organizationId]);
        const [last] = await manager.query(
          `SELECT seq, hash FROM activity_records WHERE organization_id = $1 AND created_at < now() - make_interval(days => $2)
           ORDER BY seq DESC LIMIT 1`,
          [organizationId, days],
        );
        const result = await manager.query(`DELETE FROM activity_records WHERE organization_id = $1 AND seq <= $2`, [organizationId, last.seq]);
        const count = Array.isArray(result) ? Number(result[1] ?? 0) : 0;
        await manager.query(
          `INSERT INTO activity_chain_anchors (organization_id, last_removed_hash, removed_count) VALUES ($1, $2, $3)
           ON CONFLICT (organization_id) DO UPDATE SET last_removed_hash = EXCLUDED.last_removed_hash,
             removed_count = activity_chain_anchors.removed_count + EXCLUDED.removed_count, updated_at = now()`,
          [organizationId, last.hash, count],
        );
        await this.activity.record(manager, SYSTEM_ACTOR, {
          organizationId,
          action: Actions.activityRetention,
          details: { removed: count, older_than_days: days },
        });
        removed[organizationId] = count;
      }
      return removed;
    });
  }
}
