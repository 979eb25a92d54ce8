import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { isUuid } from '../common/crypto';
import { PairKeys } from '../common/pair-keys';
import { KeywardError } from '../common/errors/keyward-error';
import { CacheSpace, CredentialCache } from './credential-cache';
import { Grant, unionScope } from './grants';
import { ADMIN_PRIVILEGE } from './privileges';

/** What a user may do in one organization. */
export interface OrganizationAccess {
  organizationId: string;
  privileges: Set<string>;
  categories: string[];
  groups: string[];
}

interface AccessRow {
  operational: boolean;
  is_member: boolean;
  privileges: string[] | null;
  categories: string[] | null;
  groups: string[] | null;
  roles: Array<Grant & { enabled: boolean }>;
  ancestor_admin: boolean;
}

export const Denials = {
  organizationDisabled: 'This organization is disabled.',
  noAccess: (organizationId: string) => `You do not have access to organization ${organizationId}.`,
} as const;

@Injectable()
export class AccessService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    cache: CredentialCache,
  ) {
    this.cached = cache.space<OrganizationAccess>();
  }

  /** Granted access by user and organization; refusals are never cached. */
  private readonly cached: CacheSpace<OrganizationAccess>;
  /** The cache's keys, `userId:organizationId`: the JWT hot path looks one up on every request. */
  private readonly keys = new PairKeys();

  /**
   * The user's access in `organizationId`: their membership there, or — for an admin of an
   * ancestor organization — admin in the sub-account. Members of a sub-account get nothing in its
   * parent or siblings. A disabled organization (or one under a disabled ancestor) grants nothing.
   */
  async forUser(userId: string, organizationId: string): Promise<OrganizationAccess> {
    if (!isUuid(organizationId)) throw new KeywardError('access', Denials.noAccess(String(organizationId).slice(0, 64)));
    const access = await this.cached.through(this.keys.of(userId, organizationId), () => this.load(userId, organizationId).catch(() => null));
    // A refusal is never cached: load again for its exact reason.
    return access ?? this.load(userId, organizationId);
  }

  /**
   * `forUser` from the cache alone; undefined when only `forUser` can tell (not cached, or
   * refused). `stored` says the organization id comes from a stored row (a session's own
   * organization), not from the request, so it needs no format check.
   */
  forUserNow(userId: string, organizationId: string, stored = false): OrganizationAccess | undefined {
    if (!stored && !isUuid(organizationId)) return undefined;
    return this.cached.get(this.keys.of(userId, organizationId)) ?? undefined;
  }

  private async load(userId: string, organizationId: string): Promise<OrganizationAccess> {
    const rows: AccessRow[] = await this.dataSource.query(
      `SELECT
         NOT EXISTS (SELECT 1 FROM organizations a
                     WHERE (a.id = o.id OR a.id = ANY(o.ancestor_ids)) AND a.status <> 'active') AS operational,
         m.id IS NOT NULL AS is_member, m.privileges, m.categories, m.groups,
         COALESCE((SELECT json_agg(json_build_object('enabled', r.enabled, 'privileges', r.privileges,
                                                     'categories', r.categories, 'groups', r.groups))
                   FROM roles r WHERE r.id = ANY(m.role_ids) AND r.organization_id = o.id), '[]'::json) AS roles,
         EXISTS (SELECT 1 FROM memberships am
                 WHERE am.user_id = $1 AND am.organization_id = ANY(o.ancestor_ids)
                   AND ($3 = ANY(am.privileges)
                        OR EXISTS (SELECT 1 FROM roles ar WHERE ar.id = ANY(am.role_ids) AND ar.enabled
                                   AND ar.organization_id = am.organization_id AND $3 = ANY(ar.privileges)))) AS ancestor_admin
       FROM organizations o
       LEFT JOIN memberships m ON m.organization_id = o.id AND m.user_id = $1
       WHERE o.id = $2`,
      [userId, organizationId, ADMIN_PRIVILEGE],
    );
    const row = rows[0];
    if (!row || (!row.is_member && !row.ancestor_admin)) {
      throw new KeywardError('access', Denials.noAccess(organizationId));
    }
    if (!row.operational) throw new KeywardError('access', Denials.organizationDisabled);
    if (row.ancestor_admin) {
      return { organizationId, privileges: new Set([ADMIN_PRIVILEGE]), categories: [], groups: [] };
    }
    const scope = unionScope(
      { privileges: row.privileges ?? [], categories: row.categories ?? [], groups: row.groups ?? [] },
      row.roles,
    );
    return { organizationId, privileges: new Set(scope.privileges), categories: [...scope.categories], groups: [...scope.groups] };
  }
}
