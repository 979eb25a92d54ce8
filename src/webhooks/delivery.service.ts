import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { ActivityRecordEntity } from '../audit/activity-record.entity';
import { ActivityService } from '../audit/activity.service';
import { unseal } from '../common/sealing';
import { AppConfig } from '../config/app-config';
import { EVENT_OF_ACTION } from './webhook-events';
import { retryDelayMs, signWebhook, subscribes, webhookUrlProblem } from './webhook-rules';
import { sendWebhook } from './webhook-sender';

export const WEBHOOK_SECRET_PURPOSE = 'webhook-signing-secret';
const CLAIM_BATCH = 20;
const CLAIM_LEASE_SECONDS = 120;

interface ClaimedDelivery {
  id: string;
  webhook_id: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/**
 * The delivery queue. Events are queued in the transaction of the activity record they come from
 * (so they survive a crash or restart), and sent by a poller on every instance: claims use
 * FOR UPDATE SKIP LOCKED with a lease, so each delivery goes out from one instance at a time.
 */
@Injectable()
export class DeliveryService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('Webhooks');
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly activity: ActivityService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.activity.onRecord((manager, record) => this.enqueueFor(manager, record));
    this.timer = setInterval(() => this.tick(), this.config.env.WEBHOOK_POLL_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  /** Queues the record's event for every active webhook of its organization subscribed to it. */
  private async enqueueFor(manager: EntityManager, record: ActivityRecordEntity): Promise<void> {
    const type = EVENT_OF_ACTION[record.action];
    if (!type) return;
    await this.enqueue(manager, record.organizationId, type, {
      activity_id: record.id,
      action: record.action,
      outcome: record.outcome,
      actor: { type: record.actorKind, id: record.actorId },
      target: record.targetKind ? { type: record.targetKind, id: record.targetId } : null,
      ip: record.ip,
      details: record.details,
      created_at: record.createdAt.toISOString(),
    });
  }

  async enqueue(manager: EntityManager, organizationId: string, type: string, data: Record<string, unknown>, onlyWebhookId?: string): Promise<string[]> {
    const hooks: Array<{ id: string; events: string[] }> = await manager.query(
      `SELECT id, events FROM webhooks WHERE organization_id = $1 AND active AND ($2::uuid IS NULL OR id = $2::uuid)`,
      [organizationId, onlyWebhookId ?? null],
    );
    const ids: string[] = [];
    for (const hook of hooks) {
      if (!onlyWebhookId && !subscribes(hook.events, type)) continue;
      const [row] = await manager.query(
        `INSERT INTO webhook_deliveries (webhook_id, organization_id, event_type, payload)
         VALUES ($1::uuid, $2::uuid, $3::varchar,
                 jsonb_build_object('type', $3::varchar, 'timestamp', to_char(now() AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                                    'organization_id', $2::uuid, 'data', $4::jsonb))
         RETURNING id`,
        [hook.id, organizationId, type, JSON.stringify(data)],
      );
      ids.push(row.id);
    }
    return ids;
  }

  /** One round: claim what is due, send it, record the outcome. Never two rounds at once. */
  tick(): Promise<void> {
    if (this.running) return this.running;
    this.running = this.round()
      .catch((error: unknown) => this.logger.warn(`delivery round failed: ${(error as Error).message}`))
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }

  private async round(): Promise<void> {
    const result: [ClaimedDelivery[], number] | ClaimedDelivery[] = await this.dataSource.query(
      `UPDATE webhook_deliveries d SET locked_until = now() + make_interval(secs => ${CLAIM_LEASE_SECONDS})
       WHERE d.id IN (SELECT id FROM webhook_deliveries
                      WHERE status = 'pending' AND next_attempt_at <= now() AND (locked_until IS NULL OR locked_until < now())
                      ORDER BY next_attempt_at LIMIT ${CLAIM_BATCH} FOR UPDATE SKIP LOCKED)
       RETURNING d.id, d.webhook_id, d.payload, d.attempts`,
    );
    // TypeORM answers an UPDATE ... RETURNING with [rows, affected].
    const claimed = Array.isArray(result[0]) ? (result[0] as ClaimedDelivery[]) : (result as ClaimedDelivery[]);
    for (const delivery of claimed) await this.attempt(delivery);
  }

  private async attempt(delivery: ClaimedDelivery): Promise<void> {
    const [hook]: Array<{ url: string; headers: Record<string, string>; secret_sealed: Buffer; active: boolean }> = await this.dataSource.query(
      `SELECT url, headers, secret_sealed, active FROM webhooks WHERE id = $1`,
      [delivery.webhook_id],
    );
    const allowPrivate = this.config.env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
    const refusal = !hook ? 'the webhook was deleted' : !hook.active ? 'the webhook is disabled' : webhookUrlProblem(hook.url, allowPrivate);
    if (refusal || !hook) return this.finish(delivery, { status: null, durationMs: 0, error: refusal ?? 'gone' }, 'failed');

    const body = JSON.stringify(delivery.payload);
    const timestamp = Math.floor(Date.now() / 1000);
    const secret = unseal(this.config.appSecret, WEBHOOK_SECRET_PURPOSE, hook.secret_sealed);
    const headers = {
      ...hook.headers,
      'webhook-id': delivery.id,
      'webhook-timestamp': String(timestamp),
      'webhook-signature': signWebhook(secret, delivery.id, timestamp, body),
    };
    const result = await sendWebhook(hook.url, headers, body, { allowPrivate, timeoutMs: this.config.env.WEBHOOK_TIMEOUT_MS });
    const delivered = result.status !== null && result.status >= 200 && result.status < 300;
    if (delivered) return this.finish(delivery, result, 'delivered');
    const delay = retryDelayMs(delivery.attempts + 1, this.config.env.WEBHOOK_RETRY_SCALE);
    return this.finish(delivery, result, delay === null ? 'failed' : 'pending', delay ?? 0);
  }

  private async finish(delivery: ClaimedDelivery, result: { status: number | null; durationMs: number; error: string | null }, status: 'delivered' | 'pending' | 'failed', delayMs = 0): Promise<void> {
    const entry = { at: new Date().toISOString(), status_code: result.status, duration_ms: result.durationMs, error: result.error };
    await this.dataSource.query(
      `UPDATE webhook_deliveries SET status = $2::varchar, attempts = attempts + 1, locked_until = NULL,
              next_attempt_at = now() + make_interval(secs => $3::double precision / 1000),
              last_status_code = $4, last_error = $5, attempt_log = attempt_log || $6::jsonb,
              delivered_at = CASE WHEN $2::varchar = 'delivered' THEN now() ELSE delivered_at END
       WHERE id = $1`,
      [delivery.id, status, delayMs, result.status, result.error, JSON.stringify([entry])],
    );
  }
}
