import { Injectable, Logger } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Action, Actions } from './actions';
import { ActivityService } from './activity.service';
import { BusinessHours, withinBusinessHours } from './business-hours';

/** What one usage flush saw of one credential. */
export interface UsageObservation {
  kind: 'api_key' | 'service_token';
  id: string;
  addresses: string[];
  lastUsedAt: Date;
}

interface CredentialPolicy {
  id: string;
  organization_id: string;
  volume_multiple: string | null;
  business_hours: BusinessHours | null;
}

const DAY_MS = 86_400_000;

/**
 * Suspicious-activity detectors fed by the usage write-behind (off the request path): a new
 * address after a credential's first day of use, a day's volume over a multiple of its own
 * trailing average, and use outside the organization's business hours. Each finding is an
 * activity record (and so a security.* webhook) with the reasoning in its details.
 */
@Injectable()
export class DetectorsService {
  private readonly logger = new Logger('Detectors');

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly activity: ActivityService,
  ) {}

  async afterUsage(observations: UsageObservation[]): Promise<void> {
    if (observations.length === 0) return;
    try {
      const policies = await this.policies(observations);
      for (const observation of observations) {
        const policy = policies.get(observation.id);
        if (!policy) continue;
        await this.newAddresses(observation, policy);
        if (observation.kind === 'api_key') await this.volume(observation, policy);
        await this.afterHours(observation, policy);
      }
    } catch (error) {
      this.logger.warn(`detectors failed: ${(error as Error).message}`);
    }
  }

  private async policies(observations: UsageObservation[]): Promise<Map<string, CredentialPolicy>> {
    const ids = (kind: string) => observations.filter((o) => o.kind === kind).map((o) => o.id);
    const rows: CredentialPolicy[] = await this.dataSource.query(
      `SELECT k.id, k.organization_id, o.volume_multiple, o.business_hours FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE k.id = ANY($1::uuid[])
       UNION ALL
       SELECT t.id, t.organization_id, o.volume_multiple, o.business_hours FROM service_tokens t JOIN organizations o ON o.id = t.organization_id WHERE t.id = ANY($2::uuid[])`,
      [ids('api_key'), ids('service_token')],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /** Remembers every address; one never seen before, after the first day of use, is reported. */
  private async newAddresses(observation: UsageObservation, policy: CredentialPolicy): Promise<void> {
    for (const ip of observation.addresses) {
      const [row] = await this.dataSource.query(
        `WITH earlier AS (SELECT min(first_seen_at) AS first_use FROM credential_ips WHERE credential_kind = $1 AND credential_id = $2),
              inserted AS (INSERT INTO credential_ips (credential_kind, credential_id, ip) VALUES ($1, $2, $3)
                           ON CONFLICT (credential_kind, credential_id, ip) DO UPDATE SET last_seen_at = now()
                           RETURNING (xmax = 0) AS is_new)
         SELECT inserted.is_new, earlier.first_use FROM inserted, earlier`,
        [observation.kind, observation.id, ip],
      );
      const firstUse: Date | null = row?.first_use ?? null;
      if (row?.is_new && firstUse && Date.now() - firstUse.getTime() > DAY_MS) {
        await this.report(observation, policy, Actions.securityNewIp, {
          ip,
          in_use_since: firstUse.toISOString(),
          reasoning: `First use from ${ip}; this ${observation.kind === 'api_key' ? 'key' : 'token'} has been in use since ${firstUse.toISOString()} and never came from this address.`,
        });
      }
    }
  }

  /** Today's calls against the average of the 7 days before, times the organization's multiple. */
  private async volume(observation: UsageObservation, policy: CredentialPolicy): Promise<void> {
    if (policy.volume_multiple === null) return;
    const multiple = Number(policy.volume_multiple);
    const [row] = await this.dataSource.query(
      `SELECT COALESCE(sum(count) FILTER (WHERE day = current_date), 0)::float AS today,
              COALESCE(sum(count) FILTER (WHERE day >= current_date - 7 AND day < current_date), 0)::float / 7 AS baseline
       FROM api_key_usage_daily WHERE api_key_id = $1 AND day >= current_date - 7`,
      [observation.id],
    );
    if (!row || row.baseline <= 0 || row.today <= multiple * row.baseline) return;
    if (await this.reportedToday(Actions.securityVolume, observation.id)) return;
    await this.report(observation, policy, Actions.securityVolume, {
      today: row.today,
      trailing_daily_average: Math.round(row.baseline * 100) / 100,
      multiple,
      reasoning: `${row.today} calls today is more than ${multiple} times this key's average of ${Math.round(row.baseline * 100) / 100} a day over the previous 7 days.`,
    });
  }

  private async afterHours(observation: UsageObservation, policy: CredentialPolicy): Promise<void> {
    const hours = policy.business_hours;
    if (!hours || withinBusinessHours(hours, observation.lastUsedAt)) return;
    if (await this.reportedToday(Actions.securityAfterHours, observation.id)) return;
    await this.report(observation, policy, Actions.securityAfterHours, {
      used_at: observation.lastUsedAt.toISOString(),
      business_hours: hours,
      reasoning: `Used at ${observation.lastUsedAt.toISOString()}, outside the organization's business hours (${hours.start}-${hours.end}, days ${hours.days.join(',')}, ${hours.timezone}).`,
    });
  }

  private async reportedToday(action: Action, credentialId: string): Promise<boolean> {
    const rows: unknown[] = await this.dataSource.query(
      `SELECT 1 FROM activity_records WHERE action = $1 AND target_id = $2 AND created_at >= date_trunc('day', now()) LIMIT 1`,
      [action, credentialId],
    );
    return rows.length > 0;
  }

  private report(observation: UsageObservation, policy: CredentialPolicy, action: Action, details: Record<string, unknown>): Promise<void> {
    return this.activity.recordSecurityEvent(
      { kind: observation.kind, id: observation.id, origin: null },
      { organizationId: policy.organization_id, action, target: { kind: observation.kind, id: observation.id }, outcome: 'failure', details },
    );
  }
}
