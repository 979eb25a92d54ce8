import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AuditSubject } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { RequestOrigin } from '../auth/principal';
import { Action, Actions } from './actions';
import { ActivityService, SYSTEM_ACTOR } from './activity.service';

interface Aggregate {
  subject: AuditSubject;
  action: Action;
  minute: number;
  count: number;
  reasons: Map<string, number>;
  addresses: Set<string>;
  /** Failures per address (bounded), for the burst detector. */
  byAddress: Map<string, number>;
  lastOrigin: RequestOrigin;
}

const MAX_ADDRESSES = 20;

/**
 * Security events that come in floods (refused credentials, rate-limit refusals): counted in
 * memory per credential, event and minute, and written as one record per group with its count,
 * instead of one row per request.
 */
@Injectable()
export class SecurityEventsService implements OnModuleInit, BeforeApplicationShutdown {
  private readonly logger = new Logger('SecurityEvents');
  private pending = new Map<string, Aggregate>();
  private timer: NodeJS.Timeout | null = null;

  constructor(
    private readonly activity: ActivityService,
    private readonly config: AppConfig,
  ) {}

  onModuleInit(): void {
    this.timer = setInterval(() => void this.flush(), this.config.env.SECURITY_EVENT_FLUSH_MS);
    this.timer.unref();
  }

  async beforeApplicationShutdown(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.flush(true);
  }

  authFailure(subject: AuditSubject, reason: string, origin: RequestOrigin): void {
    this.note(subject, Actions.authFailure, reason, origin);
  }

  rateLimited(subject: AuditSubject, reason: string, origin: RequestOrigin): void {
    this.note(subject, Actions.rateLimited, reason, origin);
  }

  private note(subject: AuditSubject, action: Action, reason: string, origin: RequestOrigin): void {
    const minute = Math.floor(Date.now() / this.config.env.SECURITY_EVENT_WINDOW_MS);
    const key = `${action}|${subject.kind}|${subject.id}|${minute}`;
    let aggregate = this.pending.get(key);
    if (!aggregate) {
      aggregate = { subject, action, minute, count: 0, reasons: new Map(), addresses: new Set(), byAddress: new Map(), lastOrigin: origin };
      this.pending.set(key, aggregate);
    }
    aggregate.count += 1;
    aggregate.reasons.set(reason, (aggregate.reasons.get(reason) ?? 0) + 1);
    if (aggregate.addresses.size < MAX_ADDRESSES) aggregate.addresses.add(origin.ip);
    if (aggregate.byAddress.has(origin.ip) || aggregate.byAddress.size < MAX_ADDRESSES) {
      aggregate.byAddress.set(origin.ip, (aggregate.byAddress.get(origin.ip) ?? 0) + 1);
    }
    aggregate.lastOrigin = origin;
  }

  /**
   * Writes every group whose window has closed (all of them at shutdown): one record per
   * credential, event and window, however many requests it covers.
   */
  async flush(all = false): Promise<void> {
    if (this.pending.size === 0) return;
    const current = Math.floor(Date.now() / this.config.env.SECURITY_EVENT_WINDOW_MS);
    const batch = new Map<string, Aggregate>();
    for (const [key, aggregate] of this.pending) {
      if (all || aggregate.minute < current) {
        batch.set(key, aggregate);
        this.pending.delete(key);
      }
    }
    if (batch.size === 0) return;
    for (const aggregate of batch.values()) {
      try {
        await this.activity.recordSecurityEvent(
          { kind: aggregate.subject.kind, id: aggregate.subject.id, origin: aggregate.lastOrigin },
          {
            organizationId: aggregate.subject.organizationId,
            action: aggregate.action,
            target: { kind: aggregate.subject.kind, id: aggregate.subject.id },
            outcome: 'failure',
            details: {
              count: aggregate.count,
              window_start: new Date(aggregate.minute * this.config.env.SECURITY_EVENT_WINDOW_MS).toISOString(),
              window_seconds: this.config.env.SECURITY_EVENT_WINDOW_MS / 1000,
              reasons: Object.fromEntries(aggregate.reasons),
              addresses: [...aggregate.addresses],
            },
          },
        );
      } catch (error) {
        this.logger.warn(`could not record a security event: ${(error as Error).message}`);
      }
    }
    await this.detectBursts([...batch.values()].filter((aggregate) => aggregate.action === Actions.authFailure));
  }

  /**
   * A burst of failed authentications against one organization, or from one address, within a
   * minute: reported once per organization and minute, with the addresses and credentials involved.
   */
  private async detectBursts(failures: Aggregate[]): Promise<void> {
    const threshold = this.config.env.FAILURE_BURST_THRESHOLD;
    const byOrganization = new Map<string, Aggregate[]>();
    for (const aggregate of failures) {
      const key = `${aggregate.subject.organizationId}|${aggregate.minute}`;
      byOrganization.set(key, [...(byOrganization.get(key) ?? []), aggregate]);
    }
    for (const group of byOrganization.values()) {
      const total = group.reduce((sum, aggregate) => sum + aggregate.count, 0);
      const perAddress = new Map<string, number>();
      for (const aggregate of group) for (const [ip, count] of aggregate.byAddress) perAddress.set(ip, (perAddress.get(ip) ?? 0) + count);
      const [topAddress, topCount] = [...perAddress].sort((a, b) => b[1] - a[1])[0] ?? ['', 0];
      if (total < threshold && topCount < threshold) continue;
      const organizationId = group[0].subject.organizationId;
      try {
        await this.activity.recordSecurityEvent(SYSTEM_ACTOR, {
          organizationId,
          action: Actions.securityFailureBurst,
          outcome: 'failure',
          details: {
            failures: total,
            threshold,
            window_start: new Date(group[0].minute * this.config.env.SECURITY_EVENT_WINDOW_MS).toISOString(),
            credentials: group.map((aggregate) => ({ type: aggregate.subject.kind, id: aggregate.subject.id, failures: aggregate.count })),
            addresses: Object.fromEntries(perAddress),
            reasoning:
              topCount >= threshold
                ? `${topCount} failed authentications from ${topAddress} within ${this.config.env.SECURITY_EVENT_WINDOW_MS / 1000} s (threshold ${threshold}).`
                : `${total} failed authentications against this organization within ${this.config.env.SECURITY_EVENT_WINDOW_MS / 1000} s (threshold ${threshold}).`,
          },
        });
      } catch (error) {
        this.logger.warn(`could not record a failure burst: ${(error as Error).message}`);
      }
    }
  }
}
