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
/** Observations per round of statements: bounds the parameters of one statement. */
const CHUNK = 1000;

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

  /**
   * Set-based: a few statements per chunk of observations, whatever the number of credentials and
   * addresses in them (a flush after 100,000 keys were used once is 100,000 observations).
   */
  async afterUsage(observations: UsageObservation[]): Promise<void> {
    try {
      for (let start = 0; start < observations.length; start += CHUNK) {
        const chunk = observations.slice(start, start + CHUNK);
        const policies = await this.policies(chunk);
        const watched = chunk.filter((observation) => policies.has(observation.id));
        await this.newAddresses(watched, policies);
        await this.volume(
          watched.filter((observation) => observation.kind === 'api_key' && policies.get(observation.id)?.volume_multiple !== null),
          policies,
        );
        await this.afterHours(watched, policies);
      }
    } catch (error) {
      this.logger.warn(`detectors failed: ${(error as Error).message}`);
    }
  }

  private async policies(observations: UsageObservation[]): Promise<Map<string, CredentialPolicy>> {
    if (observations.length === 0) return new Map();
    const ids = (kind: string) => observations.filter((o) => o.kind === kind).map((o) => o.id);
    const rows: CredentialPolicy[] = await this.dataSource.query(
      `SELECT k.id, k.organization_id, o.volume_multiple, o.business_hours FROM api_keys k JOIN organizations o ON o.id = k.organization_id WHERE k.id = ANY($1::uuid[])
       UNION ALL
       SELECT t.id, t.organization_id, o.volume_multiple, o.business_hours FROM service_tokens t JOIN organizations o ON o.id = t.organization_id WHERE t.id = ANY($2::uuid[])`,
      [ids('api_key'), ids('service_token')],
    );
    return new Map(rows.map((row) => [row.id, row]));
  }

  /**
   * Remembers every address; one never seen before, after the credential's first day of use, is
   * reported. Each credential's first use is read as it was before this statement's inserts.
   */
  private async newAddresses(observations: UsageObservation[], policies: Map<string, CredentialPolicy>): Promise<void> {
    const kinds: string[] = [];
    const ids: string[] = [];
    const ips: string[] = [];
    for (const observation of observations) {
      for (const ip of new Set(observation.addresses)) {
        kinds.push(observation.kind);
        ids.push(observation.id);
        ips.push(ip);
      }
    }
    if (ips.length === 0) return;
    const rows: Array<{ kind: string; id: string; ip: string; first_use: Date }> = await this.dataSource.query(
      `WITH seen AS (SELECT * FROM unnest($1::varchar[], $2::uuid[], $3::varchar[]) AS s(kind, id, ip)),
            earlier AS (SELECT c.credential_kind, c.credential_id, min(c.first_seen_at) AS first_use
                        FROM credential_ips c
                        WHERE c.credential_id = ANY($2::uuid[])
                          AND (c.credential_kind, c.credential_id) IN (SELECT kind, id FROM seen)
                        GROUP BY c.credential_kind, c.credential_id),
            inserted AS (INSERT INTO credential_ips (credential_kind, credential_id, ip)
                         SELECT kind, id, ip FROM seen
                         ON CONFLICT (credential_kind, credential_id, ip) DO UPDATE SET last_seen_at = now()
                         RETURNING credential_kind, credential_id, ip, (xmax = 0) AS is_new)
       SELECT i.credential_kind AS kind, i.credential_id AS id, i.ip, e.first_use
       FROM inserted i JOIN earlier e ON e.credential_kind = i.credential_kind AND e.credential_id = i.credential_id
       WHERE i.is_new`,
      [kinds, ids, ips],
    );
    const now = Date.now();
    for (const row of rows) {
      const observation = observations.find((candidate) => candidate.id === row.id && candidate.kind === row.kind);
      const policy = policies.get(row.id);
      if (!observation || !policy || now - row.first_use.getTime() <= DAY_MS) continue;
      await this.report(observation, policy, Actions.securityNewIp, {
        ip: row.ip,
        in_use_since: row.first_use.toISOString(),
        reasoning: `First use from ${row.ip}; this ${observation.kind === 'api_key' ? 'key' : 'token'} has been in use since ${row.first_use.toISOString()} and never came from this address.`,
      });
    }
  }

  /** Today's calls against the average of the 7 days before, times the organization's multiple. */
  private async volume(observations: UsageObservation[], policies: Map<string, CredentialPolicy>): Promise<void> {
    if (observations.length === 0) return;
    const rows: Array<{ id: string; today: number; baseline: number }> = await this.dataSource.query(
      `SELECT api_key_id AS id,
              COALESCE(sum(count) FILTER (WHERE day = current_date), 0)::float AS today,
              COALESCE(sum(count) FILTER (WHERE day >= current_date - 7 AND day < current_date), 0)::float / 7 AS baseline
       FROM api_key_usage_daily WHERE api_key_id = ANY($1::uuid[]) AND day >= current_date - 7
       GROUP BY api_key_id`,
      [observations.map((observation) => observation.id)],
    );
    const over = rows.filter((row) => {
      const multiple = Number(policies.get(row.id)?.volume_multiple);
      return row.baseline > 0 && row.today > multiple * row.baseline;
    });
    const reported = await this.reportedToday(Actions.securityVolume, over.map((row) => row.id));
    for (const row of over) {
      const observation = observations.find((candidate) => candidate.id === row.id);
      const policy = policies.get(row.id);
      if (!observation || !policy || reported.has(row.id)) continue;
      const multiple = Number(policy.volume_multiple);
      const average = Math.round(row.baseline * 100) / 100;
      await this.report(observation, policy, Actions.securityVolume, {
        today: row.today,
        trailing_daily_average: average,
        multiple,
        reasoning: `${row.today} calls today is more than ${multiple} times this key's average of ${average} a day over the previous 7 days.`,
      });
    }
  }

  private async afterHours(observations: UsageObservation[], policies: Map<string, CredentialPolicy>): Promise<void> {
    const outside = observations.filter((observation) => {
      const hours = policies.get(observation.id)?.business_hours;
      return hours && !withinBusinessHours(hours, observation.lastUsedAt);
    });
    const reported = await this.reportedToday(Actions.securityAfterHours, outside.map((observation) => observation.id));
    for (const observation of outside) {
      const policy = policies.get(observation.id) as CredentialPolicy;
      const hours = policy.business_hours as BusinessHours;
      if (reported.has(observation.id)) continue;
      await this.report(observation, policy, Actions.securityAfterHours, {
        used_at: observation.lastUsedAt.toISOString(),
        business_hours: hours,
        reasoning: `Used at ${observation.lastUsedAt.toISOString()}, outside the organization's business hours (${hours.start}-${hours.end}, days ${hours.days.join(',')}, ${hours.timezone}).`,
      });
    }
  }

  /** Which of these credentials already have a finding of this kind today. */
  private async reportedToday(action: Action, credentialIds: string[]): Promise<Set<string>> {
    if (credentialIds.length === 0) return new Set();
    const rows: Array<{ target_id: string }> = await this.dataSource.query(
      `SELECT DISTINCT target_id FROM activity_records
       WHERE action = $1 AND target_id = ANY($2::varchar[]) AND created_at >= date_trunc('day', now())`,
      [action, credentialIds],
    );
    return new Set(rows.map((row) => row.target_id));
  }

  private report(observation: UsageObservation, policy: CredentialPolicy, action: Action, details: Record<string, unknown>): Promise<void> {
    return this.activity.recordSecurityEvent(
      { kind: observation.kind, id: observation.id, origin: null },
      { organizationId: policy.organization_id, action, target: { kind: observation.kind, id: observation.id }, outcome: 'failure', details },
    );
  }
}
