import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Action, Actions } from '../audit/actions';
import { ActivityService, SYSTEM_ACTOR } from '../audit/activity.service';
import { AppConfig } from '../config/app-config';
import { scheduleRounds, takeJobLock } from '../common/schedule';

export interface HygieneReport {
  ran: boolean;
  rotationDue: number;
  revokedUnused: number;
  expiring: number;
}

interface KeyRow {
  id: string;
  organization_id: string;
  title: string;
  mask: string;
  days: number;
}

const BATCH = 500;
const EXPIRY_NOTICE_DAYS = 7;

/**
 * The organizations' key-hygiene policies, applied by a scheduled job: reminders for keys due for
 * rotation and keys about to expire (each sent once), and revocation of keys unused too long
 * (recorded with the actor `system`). A transaction-level advisory lock lets one instance act
 * per round when several run.
 */
@Injectable()
export class KeyHygieneService implements OnModuleInit {
  private readonly logger = new Logger('KeyHygiene');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly activity: ActivityService,
    private readonly scheduler: SchedulerRegistry,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    scheduleRounds(this.scheduler, 'key-hygiene', this.config.env.HYGIENE_INTERVAL_MS, this.logger, () => this.run());
  }

  run(): Promise<HygieneReport> {
    return this.dataSource.transaction(async (manager) => {
      if (!(await takeJobLock(manager, 'key-hygiene'))) return { ran: false, rotationDue: 0, revokedUnused: 0, expiring: 0 };
      const rotationDue = await this.apply(
        manager,
        `SELECT k.id, k.organization_id, k.title, k.mask, o.rotation_reminder_days AS days
         FROM api_keys k JOIN organizations o ON o.id = k.organization_id
         WHERE o.rotation_reminder_days IS NOT NULL AND k.revoked_at IS NULL AND k.rotated_to_id IS NULL
           AND k.rotation_reminded_at IS NULL AND k.created_at <= now() - make_interval(days => o.rotation_reminder_days)
         ORDER BY k.created_at LIMIT ${BATCH}`,
        `UPDATE api_keys SET rotation_reminded_at = now() WHERE id = $1`,
        Actions.apiKeyRotationDue,
        (row) => ({ policy: `rotate keys older than ${row.days} days` }),
      );
      const expiring = await this.apply(
        manager,
        `SELECT k.id, k.organization_id, k.title, k.mask, ${EXPIRY_NOTICE_DAYS} AS days FROM api_keys k
         WHERE k.revoked_at IS NULL AND k.expiry_reminded_at IS NULL AND k.expires_at > now()
           AND k.expires_at <= now() + make_interval(days => ${EXPIRY_NOTICE_DAYS})
         ORDER BY k.expires_at LIMIT ${BATCH}`,
        `UPDATE api_keys SET expiry_reminded_at = now() WHERE id = $1`,
        Actions.apiKeyExpiring,
        () => ({ policy: `expires within ${EXPIRY_NOTICE_DAYS} days` }),
      );
      const revokedUnused = await this.apply(
        manager,
        `SELECT k.id, k.organization_id, k.title, k.mask, o.revoke_unused_days AS days
         FROM api_keys k JOIN organizations o ON o.id = k.organization_id
         WHERE o.revoke_unused_days IS NOT NULL AND k.revoked_at IS NULL
           AND COALESCE(k.last_used_at, k.created_at) <= now() - make_interval(days => o.revoke_unused_days)
         ORDER BY k.created_at LIMIT ${BATCH}`,
        `UPDATE api_keys SET revoked_at = now(), revision = revision + 1 WHERE id = $1`,
        Actions.apiKeyDelete,
        (row) => ({ reason: `unused for ${row.days} days (organization policy)` }),
      );
      return { ran: true, rotationDue, revokedUnused, expiring };
    });
  }

  private async apply(
    manager: EntityManager,
    select: string,
    mark: string,
    action: Action,
    details: (row: KeyRow) => Record<string, unknown>,
  ): Promise<number> {
    const rows: KeyRow[] = await manager.query(select);
    for (const row of rows) {
      await manager.query(mark, [row.id]);
      await this.activity.record(manager, SYSTEM_ACTOR, {
        organizationId: row.organization_id,
        action,
        target: { kind: 'api_key', id: row.id },
        details: { title: row.title, mask: row.mask, ...details(row) },
      });
    }
    return rows.length;
  }
}
