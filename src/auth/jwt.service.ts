import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { randomUUID } from 'node:crypto';
import { DataSource, EntityManager } from 'typeorm';
import { AppConfig } from '../config/app-config';
import { isUniqueViolation } from '../database/postgres-errors';
import { CacheSpace, CredentialCache } from './credential-cache';
import { JwtKeysService } from './jwt-keys.service';
import { signEs256 } from './token-claims';

export interface AccessTokenClaims {
  iss: string;
  aud: string;
  sub: string;
  org: string;
  sid: string;
  jti: string;
  iat: number;
  nbf: number;
  exp: number;
}

export interface IssuedToken {
  token: string;
  expiresIn: number;
}

@Injectable()
export class JwtService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly keys: JwtKeysService,
    private readonly config: AppConfig,
    cache: CredentialCache,
  ) {
    this.notRevoked = cache.space<true>();
  }

  /** Token ids known not to be revoked (a refresh, which revokes, empties the cache everywhere). */
  private readonly notRevoked: CacheSpace<true>;

  /** A JWT bound to the session; it never outlives the session's absolute end. */
  issue(session: { id: string; userId: string; organizationId: string; expiresAt: Date }): IssuedToken {
    const now = Math.floor(Date.now() / 1000);
    const exp = Math.min(now + this.config.env.JWT_TTL, Math.floor(session.expiresAt.getTime() / 1000));
    const { kid, privateKey } = this.keys.signingKey;
    const claims = {
      iss: this.config.env.JWT_ISSUER,
      aud: this.config.env.JWT_AUDIENCE,
      sub: session.userId,
      org: session.organizationId,
      sid: session.id,
      jti: randomUUID(),
      iat: now,
      nbf: now,
      exp,
    };
    const token = signEs256(claims, privateKey, kid);
    return { token, expiresIn: Math.max(exp - now, 0) };
  }

  /** Revokes a token id; false when it was already revoked (a replay). */
  async revoke(claims: Pick<AccessTokenClaims, 'jti' | 'sid' | 'exp'>, manager?: EntityManager): Promise<boolean> {
    try {
      await (manager ?? this.dataSource.manager).query(
        `INSERT INTO revoked_tokens (jti, session_id, expires_at) VALUES ($1, $2, to_timestamp($3))`,
        [claims.jti, claims.sid, claims.exp],
      );
      return true;
    } catch (error) {
      if (isUniqueViolation(error)) return false;
      throw error;
    }
  }

  /** False when "not revoked" is cached; undefined when only `isRevoked` can tell. */
  isRevokedNow(jti: string): false | undefined {
    return this.notRevoked.get(jti) === true ? false : undefined;
  }

  /** Only "not revoked" is cached; a refresh (which revokes) empties the cache on every instance. */
  async isRevoked(jti: string): Promise<boolean> {
    const live = await this.notRevoked.through(jti, async () => {
      const rows: unknown[] = await this.dataSource.query(`SELECT 1 FROM revoked_tokens WHERE jti = $1`, [jti]);
      return rows.length > 0 ? null : true;
    });
    return live === null;
  }
}
