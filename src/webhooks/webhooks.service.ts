import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { lookup } from 'node:dns/promises';
import ipaddr from 'ipaddr.js';
import { DataSource, EntityManager } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { Principal } from '../auth/principal';
import { isUuid } from '../common/crypto';
import { Cursor } from '../common/cursor';
import { KeywardError, notFound } from '../common/errors/keyward-error';
import { seal } from '../common/sealing';
import { AppConfig } from '../config/app-config';
import { keysetPage } from '../database/keyset';
import { DeliveryService, WEBHOOK_SECRET_PURPOSE } from './delivery.service';
import { isKnownSubscription } from './webhook-events';
import { generateSigningSecret, isPublicAddress, webhookUrlProblem } from './webhook-rules';
import { WebhookEntity } from './webhook.entity';

export interface WebhookInput {
  url?: string;
  description?: string;
  events?: string[];
  headers?: Record<string, string>;
  active?: boolean;
}

export interface DeliveryRow {
  id: string;
  event_type: string;
  status: string;
  attempts: number;
  next_attempt_at: Date;
  last_status_code: number | null;
  last_error: string | null;
  attempt_log: Array<Record<string, unknown>>;
  created_at: Date;
  delivered_at: Date | null;
}

const MAX_HEADERS = 20;
const RESERVED_HEADERS = /^(host|content-type|content-length|connection|transfer-encoding|user-agent|webhook-.*)$/i;

const invalid = (field: string, message: string) =>
  new KeywardError('validation', `Invalid parameter: ${field}: ${message}`, { errors: [{ field, message }] });

@Injectable()
export class WebhooksService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly deliveries: DeliveryService,
    private readonly activity: ActivityService,
    private readonly config: AppConfig,
  ) {}

  list(principal: Principal, page: { cursor: Cursor | null; limit: number }): Promise<WebhookEntity[]> {
    const query = this.dataSource.manager.createQueryBuilder(WebhookEntity, 'w').where('w.organization_id = :organizationId', { organizationId: principal.organizationId });
    return keysetPage(query, 'w', page).getMany();
  }

  async get(principal: Principal, id: string, manager?: EntityManager): Promise<WebhookEntity> {
    const webhook = isUuid(id)
      ? await (manager ?? this.dataSource.manager).findOne(WebhookEntity, {
          where: { id, organizationId: principal.organizationId },
          ...(manager ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!webhook) throw notFound('Webhook', id);
    return webhook;
  }

  /** The signing secret is returned this once. */
  async create(principal: Principal, input: WebhookInput & { url: string; events: string[] }): Promise<{ webhook: WebhookEntity; secret: string }> {
    await this.assertTarget(input.url);
    assertEvents(input.events);
    const headers = checkedHeaders(input.headers ?? {});
    const secret = generateSigningSecret();
    return this.dataSource.transaction(async (manager) => {
      const webhook = await manager.save(
        WebhookEntity,
        manager.create(WebhookEntity, {
          organizationId: principal.organizationId,
          url: input.url,
          description: input.description ?? '',
          events: [...new Set(input.events)],
          headers,
          secretSealed: seal(this.config.appSecret, WEBHOOK_SECRET_PURPOSE, secret),
          active: input.active ?? true,
        }),
      );
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.webhookCreate,
        target: { kind: 'webhook', id: webhook.id },
        details: { url: webhook.url, events: webhook.events, header_names: Object.keys(headers) },
      });
      return { webhook, secret };
    });
  }

  async update(principal: Principal, id: string, input: WebhookInput): Promise<WebhookEntity> {
    if (input.url !== undefined) await this.assertTarget(input.url);
    if (input.events !== undefined) assertEvents(input.events);
    const headers = input.headers === undefined ? undefined : checkedHeaders(input.headers);
    return this.dataSource.transaction(async (manager) => {
      const webhook = await this.get(principal, id, manager);
      const changed = Object.keys(input).filter((key) => (input as Record<string, unknown>)[key] !== undefined);
      if (input.url !== undefined) webhook.url = input.url;
      if (input.description !== undefined) webhook.description = input.description;
      if (input.events !== undefined) webhook.events = [...new Set(input.events)];
      if (headers !== undefined) webhook.headers = headers;
      if (input.active !== undefined) webhook.active = input.active;
      const saved = await manager.save(WebhookEntity, webhook);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.webhookUpdate,
        target: { kind: 'webhook', id: webhook.id },
        details: { changed },
      });
      return saved;
    });
  }

  async delete(principal: Principal, id: string): Promise<void> {
    await this.dataSource.transaction(async (manager) => {
      const webhook = await this.get(principal, id, manager);
      await manager.delete(WebhookEntity, { id: webhook.id, organizationId: principal.organizationId });
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.webhookDelete,
        target: { kind: 'webhook', id: webhook.id },
        details: { url: webhook.url },
      });
    });
  }

  async deliveriesOf(principal: Principal, id: string, limit: number): Promise<DeliveryRow[]> {
    const webhook = await this.get(principal, id);
    return this.dataSource.query(
      `SELECT id, event_type, status, attempts, next_attempt_at, last_status_code, last_error, attempt_log, created_at, delivered_at
       FROM webhook_deliveries WHERE webhook_id = $1 AND organization_id = $2 ORDER BY created_at DESC, id DESC LIMIT $3`,
      [webhook.id, principal.organizationId, limit],
    );
  }

  /** Queues a `webhook.test` event to this webhook only (whatever its subscriptions). */
  async test(principal: Principal, id: string): Promise<string> {
    const webhook = await this.get(principal, id);
    if (!webhook.active) throw new KeywardError('conflict', 'The webhook is disabled; enable it to test it.');
    const [deliveryId] = await this.dataSource.transaction((manager) =>
      this.deliveries.enqueue(manager, principal.organizationId, 'webhook.test', { message: 'This is a test event from Keyward.' }, webhook.id),
    );
    void this.deliveries.tick();
    return deliveryId;
  }

  /** https to a public address (checked again, address by address, when delivering). */
  private async assertTarget(url: string): Promise<void> {
    const allowPrivate = this.config.env.WEBHOOK_ALLOW_PRIVATE_TARGETS;
    const problem = webhookUrlProblem(url, allowPrivate);
    if (problem) throw invalid('url', problem);
    const host = new URL(url).hostname.replace(/^\[|\]$/g, '');
    if (allowPrivate || ipaddr.isValid(host)) return;
    let addresses: Array<{ address: string }>;
    try {
      addresses = await lookup(host, { all: true });
    } catch {
      throw invalid('url', 'the host name cannot be resolved');
    }
    if (addresses.some((entry) => !isPublicAddress(entry.address))) {
      throw invalid('url', 'url must not point to a private, loopback or link-local address');
    }
  }
}

function assertEvents(events: string[]): void {
  if (events.length === 0) throw invalid('events', 'subscribe to at least one event');
  const unknown = events.find((event) => !isKnownSubscription(event));
  if (unknown !== undefined) throw invalid('events', `unknown event '${unknown.slice(0, 64)}'`);
}

function checkedHeaders(headers: Record<string, string>): Record<string, string> {
  const entries = Object.entries(headers);
  if (entries.length > MAX_HEADERS) throw invalid('headers', `at most ${MAX_HEADERS} headers`);
  for (const [name, value] of entries) {
    if (!/^[A-Za-z0-9!#$%&'*+.^_`|~-]{1,64}$/.test(name)) throw invalid('headers', `'${name.slice(0, 64)}' is not a header name`);
    if (RESERVED_HEADERS.test(name)) throw invalid('headers', `'${name}' is set by Keyward`);
    if (typeof value !== 'string' || value.length > 1024 || /[\r\n\0]/.test(value)) throw invalid('headers', `the value of '${name}' must be one line of at most 1024 characters`);
  }
  return Object.fromEntries(entries);
}
