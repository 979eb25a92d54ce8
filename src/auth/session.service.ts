import { Injectable } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { keyedDigest, randomToken, safeEqual, secretFingerprint } from '../common/crypto';
import { CacheSpace, CredentialCache } from './credential-cache';
import { RequestOrigin } from './principal';
import { SessionEntity } from './session.entity';
import type { AlongStatement } from '../audit/activity.service';

export interface LiveSession {
  session: SessionEntity;
  userEmail: string;
}

/** A session id carries 256 random bits; only its keyed digest is stored. */
const SESSION_ID_BYTES = 32;
/** last_seen_at is written at most this often per session (and well within the idle timeout). */
const MAX_TOUCH_INTERVAL_MS = 60_000;
/** How finely a cached session's last use is kept in memory (the idle timeout is in seconds). */
const LAST_SEEN_RESOLUTION_MS = 100;

@Injectable()
export class SessionService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    cache: CredentialCache,
  ) {
    this.byToken = cache.space<LiveSession>();
    this.byId = cache.space<LiveSession>();
  }

  /** Live sessions by the fingerprint of their plain id, and by their row id (how a JWT names one). */
  private readonly byToken: CacheSpace<LiveSession>;
  private readonly byId: CacheSpace<LiveSession>;

  /**
   * A new session: the plain id, which exists only in the response, the session, and the plain
   * INSERT that stores it (TypeORM's save of the entity cost a login about 0.4 ms of request-thread
   * CPU), which the caller runs with the login's activity record (ActivityService.record's `along`):
   * one round trip less per login. The INSERT stores the session only while the user's password
   * hash is still the one the login verified and the user is active, and locks the user's row until
   * commit, so no password change or deactivation slips in before the session exists; it returns a
   * row when it stored the session.
   */
  open(user: { id: string; passwordHash: string }, organizationId: string, origin: RequestOrigin): { sessionId: string; session: SessionEntity; insert: AlongStatement } {
    const sessionId = randomToken(SESSION_ID_BYTES);
    const now = new Date();
    const session = Object.assign(new SessionEntity(), {
      id: randomUUID(),
      tokenDigest: this.digest(sessionId),
      userId: user.id,
      organizationId,
      ip: origin.ip,
      userAgent: origin.userAgent?.slice(0, 512) ?? null,
      createdAt: now,
      lastSeenAt: now,
      expiresAt: new Date(now.getTime() + this.config.env.SESSION_ABSOLUTE_TIMEOUT * 1000),
      revokedAt: null,
    });
    const insert: AlongStatement = {
      sql: (p) => `INSERT INTO sessions (id, token_digest, user_id, organization_id, ip, user_agent, created_at, last_seen_at, expires_at)
                   SELECT $${p}::uuid, $${p + 1}::bytea, u.id, $${p + 2}::uuid, $${p + 3}::varchar, $${p + 4}::varchar,
                          $${p + 5}::timestamptz, $${p + 5}::timestamptz, $${p + 6}::timestamptz
                   FROM users u WHERE u.id = $${p + 7}::uuid AND u.password_hash = $${p + 8} AND u.active
                   FOR UPDATE OF u
                   RETURNING 1`,
      parameters: [session.id, session.tokenDigest, organizationId, session.ip, session.userAgent, now, session.expiresAt, user.id, user.passwordHash],
    };
    return { sessionId, session, insert };
  }

  /** The live session for a plain id, or null when unknown, revoked, idle too long or past its end. */
  async resolve(sessionId: string, fingerprint = secretFingerprint(sessionId)): Promise<LiveSession | null> {
    return this.stillLive(
      await this.byToken.through(fingerprint, () => this.findLive('s.token_digest = $1', this.digest(sessionId))),
    );
  }

  /** The same check by the session's row id (a JWT names its session by id). */
  async resolveById(id: string): Promise<LiveSession | null> {
    return this.stillLive(await this.byId.through(id, () => this.findLive('s.id = $1', id)));
  }

  /** `resolveById` from the cache alone; undefined when the session is not cached. */
  resolveByIdNow(id: string): LiveSession | null | undefined {
    const cached = this.byId.get(id);
    return cached === undefined ? undefined : this.stillLive(cached);
  }

  /**
   * Time-based ends are judged on every use, cached or not; a use counts as activity at once in
   * memory, and reaches the database when the cached entry is next reloaded (within the cache TTL).
   */
  private stillLive(live: LiveSession | null): LiveSession | null {
    if (!live) return null;
    const now = Date.now();
    if (live.session.expiresAt.getTime() <= now) return null;
    if (live.session.lastSeenAt.getTime() + this.config.env.SESSION_IDLE_TIMEOUT * 1000 <= now) return null;
    // Moved on at most every 100 ms: a new Date per request was most of this check's cost.
    if (now - live.session.lastSeenAt.getTime() >= LAST_SEEN_RESOLUTION_MS) live.session.lastSeenAt = new Date(now);
    return live;
  }

  private async findLive(condition: string, value: Buffer | string): Promise<LiveSession | null> {
    const rows: Array<SessionEntity & { userEmail: string; userActive: boolean }> = await this.dataSource.query(
      `SELECT s.id, s.user_id AS "userId", s.organization_id AS "organizationId", s.last_seen_at AS "lastSeenAt",
              s.expires_at AS "expiresAt", s.created_at AS "createdAt", u.email AS "userEmail", u.active AS "userActive"
       FROM sessions s JOIN users u ON u.id = s.user_id
       WHERE ${condition} AND s.revoked_at IS NULL`,
      [value],
    );
    const row = rows[0];
    if (!row || !row.userActive) return null;
    const now = Date.now();
    if (row.expiresAt.getTime() <= now) return null;
    if (row.lastSeenAt.getTime() + this.config.env.SESSION_IDLE_TIMEOUT * 1000 <= now) return null;
    const touchInterval = Math.min(MAX_TOUCH_INTERVAL_MS, (this.config.env.SESSION_IDLE_TIMEOUT * 1000) / 10);
    if (now - row.lastSeenAt.getTime() >= touchInterval) {
      await this.dataSource.query(`UPDATE sessions SET last_seen_at = now() WHERE id = $1`, [row.id]);
      row.lastSeenAt = new Date(now);
    }
    const session = Object.assign(new SessionEntity(), row);
    return { session, userEmail: row.userEmail };
  }

  async revoke(manager: EntityManager, sessionId: string): Promise<void> {
    await manager.update(SessionEntity, { id: sessionId, revokedAt: IsNull() }, { revokedAt: new Date() });
  }

  /** Ends every session of the user, except `keepSessionId` when given. Returns how many ended. */
  async revokeAllForUser(manager: EntityManager, userId: string, keepSessionId?: string): Promise<number> {
    const result = await manager.query(
      `UPDATE sessions SET revoked_at = now()
       WHERE user_id = $1 AND revoked_at IS NULL AND ($2::uuid IS NULL OR id <> $2::uuid)`,
      [userId, keepSessionId ?? null],
    );
    return Array.isArray(result) ? Number(result[1] ?? 0) : 0;
  }

  /** The user's live sessions, newest first. */
  async listLive(userId: string): Promise<SessionEntity[]> {
    const rows: SessionEntity[] = await this.dataSource.manager
      .createQueryBuilder(SessionEntity, 's')
      .where('s.user_id = :userId AND s.revoked_at IS NULL AND s.expires_at > now()', { userId })
      .andWhere(`s.last_seen_at > now() - make_interval(secs => :idle)`, { idle: this.config.env.SESSION_IDLE_TIMEOUT })
      .orderBy('s.created_at', 'DESC')
      .getMany();
    return rows;
  }

  /** Ends one of the user's own sessions; false when there is no such live session of theirs. */
  async revokeOwn(manager: EntityManager, userId: string, id: string): Promise<boolean> {
    const result = await manager.update(SessionEntity, { id, userId, revokedAt: IsNull() }, { revokedAt: new Date() });
    return (result.affected ?? 0) > 0;
  }

  /** The CSRF token of a session: derived, so nothing more is stored. */
  csrfTokenFor(sessionId: string): string {
    return keyedDigest(this.config.appSecret, sessionId, 'csrf').toString('base64url');
  }

  csrfTokenMatches(sessionId: string, presented: string | undefined): boolean {
    return presented !== undefined && safeEqual(this.csrfTokenFor(sessionId), presented);
  }

  private digest(sessionId: string): Buffer {
    return keyedDigest(this.config.appSecret, sessionId, 'session');
  }
}
