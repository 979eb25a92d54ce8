import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { assertWithinScope } from '../auth/grants';
import { holdsPrivilege, isAdmin, Principal } from '../auth/principal';
import { normalizeCidr } from '../common/cidr';
import { isUuid } from '../common/crypto';
import { assertFutureExpiry } from '../common/expiry';
import { Cursor } from '../common/cursor';
import { KeywardError, notFound } from '../common/errors/keyward-error';
import { keysetPage } from '../database/keyset';
import { MAX_GRACE_SECONDS } from '../keys/api-keys.service';
import { PrivilegeCatalogService } from '../organizations/privilege-catalog.service';
import { ServiceTokenAuthenticator } from './service-token-authenticator';
import { ServiceTokenEntity } from './service-token.entity';
import { generateClientId, generateServiceToken, maskServiceToken } from './token-format';

export interface ServiceTokenInput {
  name?: string;
  /** Narrowing list; null removes the narrowing (the token then holds all of its owner's privileges). */
  privileges?: string[] | null;
  ipRanges?: string[];
  expiresAt?: Date | null;
}

export interface IssuedServiceToken {
  token: ServiceTokenEntity;
  secret: string;
}

export const MAX_IP_RANGES = 100;

export type ServiceTokenStatus = 'active' | 'revoked' | 'rotated' | 'expired';

export function serviceTokenStatus(token: ServiceTokenEntity, now = Date.now()): ServiceTokenStatus {
  if (token.revokedAt) return 'revoked';
  if (token.graceUntil && token.graceUntil.getTime() <= now) return 'rotated';
  if (token.expiresAt && token.expiresAt.getTime() <= now) return 'expired';
  return 'active';
}

/**
 * Service tokens of the principal's organization. A token belongs to the user who made it; its
 * owner (or an admin) changes and rotates it; holders of `delete_service_tokens` see and revoke
 * every token of the organization.
 */
@Injectable()
export class ServiceTokensService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly authenticator: ServiceTokenAuthenticator,
    private readonly catalog: PrivilegeCatalogService,
    private readonly activity: ActivityService,
  ) {}

  async list(principal: Principal, page: { cursor: Cursor | null; limit: number }): Promise<ServiceTokenEntity[]> {
    const query = this.dataSource.manager
      .createQueryBuilder(ServiceTokenEntity, 't')
      .where('t.organization_id = :organizationId', { organizationId: principal.organizationId })
      .andWhere('t.revoked_at IS NULL');
    if (!managesAll(principal)) query.andWhere('t.owner_user_id = :owner', { owner: principal.userId ?? '00000000-0000-0000-0000-000000000000' });
    return keysetPage(query, 't', page).getMany();
  }

  async get(principal: Principal, id: string, manager?: EntityManager, forUpdate = false): Promise<ServiceTokenEntity> {
    const token = isUuid(id)
      ? await (manager ?? this.dataSource.manager).findOne(ServiceTokenEntity, {
          where: { id, organizationId: principal.organizationId },
          ...(forUpdate ? { lock: { mode: 'pessimistic_write' as const } } : {}),
        })
      : null;
    if (!token || (!managesAll(principal) && token.ownerUserId !== principal.userId)) throw notFound('Service token', id);
    return token;
  }

  async create(principal: Principal, input: ServiceTokenInput & { name: string }): Promise<IssuedServiceToken> {
    if (!principal.userId) {
      throw new KeywardError('access', 'Service tokens belong to a user: create them while signed in as that user.');
    }
    const ownerUserId = principal.userId;
    const secret = generateServiceToken();
    // A token made by a narrowed token is never wider than it.
    const privileges = input.privileges === undefined || input.privileges === null
      ? principal.kind === 'service_token' ? [...principal.privileges].sort() : null
      : [...new Set(input.privileges)].sort();
    const ipRanges = normalizeRanges(input.ipRanges ?? []);
    assertFutureExpiry(input.expiresAt, 'expires_at');
    return this.dataSource.transaction(async (manager) => {
      await this.assertWithinOwner(manager, principal, privileges);
      const token = await manager.save(
        ServiceTokenEntity,
        manager.create(ServiceTokenEntity, {
          organizationId: principal.organizationId,
          ownerUserId,
          name: input.name,
          clientId: generateClientId(),
          digest: this.authenticator.digest(secret),
          mask: maskServiceToken(secret),
          privileges,
          ipRanges,
          expiresAt: input.expiresAt ?? null,
        }),
      );
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.serviceTokenCreate,
        target: { kind: 'service_token', id: token.id },
        details: { name: token.name, privileges, ip_ranges: ipRanges, mask: token.mask },
      });
      return { token, secret };
    });
  }

  /** Name, ranges, narrowing and expiry; never the owner or the organization. */
  async update(principal: Principal, id: string, input: ServiceTokenInput): Promise<ServiceTokenEntity> {
    return this.dataSource.transaction(async (manager) => {
      const token = await this.ownedLive(principal, id, manager);
      const changed: string[] = [];
      if (input.name !== undefined) {
        token.name = input.name;
        changed.push('name');
      }
      if (input.privileges !== undefined) {
        token.privileges = input.privileges === null ? null : [...new Set(input.privileges)].sort();
        await this.assertWithinOwner(manager, principal, token.privileges);
        changed.push('privileges');
      }
      if (input.ipRanges !== undefined) {
        token.ipRanges = normalizeRanges(input.ipRanges);
        changed.push('ip_ranges');
      }
      if (input.expiresAt !== undefined) {
        assertFutureExpiry(input.expiresAt, 'expires_at');
        token.expiresAt = input.expiresAt;
        changed.push('expires_at');
      }
      const saved = await manager.save(ServiceTokenEntity, token);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.serviceTokenUpdate,
        target: { kind: 'service_token', id: token.id },
        details: { changed, ip_ranges: token.ipRanges, privileges: token.privileges },
      });
      return saved;
    });
  }

  async revoke(principal: Principal, id: string): Promise<ServiceTokenEntity> {
    return this.dataSource.transaction(async (manager) => {
      const token = await this.get(principal, id, manager, true);
      if (token.revokedAt) throw notFound('Service token', id);
      if (token.ownerUserId !== principal.userId && !holdsPrivilege(principal, 'delete_service_tokens')) {
        throw new KeywardError('access', "You do not have the 'Delete Service Tokens' privilege required to perform this action.");
      }
      token.revokedAt = new Date();
      const saved = await manager.save(ServiceTokenEntity, token);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.serviceTokenRevoke,
        target: { kind: 'service_token', id: token.id },
        details: { name: token.name, mask: token.mask },
      });
      return saved;
    });
  }

  async rotate(principal: Principal, id: string, graceSeconds: number): Promise<IssuedServiceToken> {
    if (graceSeconds < 0 || graceSeconds > MAX_GRACE_SECONDS) throw new KeywardError('validation', 'Invalid parameter: grace_seconds');
    const secret = generateServiceToken();
    return this.dataSource.transaction(async (manager) => {
      const old = await this.ownedLive(principal, id, manager);
      if (old.rotatedToId) throw new KeywardError('conflict', `Service token ${old.id} was already rotated; rotate its successor ${old.rotatedToId}.`);
      const successor = await manager.save(
        ServiceTokenEntity,
        manager.create(ServiceTokenEntity, {
          organizationId: old.organizationId,
          ownerUserId: old.ownerUserId,
          name: old.name,
          clientId: old.clientId,
          digest: this.authenticator.digest(secret),
          mask: maskServiceToken(secret),
          privileges: old.privileges,
          ipRanges: old.ipRanges,
          expiresAt: old.expiresAt,
          rotatedFromId: old.id,
        }),
      );
      old.rotatedToId = successor.id;
      old.graceUntil = new Date(Date.now() + graceSeconds * 1000);
      await manager.save(ServiceTokenEntity, old);
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: Actions.serviceTokenRotate,
        target: { kind: 'service_token', id: old.id },
        details: { successor_id: successor.id, grace_seconds: graceSeconds, mask: successor.mask },
      });
      return { token: successor, secret };
    });
  }

  /**
   * A live token the principal may change: its owner (signed in, not through a token: a token that
   * could edit tokens could widen itself or drop its own IP binding), or an admin. Locked until
   * the transaction ends, so a concurrent revocation cannot be overwritten.
   */
  private async ownedLive(principal: Principal, id: string, manager: EntityManager): Promise<ServiceTokenEntity> {
    refuseTokenManagingTokens(principal);
    const token = await this.get(principal, id, manager, true);
    if (token.revokedAt) throw notFound('Service token', id);
    if (token.ownerUserId !== principal.userId && !isAdmin(principal)) {
      throw new KeywardError('access', 'Only the owner of a service token, or an administrator, can change it.');
    }
    return token;
  }

  /** The narrowing list must be within the acting principal's own privileges. */
  private async assertWithinOwner(manager: EntityManager, principal: Principal, privileges: string[] | null): Promise<void> {
    if (privileges === null) return;
    await this.catalog.assertKnown(principal.organizationId, privileges, 'privileges', manager);
    assertWithinScope(principal, { privileges, categories: principal.categories, groups: principal.groups }, await this.catalog.titles(principal.organizationId, manager));
  }
}

function refuseTokenManagingTokens(principal: Principal): void {
  if (principal.kind === 'service_token') {
    throw new KeywardError('access', 'A service token cannot change service tokens; sign in as their owner.');
  }
}

function managesAll(principal: Principal): boolean {
  return holdsPrivilege(principal, 'delete_service_tokens');
}

function normalizeRanges(ranges: string[]): string[] {
  if (ranges.length > MAX_IP_RANGES) {
    throw new KeywardError('validation', `Invalid parameter: ip_ranges: at most ${MAX_IP_RANGES} ranges`, { errors: [{ field: 'ip_ranges', message: `at most ${MAX_IP_RANGES} ranges` }] });
  }
  return [
    ...new Set(
      ranges.map((range) => {
        const normalized = normalizeCidr(range);
        if (!normalized) {
          const shown = range.slice(0, 64);
          throw new KeywardError('validation', `Invalid parameter: ip_ranges: '${shown}' is not a CIDR range`, {
            errors: [{ field: 'ip_ranges', message: `'${shown}' is not a CIDR range (such as 10.0.0.0/8 or 2001:db8::/32)` }],
          });
        }
        return normalized;
      }),
    ),
  ];
}
