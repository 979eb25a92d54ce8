import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Denials } from '../auth/access.service';
import { Grant, Scope, unionScope } from '../auth/grants';
import { Principal, RequestOrigin } from '../auth/principal';
import { keyedDigest, secretFingerprint } from '../common/crypto';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { CacheSpace, CredentialCache } from '../auth/credential-cache';
import { Interner } from '../common/interner';
import { apiKeyRefusal, millis } from './api-key-state';

export const API_KEY_DIGEST_PURPOSE = 'api_key';
export const REGISTER_SERVERS = 'register_servers';

interface KeyRow {
  id: string;
  organization_id: string;
  ancestor_ids: string[];
  active: boolean;
  type: 'standard' | 'registration';
  privileges: string[];
  categories: string[];
  groups: string[];
  expires_at: Date | null;
  max_per_sec: number | null;
  revoked_at: Date | null;
  grace_until: Date | null;
  operational: boolean;
  roles: Array<Grant & { enabled: boolean }>;
}

export interface AuthenticatedKey {
  principal: Principal;
  /** The key's organization and its ancestors, root first, ending with the key's own. */
  organizationPath: readonly string[];
  /** Milliseconds since 1970, or null: the key does not expire. */
  expiresAt: number | null;
}

/**
 * What a key grants and where, derived once per load. Immutable and shared by every cached key
 * with the same organization and scope (most keys of an organization share one).
 */
interface KeyGrant extends Scope {
  organizationId: string;
  organizationPath: readonly string[];
  registration: boolean;
}

/**
 * A key's stored state as the cache holds it: quality.md wants 100,000 cached keys within 300 MB,
 * so one small object per key, the grant shared, times as numbers.
 */
interface CachedKey {
  id: string;
  grant: KeyGrant;
  active: boolean;
  /** The organization and all its ancestors are active. */
  operational: boolean;
  maxPerSec: number | undefined;
  revokedAt: number | null;
  graceUntil: number | null;
  expiresAt: number | null;
}

/** Distinct grants remembered for sharing; past this many the sharing starts afresh. */
const GRANTS_SHARED = 10_000;

/** A presented API key → its principal, or the contract's error for its state. */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    cache: CredentialCache,
  ) {
    this.keys = cache.space<CachedKey>();
  }

  /** Cached keys by the fingerprint of the presented key. */
  private readonly keys: CacheSpace<CachedKey>;
  private readonly grants = new Interner<KeyGrant>(GRANTS_SHARED);

  digest(key: string): Buffer {
    return keyedDigest(this.config.appSecret, key, API_KEY_DIGEST_PURPOSE);
  }

  /**
   * A presented key, looked up once: its organization with its ancestors (root first, the key's
   * own last), and its principal, judged when asked (so a caller can check tenancy first). Null
   * if unknown.
   */
  async find(key: string): Promise<{ organizationPath: readonly string[]; judge: (origin: RequestOrigin) => AuthenticatedKey } | null> {
    const cached = await this.lookup(key);
    return cached ? { organizationPath: cached.grant.organizationPath, judge: (origin) => this.judge(cached, origin) } : null;
  }

  /** The stored state of a key: from the cache, or one indexed lookup by digest (never a scan). */
  private lookup(key: string, fingerprint = secretFingerprint(key)): Promise<CachedKey | null> {
    return this.keys.through(fingerprint, () => this.load(this.digest(key)));
  }

  private async load(digest: Buffer): Promise<CachedKey | null> {
    const rows: KeyRow[] = await this.dataSource.query(
      `SELECT k.id, k.organization_id, o.ancestor_ids, k.active, k.type, k.privileges, k.categories, k.groups,
              k.expires_at, k.max_per_sec, k.revoked_at, k.grace_until,
              NOT EXISTS (SELECT 1 FROM organizations a
                          WHERE (a.id = o.id OR a.id = ANY(o.ancestor_ids)) AND a.status <> 'active') AS operational,
              COALESCE((SELECT json_agg(json_build_object('enabled', r.enabled, 'privileges', r.privileges,
                                                          'categories', r.categories, 'groups', r.groups))
                        FROM roles r WHERE r.id = ANY(k.role_ids) AND r.organization_id = k.organization_id), '[]'::json) AS roles
       FROM api_keys k JOIN organizations o ON o.id = k.organization_id
       WHERE k.digest = $1`,
      [digest],
    );
    const row = rows[0];
    if (!row) return null;
    return {
      id: row.id,
      grant: this.grantOf(row),
      active: row.active,
      operational: row.operational,
      maxPerSec: row.max_per_sec ?? undefined,
      revokedAt: millis(row.revoked_at),
      graceUntil: millis(row.grace_until),
      expiresAt: millis(row.expires_at),
    };
  }

  /** The row's grant, shared with every other cached key that grants the same in the same place. */
  private grantOf(row: KeyRow): KeyGrant {
    const registration = row.type === 'registration';
    const scope = registration
      ? { privileges: new Set([REGISTER_SERVERS]), categories: [], groups: [] }
      : unionScope({ privileges: row.privileges, categories: row.categories, groups: row.groups }, row.roles);
    const privileges = [...scope.privileges].sort();
    const organizationPath = [...row.ancestor_ids, row.organization_id];
    const identity = JSON.stringify([organizationPath, registration, privileges, scope.categories, scope.groups]);
    return this.grants.intern(identity, () => ({
      organizationId: row.organization_id,
      organizationPath,
      registration,
      privileges: new Set(privileges),
      categories: [...scope.categories],
      groups: [...scope.groups],
    }));
  }

  /**
   * The key's principal, or the contract's error for its state (judged now, even on a cache hit).
   * On a cache hit (the hot path) the answer, or the refusal, is given synchronously: no promise.
   */
  authenticate(key: string, fingerprint: string, origin: RequestOrigin): AuthenticatedKey | Promise<AuthenticatedKey> {
    const cached = this.keys.get(fingerprint);
    if (cached !== undefined) return this.judge(cached, origin);
    return this.lookup(key, fingerprint).then((found) => {
      if (!found) throw new KeywardError('session', Messages.invalidApiKey);
      return this.judge(found, origin);
    });
  }

  private judge(key: CachedKey, origin: RequestOrigin): AuthenticatedKey {
    const grant = key.grant;
    const refusal = apiKeyRefusal(key, Date.now());
    if (refusal) throw refusal.about({ organizationId: grant.organizationId, kind: 'api_key', id: key.id });
    if (!key.operational) {
      throw new KeywardError('access', Denials.organizationDisabled).about({ organizationId: grant.organizationId, kind: 'api_key', id: key.id });
    }
    return {
      principal: {
        kind: 'api_key',
        id: key.id,
        userId: null,
        organizationId: grant.organizationId,
        // Shared by every request of every key with this grant: read-only by type (Principal).
        privileges: grant.privileges,
        categories: grant.categories,
        groups: grant.groups,
        authenticatedBy: 'api_key',
        apiKeyId: key.id,
        registrationKey: grant.registration,
        maxPerSec: key.maxPerSec,
        origin,
      },
      organizationPath: grant.organizationPath,
      expiresAt: key.expiresAt,
    };
  }
}
