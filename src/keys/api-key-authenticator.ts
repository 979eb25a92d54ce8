import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { Denials } from '../auth/access.service';
import { Grant, unionScope } from '../auth/grants';
import { Principal, RequestOrigin } from '../auth/principal';
import { keyedDigest, secretFingerprint } from '../common/crypto';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { CredentialCache } from '../auth/credential-cache';
import { apiKeyRefusal } from './api-key-state';

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
  expiresAt: Date | null;
}

/** What a stored row grants, derived once per cached row instead of on every request. */
interface RowScope {
  privileges: ReadonlySet<string>;
  categories: readonly string[];
  groups: readonly string[];
  organizationPath: readonly string[];
}

function cacheKey(key: string): string {
  return `api_key:${secretFingerprint(key)}`;
}

/** A presented API key → its principal, or the contract's error for its state. */
@Injectable()
export class ApiKeyAuthenticator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly cache: CredentialCache,
  ) {}

  /** Keyed by the cached row object: a reload (or an invalidation) makes a new row and a new scope. */
  private readonly scopes = new WeakMap<KeyRow, RowScope>();

  digest(key: string): Buffer {
    return keyedDigest(this.config.appSecret, key, API_KEY_DIGEST_PURPOSE);
  }

  /**
   * A presented key, looked up once: its organization with its ancestors (root first, the key's
   * own last), and its principal, judged when asked (so a caller can check tenancy first). Null
   * if unknown.
   */
  async find(key: string): Promise<{ organizationPath: readonly string[]; judge: (origin: RequestOrigin) => AuthenticatedKey } | null> {
    const row = await this.lookup(key);
    return row ? { organizationPath: this.scopeOf(row).organizationPath, judge: (origin) => this.judge(row, origin) } : null;
  }

  /** The stored state of a key: from the cache, or one indexed lookup by digest (never a scan). */
  private lookup(key: string): Promise<KeyRow | null> {
    return this.cache.through(cacheKey(key), () => this.load(this.digest(key)));
  }

  private async load(digest: Buffer): Promise<KeyRow | null> {
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
    return rows[0] ?? null;
  }

  /**
   * The key's principal, or the contract's error for its state (judged now, even on a cache hit).
   * On a cache hit (the hot path) the answer, or the refusal, is given synchronously: no promise.
   */
  authenticate(key: string, origin: RequestOrigin): AuthenticatedKey | Promise<AuthenticatedKey> {
    const cached = this.cache.get<KeyRow>(cacheKey(key));
    if (cached !== undefined) return this.judge(cached, origin);
    return this.lookup(key).then((row) => {
      if (!row) throw new KeywardError('session', Messages.invalidApiKey);
      return this.judge(row, origin);
    });
  }

  private scopeOf(row: KeyRow): RowScope {
    let scope = this.scopes.get(row);
    if (!scope) {
      const granted =
        row.type === 'registration'
          ? { privileges: new Set([REGISTER_SERVERS]), categories: [], groups: [] }
          : unionScope({ privileges: row.privileges, categories: row.categories, groups: row.groups }, row.roles);
      scope = {
        privileges: new Set(granted.privileges),
        categories: [...granted.categories],
        groups: [...granted.groups],
        organizationPath: [...row.ancestor_ids, row.organization_id],
      };
      this.scopes.set(row, scope);
    }
    return scope;
  }

  private judge(row: KeyRow, origin: RequestOrigin): AuthenticatedKey {
    const refusal = apiKeyRefusal(
      { active: row.active, revokedAt: row.revoked_at, graceUntil: row.grace_until, expiresAt: row.expires_at },
      Date.now(),
    );
    const subject = { organizationId: row.organization_id, kind: 'api_key' as const, id: row.id };
    if (refusal) throw refusal.about(subject);
    if (!row.operational) throw new KeywardError('access', Denials.organizationDisabled).about(subject);
    const scope = this.scopeOf(row);
    return {
      principal: {
        kind: 'api_key',
        id: row.id,
        userId: null,
        organizationId: row.organization_id,
        // Shared by every request of this cached row: read-only by type (Principal).
        privileges: scope.privileges,
        categories: scope.categories,
        groups: scope.groups,
        authenticatedBy: 'api_key',
        apiKeyId: row.id,
        registrationKey: row.type === 'registration',
        maxPerSec: row.max_per_sec ?? undefined,
        origin,
      },
      organizationPath: scope.organizationPath,
      expiresAt: row.expires_at,
    };
  }
}
