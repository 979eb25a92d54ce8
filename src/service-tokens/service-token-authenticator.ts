import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import type { FastifyRequest } from 'fastify';
import { DataSource } from 'typeorm';
import { AccessService } from '../auth/access.service';
import { Principal } from '../auth/principal';
import { originOf } from '../auth/user-principal.factory';
import { addressInRanges } from '../common/cidr';
import { connectionFingerprint, keyedDigest, safeEqual } from '../common/crypto';
import { KeywardError } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { CacheSpace, CredentialCache } from '../auth/credential-cache';
import { isWellFormedServiceToken } from './token-format';

export const TokenMessages = {
  invalid: 'Invalid service token.',
  revoked: 'Service token is revoked.',
  expired: 'Service token is expired.',
  ownerWithoutAccess: 'The owner of this service token no longer has access to its organization.',
  clientId: 'This service token is bound to IP ranges: send its client id in X-User-Id.',
  address: 'This service token may not be used from this address.',
} as const;

export const SERVICE_TOKEN_DIGEST_PURPOSE = 'service_token';

interface TokenRow {
  id: string;
  organization_id: string;
  owner_user_id: string;
  client_id: string;
  privileges: string[] | null;
  ip_ranges: string[];
  expires_at: Date | null;
  revoked_at: Date | null;
  grace_until: Date | null;
  owner_active: boolean;
}

/**
 * A presented service token → the principal of its owner in the token's organization, narrowed
 * by the token. The owner's access is read on every request, so a privilege or membership the
 * owner loses is lost by the token on its next request.
 */
@Injectable()
export class ServiceTokenAuthenticator {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly access: AccessService,
    private readonly config: AppConfig,
    cache: CredentialCache,
  ) {
    this.rows = cache.space<TokenRow>();
  }

  /** Stored token state by the fingerprint of the presented token. */
  private readonly rows: CacheSpace<TokenRow>;

  digest(token: string): Buffer {
    return keyedDigest(this.config.appSecret, token, SERVICE_TOKEN_DIGEST_PURPOSE);
  }

  async authenticate(token: string, request: FastifyRequest): Promise<Principal> {
    if (!isWellFormedServiceToken(token)) throw new KeywardError('session', TokenMessages.invalid);
    const row = await this.rows.through(connectionFingerprint(request.raw?.socket, token), () => this.load(this.digest(token)));
    return this.judge(row, request);
  }

  private async load(digest: Buffer): Promise<TokenRow | null> {
    const rows: TokenRow[] = await this.dataSource.query(
      `SELECT t.id, t.organization_id, t.owner_user_id, t.client_id, t.privileges, t.ip_ranges, t.expires_at,
              t.revoked_at, t.grace_until, u.active AS owner_active
       FROM service_tokens t JOIN users u ON u.id = t.owner_user_id
       WHERE t.digest = $1`,
      [digest],
    );
    return rows[0] ?? null;
  }

  /** State, IP binding and the owner's access, judged on every request (the row may come from the cache). */
  private async judge(row: TokenRow | null, request: FastifyRequest): Promise<Principal> {
    if (!row) throw new KeywardError('session', TokenMessages.invalid);
    const now = Date.now();
    const subject = { organizationId: row.organization_id, kind: 'service_token' as const, id: row.id };
    const refuse = (code: 'session' | 'access', message: string) => new KeywardError(code, message).about(subject);
    if (row.revoked_at || (row.grace_until && row.grace_until.getTime() <= now)) throw refuse('session', TokenMessages.revoked);
    if (row.expires_at && row.expires_at.getTime() <= now) throw refuse('session', TokenMessages.expired);
    if (row.ip_ranges.length > 0) {
      const clientId = request.headers['x-user-id'];
      if (typeof clientId !== 'string' || !safeEqual(clientId, row.client_id)) throw refuse('session', TokenMessages.clientId);
      if (!addressInRanges(request.ip, row.ip_ranges)) throw refuse('access', TokenMessages.address);
    }
    if (!row.owner_active) throw refuse('session', TokenMessages.ownerWithoutAccess);
    const ownerAccess = await this.access.forUser(row.owner_user_id, row.organization_id).catch((error: unknown) => {
      if (error instanceof KeywardError && error.description.startsWith('You do not have access')) {
        throw new KeywardError('session', TokenMessages.ownerWithoutAccess).about(subject);
      }
      throw error;
    });
    const privileges = row.privileges === null ? ownerAccess.privileges : narrow(ownerAccess.privileges, row.privileges);
    return {
      kind: 'service_token',
      id: row.id,
      userId: row.owner_user_id,
      organizationId: row.organization_id,
      privileges,
      categories: ownerAccess.categories,
      groups: ownerAccess.groups,
      authenticatedBy: 'service_token',
      serviceTokenId: row.id,
      origin: originOf(request),
    };
  }
}

/** The owner's privileges limited to the token's list; an admin owner holds every listed one. */
export function narrow(owner: ReadonlySet<string>, allowed: readonly string[]): Set<string> {
  return new Set(allowed.filter((privilege) => owner.has('admin') || owner.has(privilege)));
}
