import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager, IsNull } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { accessDenial, AccessNeed, assertWithinScope, unionScope } from '../auth/grants';
import { includesSubAccounts, Principal } from '../auth/principal';
import { BUILT_IN_PRIVILEGES, privilegeTitle } from '../auth/privileges';
import { isUuid } from '../common/crypto';
import { assertFutureExpiry } from '../common/expiry';
import { Cursor } from '../common/cursor';
import { describeError } from '../common/errors/error-catalog';
import { KeywardError, Messages, notFound } from '../common/errors/keyward-error';
import { keysetPage } from '../database/keyset';
import { isUniqueViolation } from '../database/postgres-errors';
import { PrivilegeCatalogService } from '../organizations/privilege-catalog.service';
import { creatorName, RolesService } from '../organizations/roles.service';
import { RateLimitState } from '../rate-limit/rate-limit-headers';
import { RateLimitService } from '../rate-limit/rate-limit.service';
import { ApiKeyAuthenticator, REGISTER_SERVERS } from './api-key-authenticator';
import { generateApiKey, importedKeyProblem, maskApiKey } from './api-key-format';
import { ApiKeyStatus } from './api-key-state';
import { ApiKeyEntity, ApiKeyType } from './api-key.entity';
import { UsageReport, UsageService } from './usage.service';

export interface ApiKeyInput {
  title?: string;
  description?: string;
  active?: boolean;
  type?: ApiKeyType;
  privileges?: string[];
  roles?: string[];
  categories?: string[];
  groups?: string[];
  expiresAt?: Date | null;
  maxPerSec?: number | null;
  /** Import of an existing key (migration from another system); creation only. */
  key?: string;
}

export interface ApiKeyFilter {
  status?: ApiKeyStatus;
  q?: string;
  cursor: Cursor | null;
  limit: number;
  offset?: number;
}

export interface IssuedApiKey {
  apiKey: ApiKeyEntity;
  /** The plain key: returned this once, never stored. */
  secret: string;
}

export interface VerifyResult {
  valid: boolean;
  code: string | null;
  description: string | null;
  keyId: string | null;
  organizationId: string | null;
  privileges: string[];
  expiresAt: Date | null;
  ratelimit: RateLimitState | null;
}

/** rotate_api_key's grace period: at most seven days. */
export const MAX_GRACE_SECONDS = 7 * 86_400;

/** Status filters in SQL, matching apiKeyStatus(). */
const STATUS_SQL: Record<ApiKeyStatus, string> = {
  active: 'k.revoked_at IS NULL AND (k.grace_until IS NULL OR k.grace_until > now()) AND k.active AND (k.expires_at IS NULL OR k.expires_at > now())',
  inactive: 'k.revoked_at IS NULL AND (k.grace_until IS NULL OR k.grace_until > now()) AND NOT k.active',
  revoked: 'k.revoked_at IS NOT NULL',
  rotated: 'k.revoked_at IS NULL AND k.grace_until IS NOT NULL AND k.grace_until <= now()',
  expired: 'k.revoked_at IS NULL AND (k.grace_until IS NULL OR k.grace_until > now()) AND k.active AND k.expires_at <= now()',
};

@Injectable()
export class ApiKeysService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authenticator: ApiKeyAuthenticator,
    private readonly roles: RolesService,
    private readonly catalog: PrivilegeCatalogService,
    private readonly activity: ActivityService,
    private readonly usage: UsageService,
    private readonly rateLimits: RateLimitService,
  ) {}

  /** Keys of the principal's organization; revoked keys only when asked for by status. */
  async list(principal: Principal, filter: ApiKeyFilter): Promise<{ rows: ApiKeyEntity[]; total: number }> {
    const query = this.dataSource.manager
      .createQueryBuilder(ApiKeyEntity, 'k')
      .where('k.organization_id = :organizationId', { organizationId: principal.organizationId });
    query.andWhere(filter.status ? STATUS_SQL[filter.status] : 'k.revoked_at IS NULL');
    if (filter.q) {
      const pattern = `%${filter.q.replace(/[\\%_]/g, (character) => `\\${character}`)}%`;
      query.andWhere('(k.title ILIKE :pattern OR k.description ILIKE :pattern OR k.mask ILIKE :pattern)', { pattern });
    }
    const total = await query.getCount();
    keysetPage(query, 'k', filter);
    if (filter.offset) query.offset(filter.offset);
    return { rows: await query.getMany(), total };
  }

  /** With a manager (inside a change), the row is locked until the transaction ends. */
  async get(principal: Principal, id: string, options: { includeRevoked: boolean }, manager?: EntityManager): Promise<ApiKeyEntity> {
    const key = isUuid(id)
      ? await (manager ?? this.dataSource.manager).findOne(ApiKeyEntity, {
          where: { id, organizationId: principal.organizationId, ...(options.includeRevoked ? {} : { revokedAt: IsNull() }) },
          ...(manager ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!key) throw notFound('API Key', id);
    return key;
  }

  async create(principal: Principal, input: ApiKeyInput & { title: string }): Promise<IssuedApiKey> {
    if (input.key !== undefined) {
      const problem = importedKeyProblem(input.key);
      if (problem) throw new KeywardError('validation', `Invalid parameter: key: ${problem}`, { errors: [{ field: 'key', message: problem }] });
    }
    const secret = input.key ?? generateApiKey();
    const type = input.type ?? 'standard';
    const values = {
      title: input.title,
      description: input.description ?? '',
      active: input.active ?? true,
      type,
      privileges: type === 'registration' ? [REGISTER_SERVERS] : uniqueSorted(input.privileges),
      roleIds: [...new Set(input.roles ?? [])],
      categories: [...new Set(input.categories ?? [])],
      groups: [...new Set(input.groups ?? [])],
      expiresAt: input.expiresAt ?? null,
      maxPerSec: input.maxPerSec ?? null,
    };
    assertRegistrationShape(type, input);
    assertFutureExpiry(values.expiresAt, 'expires');
    try {
      return await this.dataSource.transaction(async (manager) => {
        await this.assertGrantable(manager, principal, values);
        values.expiresAt = await this.cappedExpiry(manager, principal.organizationId, values.expiresAt);
        const apiKey = await manager.save(
          ApiKeyEntity,
          manager.create(ApiKeyEntity, {
            ...values,
            organizationId: principal.organizationId,
            digest: this.authenticator.digest(secret),
            mask: maskApiKey(secret),
            createdByKind: principal.kind,
            createdById: principal.id,
            createdByName: await creatorName(manager, principal),
          }),
        );
        await this.activity.record(manager, actorOf(principal), {
          organizationId: principal.organizationId,
          action: Actions.apiKeyCreate,
          target: { kind: 'api_key', id: apiKey.id },
          details: { title: apiKey.title, type, privileges: apiKey.privileges, mask: apiKey.mask, imported: input.key !== undefined },
        });
        return { apiKey, secret };
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new KeywardError('conflict', 'This key is already in use; choose another.');
      throw error;
    }
  }

  /** Shallow merge of the given fields; the key itself never changes. */
  async update(principal: Principal, id: string, input: ApiKeyInput): Promise<ApiKeyEntity> {
    return this.dataSource.transaction(async (manager) => {
      const apiKey = await this.get(principal, id, { includeRevoked: false }, manager);
      if (input.type !== undefined && input.type !== apiKey.type) {
        throw new KeywardError('validation', 'Invalid parameter: type: the type of a key cannot be changed', {
          errors: [{ field: 'type', message: 'cannot be changed' }],
        });
      }
      if (apiKey.type === 'registration') assertRegistrationShape('registration', input);
      // Changing a key wider than yourself would let you repurpose someone else's grant.
      await this.assertGrantable(manager, principal, apiKey);
      const changes: Partial<ApiKeyEntity> = {};
      if (input.title !== undefined) changes.title = input.title;
      if (input.description !== undefined) changes.description = input.description;
      if (input.active !== undefined) changes.active = input.active;
      if (input.privileges !== undefined && apiKey.type === 'standard') changes.privileges = uniqueSorted(input.privileges);
      if (input.roles !== undefined) changes.roleIds = [...new Set(input.roles)];
      if (input.categories !== undefined) changes.categories = [...new Set(input.categories)];
      if (input.groups !== undefined) changes.groups = [...new Set(input.groups)];
      if (input.expiresAt !== undefined) {
        assertFutureExpiry(input.expiresAt, 'expires');
        changes.expiresAt = input.expiresAt;
      }
      if (input.maxPerSec !== undefined) changes.maxPerSec = input.maxPerSec;
      Object.assign(apiKey, changes);
      await this.assertGrantable(manager, principal, apiKey);
      const saved = await manager.save(ApiKeyEntity, apiKey);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.apiKeyUpdate,
        target: { kind: 'api_key', id: apiKey.id },
        details: { changed: Object.keys(changes) },
      });
      return saved;
    });
  }

  /** Refused from the next request on; hidden from lists; the record stays. */
  async revoke(principal: Principal, id: string): Promise<ApiKeyEntity> {
    return this.dataSource.transaction(async (manager) => {
      const apiKey = await this.get(principal, id, { includeRevoked: false }, manager);
      apiKey.revokedAt = new Date();
      const saved = await manager.save(ApiKeyEntity, apiKey);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.apiKeyDelete,
        target: { kind: 'api_key', id: apiKey.id },
        details: { title: apiKey.title, mask: apiKey.mask },
      });
      return saved;
    });
  }

  /** A new key with the same settings; the old one works for `graceSeconds` more, then is disabled. */
  async rotate(principal: Principal, id: string, graceSeconds: number): Promise<IssuedApiKey> {
    const secret = generateApiKey();
    return this.dataSource.transaction(async (manager) => {
      const old = await this.get(principal, id, { includeRevoked: false }, manager);
      if (old.rotatedToId) throw new KeywardError('conflict', `API Key ${old.id} was already rotated; rotate its successor ${old.rotatedToId}.`);
      await this.assertGrantable(manager, principal, old);
      const successor = await manager.save(
        ApiKeyEntity,
        manager.create(ApiKeyEntity, {
          organizationId: old.organizationId,
          digest: this.authenticator.digest(secret),
          mask: maskApiKey(secret),
          title: old.title,
          description: old.description,
          active: old.active,
          type: old.type,
          privileges: old.privileges,
          roleIds: old.roleIds,
          categories: old.categories,
          groups: old.groups,
          expiresAt: old.expiresAt,
          maxPerSec: old.maxPerSec,
          createdByKind: principal.kind,
          createdById: principal.id,
          createdByName: await creatorName(manager, principal),
          rotatedFromId: old.id,
        }),
      );
      old.rotatedToId = successor.id;
      old.graceUntil = new Date(Date.now() + graceSeconds * 1000);
      await manager.save(ApiKeyEntity, old);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.apiKeyRotate,
        target: { kind: 'api_key', id: old.id },
        details: { successor_id: successor.id, grace_seconds: graceSeconds, mask: successor.mask },
      });
      return { apiKey: successor, secret };
    });
  }

  async usageOf(principal: Principal, id: string): Promise<UsageReport> {
    const apiKey = await this.get(principal, id, { includeRevoked: true });
    return this.usage.report(apiKey.id);
  }

  /**
   * For other services: is this key valid, and does it hold what they need? An invalid key is an
   * answer (valid: false with the v1 code and description), not an error. Keys outside the
   * caller's organization and its sub-accounts are answered as unknown.
   */
  async verify(principal: Principal, key: string, need: AccessNeed): Promise<VerifyResult> {
    try {
      const found = await this.authenticator.find(key);
      const path = found?.organizationPath ?? [];
      const own = path[path.length - 1] === principal.organizationId;
      const subAccount = includesSubAccounts(principal) && path.includes(principal.organizationId);
      // Another organization's key is unknown here, whatever its state.
      if (!found || (!own && !subAccount)) throw new KeywardError('session', Messages.invalidApiKey);
      const { principal: keyPrincipal, expiresAt } = found.judge(principal.origin);
      const ratelimit = keyPrincipal.maxPerSec ? await this.rateLimits.hitKey(keyPrincipal.id, keyPrincipal.maxPerSec) : null;
      this.usage.record(keyPrincipal.id, principal.origin.ip);
      // Built-in titles cost nothing; the catalog is read only when a denial names a custom privilege.
      let denial = accessDenial(keyPrincipal, need, privilegeTitle);
      if (denial && need.privilege !== undefined && !(need.privilege in BUILT_IN_PRIVILEGES)) {
        denial = accessDenial(keyPrincipal, need, await this.catalog.titles(keyPrincipal.organizationId));
      }
      return {
        valid: denial === null,
        code: denial === null ? null : 'access',
        description: denial,
        keyId: keyPrincipal.id,
        organizationId: keyPrincipal.organizationId,
        privileges: [...keyPrincipal.privileges].sort(),
        expiresAt: expiresAt === null ? null : new Date(expiresAt),
        ratelimit,
      };
    } catch (error) {
      if (!(error instanceof KeywardError)) throw error;
      return {
        valid: false,
        code: describeError(error.code).v1Code,
        description: error.description,
        keyId: null,
        organizationId: null,
        privileges: [],
        expiresAt: null,
        ratelimit: null,
      };
    }
  }

  /** The organization's maximum key lifetime: a key without expiry gets the cap, a later one is refused. */
  private async cappedExpiry(manager: EntityManager, organizationId: string, expiresAt: Date | null): Promise<Date | null> {
    const [{ max_key_lifetime_days: days }] = await manager.query(`SELECT max_key_lifetime_days FROM organizations WHERE id = $1`, [organizationId]);
    if (days === null) return expiresAt;
    const cap = new Date(Date.now() + days * 86_400_000);
    if (expiresAt === null) return cap;
    if (expiresAt > cap) {
      throw new KeywardError('validation', `Invalid parameter: expires: this organization allows keys of at most ${days} days`, {
        errors: [{ field: 'expires', message: `at most ${days} days from now (organization policy)` }],
      });
    }
    return expiresAt;
  }

  private async assertGrantable(
    manager: EntityManager,
    principal: Principal,
    key: Pick<ApiKeyEntity, 'privileges' | 'roleIds' | 'categories' | 'groups'>,
  ): Promise<void> {
    await this.catalog.assertKnown(principal.organizationId, key.privileges, 'privileges', manager);
    const roles = await this.roles.findAll(manager, principal.organizationId, key.roleIds);
    const effective = unionScope(key, roles);
    assertWithinScope(principal, { ...effective, privileges: [...effective.privileges] }, await this.catalog.titles(principal.organizationId, manager));
  }
}

function uniqueSorted(values: string[] | undefined): string[] {
  return [...new Set(values ?? [])].sort();
}

/** A registration key carries only register_servers and nothing else, and can never be widened. */
function assertRegistrationShape(type: ApiKeyType, input: ApiKeyInput): void {
  if (type !== 'registration') return;
  const widening =
    (input.privileges !== undefined && (input.privileges.length !== 1 || input.privileges[0] !== REGISTER_SERVERS) && input.privileges.length !== 0) ||
    (input.roles?.length ?? 0) > 0 ||
    (input.categories?.length ?? 0) > 0 ||
    (input.groups?.length ?? 0) > 0;
  if (widening) {
    throw new KeywardError('validation', 'A registration key carries only the register_servers privilege and cannot be widened.', {
      errors: [{ field: 'privileges', message: 'a registration key carries only register_servers' }],
    });
  }
}
