import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { DetectorsService } from '../audit/detectors.service';
import { MAX_ADDRESSES_PER_FLUSH, PendingUsage } from './pending-usage';

export interface UsageReport {
  thisMonth: number;
  /** The last 30 UTC days, oldest first, with zeros. */
  days: Array<{ date: string; count: number }>;
  lastUsedAt: Date | null;
  lastUsedIp: string | null;
}

const DAY_MS = 86_400_000;

export function utcDay(time: number): string {
  return new Date(time).toISOString().slice(0, 10);
}

/** utcDay for the hot path: formats a date once per day, not once per request. */
let currentDay = { start: 0, end: 0, text: '' };
function utcDayCached(time: number): string {
  if (time < currentDay.start || time >= currentDay.end) {
    const start = time - (time % DAY_MS);
    currentDay = { start, end: start + DAY_MS, text: utcDay(time) };
  }
  return currentDay.text;
}

/**
 * Usage of API keys: counted in memory on the hot path and written behind in batches (every
 * USAGE_FLUSH_INTERVAL_MS and at shutdown), never one database write per request.
 */
@Injectable()
export class UsageService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Usage');
  private pending = new Map<string, PendingUsage>();
  /** Service tokens: last used time and address only. */
  private pendingTokens = new Map<string, { at: Date; ip: string; addresses: Set<string> }>();
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> = Promise.resolve();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly detectors: DetectorsService,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.env.USAGE_FLUSH_INTERVAL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush();
  }

  record(apiKeyId: string, ip: string, now = Date.now()): void {
    const day = utcDayCached(now);
    let usage = this.pending.get(apiKeyId);
    if (!usage) {
      usage = new PendingUsage(day, now, ip);
      this.pending.set(apiKeyId, usage);
    }
    usage.use(day, now, ip);
  }

  recordToken(serviceTokenId: string, ip: string, now = Date.now()): void {
    const addresses = this.pendingTokens.get(serviceTokenId)?.addresses ?? new Set<string>();
    if (addresses.size < MAX_ADDRESSES_PER_FLUSH) addresses.add(ip);
    this.pendingTokens.set(serviceTokenId, { at: new Date(now), ip, addresses });
  }

  /** Writes everything counted so far; runs one batch at a time. A failed batch is kept for the next. */
  flush(): Promise<void> {
    this.flushing = this.flushing.then(() => this.writeBatch());
    return this.flushing;
  }

  private async writeBatch(): Promise<void> {
    await this.writeTokenBatch();
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
    const ids: string[] = [];
    const days: string[] = [];
    const counts: number[] = [];
    for (const [id, usage] of batch) {
      for (const [day, count] of usage.days()) {
        ids.push(id);
        days.push(day);
        counts.push(count);
      }
    }
    const lastIds = [...batch.keys()];
    const lastAt = lastIds.map((id) => new Date((batch.get(id) as PendingUsage).lastUsedAt).toISOString());
    const lastIp = lastIds.map((id) => (batch.get(id) as PendingUsage).lastUsedIp);
    try {
      // `= ANY($1)` on the table's own id lets the planner probe the primary key for the batch's
      // ids; joined with the unnest alone it hashed the whole table on every flush (130 ms per
      // flush with 100,000 keys on the embedded database, seconds while requests were queued).
      await this.dataSource.transaction(async (manager) => {
        await manager.query(
          `INSERT INTO api_key_usage_daily (api_key_id, day, count)
           SELECT u.id, u.day, u.count FROM unnest($1::uuid[], $2::date[], $3::bigint[]) AS u(id, day, count)
           WHERE u.id IN (SELECT k.id FROM api_keys k WHERE k.id = ANY($1::uuid[]))
           ON CONFLICT (api_key_id, day) DO UPDATE SET count = api_key_usage_daily.count + EXCLUDED.count`,
          [ids, days, counts],
        );
        await manager.query(
          `UPDATE api_keys k SET last_used_at = u.at, last_used_ip = u.ip
           FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[]) AS u(id, at, ip)
           WHERE k.id = ANY($1::uuid[]) AND k.id = u.id AND (k.last_used_at IS NULL OR k.last_used_at < u.at)`,
          [lastIds, lastAt, lastIp],
        );
      });
      await this.detectors.afterUsage(
        [...batch].map(([id, usage]) => ({ kind: 'api_key' as const, id, addresses: usage.addresses, lastUsedAt: new Date(usage.lastUsedAt) })),
      );
    } catch (error) {
      this.logger.warn(`usage flush failed, will retry: ${(error as Error).message}`);
      this.mergeBack(batch);
    }
  }

  private async writeTokenBatch(): Promise<void> {
    if (this.pendingTokens.size === 0) return;
    const batch = this.pendingTokens;
    this.pendingTokens = new Map();
    const ids = [...batch.keys()];
    try {
      await this.dataSource.query(
        `UPDATE service_tokens t SET last_used_at = u.at, last_used_ip = u.ip
         FROM unnest($1::uuid[], $2::timestamptz[], $3::varchar[]) AS u(id, at, ip)
         WHERE t.id = ANY($1::uuid[]) AND t.id = u.id AND (t.last_used_at IS NULL OR t.last_used_at < u.at)`,
        [ids, ids.map((id) => batch.get(id)?.at.toISOString()), ids.map((id) => batch.get(id)?.ip)],
      );
      await this.detectors.afterUsage(
        [...batch].map(([id, usage]) => ({ kind: 'service_token' as const, id, addresses: [...usage.addresses], lastUsedAt: usage.at })),
      );
    } catch (error) {
      this.logger.warn(`service token usage flush failed, will retry: ${(error as Error).message}`);
      for (const [id, usage] of batch) if (!this.pendingTokens.has(id)) this.pendingTokens.set(id, usage);
    }
  }

  /** The last use of a service token not yet written, if any. */
  pendingTokenUse(serviceTokenId: string): { at: Date; ip: string } | undefined {
    return this.pendingTokens.get(serviceTokenId);
  }

  private mergeBack(batch: Map<string, PendingUsage>): void {
    for (const [id, usage] of batch) {
      const current = this.pending.get(id);
      if (!current) {
        this.pending.set(id, usage);
        continue;
      }
      for (const [day, count] of usage.days()) current.add(day, count);
      for (const address of usage.addresses) current.remember(address);
    }
  }

  /** Stored counts plus what this instance has not written yet. */
  async report(apiKeyId: string, now = Date.now()): Promise<UsageReport> {
    const since = utcDay(now - 29 * DAY_MS);
    const monthStart = `${utcDay(now).slice(0, 7)}-01`;
    const first = since < monthStart ? since : monthStart;
    const rows: Array<{ day: string; count: string }> = await this.dataSource.query(
      `SELECT to_char(day, 'YYYY-MM-DD') AS day, count FROM api_key_usage_daily WHERE api_key_id = $1 AND day >= $2::date`,
      [apiKeyId, first],
    );
    const counts = new Map(rows.map((row) => [row.day, Number(row.count)]));
    const pending = this.pending.get(apiKeyId);
    for (const [day, count] of pending?.days() ?? []) counts.set(day, (counts.get(day) ?? 0) + count);
    const [stored] = await this.dataSource.query(`SELECT last_used_at, last_used_ip FROM api_keys WHERE id = $1`, [apiKeyId]);
    const days = Array.from({ length: 30 }, (_, index) => {
      const date = utcDay(now - (29 - index) * DAY_MS);
      return { date, count: counts.get(date) ?? 0 };
    });
    let thisMonth = 0;
    for (const [day, count] of counts) if (day >= monthStart) thisMonth += count;
    const lastUsedAt: Date | null = pending ? new Date(pending.lastUsedAt) : (stored?.last_used_at ?? null);
    return { thisMonth, days, lastUsedAt, lastUsedIp: pending?.lastUsedIp ?? stored?.last_used_ip ?? null };
  }
}
