import { BeforeApplicationShutdown, Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { AuditSubject } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { RequestOrigin } from '../auth/principal';
import { Action, Actions } from './actions';
import { ActivityService } from './activity.service';

interface Aggregate {
  subject: AuditSubject;
  action: Action;
  minute: number;
  count: number;
  reasons: Map<string, number>;
  addresses: Set<string>;
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
    await this.flush();
  }

  authFailure(subject: AuditSubject, reason: string, origin: RequestOrigin): void {
    this.note(subject, Actions.authFailure, reason, origin);
  }

  rateLimited(subject: AuditSubject, reason: string, origin: RequestOrigin): void {
    this.note(subject, Actions.rateLimited, reason, origin);
  }

  private note(subject: AuditSubject, action: Action, reason: string, origin: RequestOrigin): void {
    const minute = Math.floor(Date.now() / 60_000);
    const key = `${action}|${subject.kind}|${subject.id}|${minute}`;
    let aggregate = this.pending.get(key);
    if (!aggregate) {
      aggregate = { subject, action, minute, count: 0, reasons: new Map(), addresses: new Set(), lastOrigin: origin };
      this.pending.set(key, aggregate);
    }
    aggregate.count += 1;
    aggregate.reasons.set(reason, (aggregate.reasons.get(reason) ?? 0) + 1);
    if (aggregate.addresses.size < MAX_ADDRESSES) aggregate.addresses.add(origin.ip);
    aggregate.lastOrigin = origin;
  }

  /** Writes every group noted so far (each its own record, in its organization's chain). */
  async flush(): Promise<void> {
    if (this.pending.size === 0) return;
    const batch = this.pending;
    this.pending = new Map();
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
              minute: new Date(aggregate.minute * 60_000).toISOString(),
              reasons: Object.fromEntries(aggregate.reasons),
              addresses: [...aggregate.addresses],
            },
          },
        );
      } catch (error) {
        this.logger.warn(`could not record a security event: ${(error as Error).message}`);
      }
    }
  }
}
