import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Principal, RequestOrigin } from '../auth/principal';
import { randomUUID } from 'node:crypto';
import { CredentialCache } from '../auth/credential-cache';
import { Action, ACCESS_PRESERVING_ACTIONS } from './actions';
import { chainHash, normalizeDetails } from './chain';
import { ActivityRecordEntity, ActorKind, Outcome } from './activity-record.entity';

export interface Actor {
  kind: ActorKind;
  id: string | null;
  origin: RequestOrigin | null;
}

export interface ActivityEntry {
  organizationId: string;
  action: Action;
  target?: { kind: string; id: string };
  outcome?: Outcome;
  /** Never a secret: ids, names, changed field names and values that are not credentials. */
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  details?: Record<string, any>;
}

export const SYSTEM_ACTOR: Actor = { kind: 'system', id: null, origin: null };

/** The actor of a principal: the key or token when one acted, otherwise the user. */
export function actorOf(principal: Principal): Actor {
  return { kind: principal.kind, id: principal.id, origin: principal.origin };
}

/**
 * A data-modifying statement run in the same round trip as a record's chain lock (as a WITH
 * clause), to completion before the lock is taken: rows it locks are locked before the chain, the
 * order every mutation takes them in. It ends in RETURNING, one row per row written; when it writes
 * none, nothing is recorded and `record` returns 0 (the caller decides what that means for its
 * transaction). `sql` is given the number of its first parameter ($1 is the lock's).
 */
export interface AlongStatement {
  sql: (firstParameter: number) => string;
  parameters: unknown[];
}

/** Called with every record, in the transaction that writes it (webhooks queue their deliveries so). */
export type ActivityListener = (manager: EntityManager, record: ActivityRecordEntity) => Promise<void>;

@Injectable()
export class ActivityService {
  private readonly listeners: ActivityListener[] = [];

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly credentialCache: CredentialCache,
  ) {}

  onRecord(listener: ActivityListener): void {
    this.listeners.push(listener);
  }

  /** A security event that is not part of a mutation (a refused login, a replayed token): its own transaction. */
  async recordSecurityEvent(actor: Actor, entry: ActivityEntry): Promise<void> {
    await this.dataSource.transaction((manager) => this.record(manager, actor, entry));
  }

  /**
   * Appends one record through `manager`, which must be the transaction of the mutation it
   * records, so that the mutation and its record are committed or lost together. Returns the
   * number of rows `along` wrote (0 without it).
   */
  async record(manager: EntityManager, actor: Actor, entry: ActivityEntry, along?: AlongStatement): Promise<number> {
    if (!manager.queryRunner?.isTransactionActive) {
      throw new Error('activity records are written inside the transaction of what they record');
    }
    // One writer per organization at a time, until commit: the chain stays a line under concurrency.
    // The function takes the lock, then reads the chain's last hash (migration LockActivityHead).
    const lock = `SELECT keyward_lock_activity_head($1) AS hash`;
    // With `along`, the lock's function is evaluated over the row that counts what `along` wrote,
    // so the statement has run when the lock is taken.
    const [head] = along
      ? await manager.query(`WITH along AS (${along.sql(2)}) ${lock}, written.rows FROM (SELECT count(*)::int AS rows FROM along) written`, [
          entry.organizationId,
          ...along.parameters,
        ])
      : await manager.query(lock, [entry.organizationId]);
    if (along && head.rows === 0) return 0;
    const previous: Buffer | null = head?.hash ?? null;
    const fields = {
      id: randomUUID(),
      organizationId: entry.organizationId,
      actorKind: actor.kind,
      actorId: actor.id,
      action: entry.action,
      targetKind: entry.target?.kind ?? null,
      targetId: entry.target?.id ?? null,
      outcome: entry.outcome ?? 'success',
      ip: actor.origin?.ip ?? null,
      userAgent: actor.origin?.userAgent?.slice(0, 512) ?? null,
      requestId: actor.origin?.requestId?.slice(0, 64) ?? null,
      details: normalizeDetails(entry.details),
      createdAt: new Date(),
    };
    const record = Object.assign(new ActivityRecordEntity(), fields, { prevHash: previous, hash: chainHash(fields, previous) });
    // A plain INSERT: TypeORM's insert builder cost every mutation about 0.3 ms of request-thread CPU.
    await manager.query(
      `INSERT INTO activity_records (id, organization_id, actor_kind, actor_id, action, target_kind, target_id, outcome,
                                     ip, user_agent, request_id, details, created_at, prev_hash, hash)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15)`,
      [
        record.id,
        record.organizationId,
        record.actorKind,
        record.actorId,
        record.action,
        record.targetKind,
        record.targetId,
        record.outcome,
        record.ip,
        record.userAgent,
        record.requestId,
        JSON.stringify(record.details),
        record.createdAt,
        record.prevHash,
        record.hash,
      ],
    );
    for (const listener of this.listeners) await listener(manager, record);
    if (!ACCESS_PRESERVING_ACTIONS.has(entry.action)) this.credentialCache.markForInvalidation(manager);
    return along ? head.rows : 0;
  }
}
