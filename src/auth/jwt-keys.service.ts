import { Injectable, Logger, OnModuleInit } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createHash, createPrivateKey, createPublicKey, generateKeyPairSync, JsonWebKey, KeyObject, randomBytes } from 'node:crypto';
import { seal, unseal } from '../common/sealing';
import { DataSource } from 'typeorm';
import { AppConfig } from '../config/app-config';

export const JWT_ALGORITHM = 'ES256';
/** Same purpose string as before the helper existed, so stored keys stay readable. */
const SEALING_PURPOSE = 'jwt-signing-key';

interface SigningKeyRow {
  kid: string;
  public_jwk: JsonWebKey;
  private_key_sealed: Buffer;
  retired_at: Date | null;
}

/**
 * The ES256 key pair that signs JWTs: generated on first start and kept in the database with the
 * private key sealed (AES-256-GCM under a key derived from APP_SECRET), so every instance signs
 * with the same key and the JWKS lists it.
 */
@Injectable()
export class JwtKeysService implements OnModuleInit {
  private readonly logger = new Logger('JwtKeys');
  private signing: { kid: string; privateKey: KeyObject } | null = null;
  private publicKeys = new Map<string, { pem: string; jwk: JsonWebKey }>();

  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
  ) {}

  async onModuleInit(): Promise<void> {
    const configured = this.config.env.JWT_PRIVATE_KEY;
    if (configured) {
      this.useConfiguredKey(configured);
      return;
    }
    await this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('keyward:signing-keys'))`);
      const existing: SigningKeyRow[] = await manager.query(`SELECT kid FROM signing_keys WHERE retired_at IS NULL LIMIT 1`);
      if (existing.length === 0) {
        const { publicKey, privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
        const jwk = publicKey.export({ format: 'jwk' });
        const kid = randomBytes(12).toString('base64url');
        const pem = privateKey.export({ format: 'pem', type: 'pkcs8' }).toString();
        await manager.query(
          `INSERT INTO signing_keys (kid, algorithm, public_jwk, private_key_sealed) VALUES ($1, $2, $3, $4)`,
          [kid, JWT_ALGORITHM, JSON.stringify(jwk), this.seal(pem)],
        );
        this.logger.log(`generated JWT signing key ${kid}`);
      }
    });
    await this.load();
  }

  private async load(): Promise<void> {
    const rows: SigningKeyRow[] = await this.dataSource.query(
      `SELECT kid, public_jwk, private_key_sealed, retired_at FROM signing_keys ORDER BY created_at DESC`,
    );
    this.publicKeys = new Map(
      rows.map((row) => [
        row.kid,
        { pem: createPublicKey({ key: row.public_jwk, format: 'jwk' }).export({ format: 'pem', type: 'spki' }).toString(), jwk: row.public_jwk },
      ]),
    );
    const active = rows.find((row) => row.retired_at === null);
    if (!active) throw new Error('no active JWT signing key');
    this.signing = { kid: active.kid, privateKey: createPrivateKey(this.unseal(active.private_key_sealed)) };
  }

  /** JWT_PRIVATE_KEY: the operator's own key; its kid is its JWK thumbprint. */
  private useConfiguredKey(pem: string): void {
    const privateKey = createPrivateKey(pem);
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1') {
      throw new Error('JWT_PRIVATE_KEY must be an EC P-256 key (ES256)');
    }
    const publicKey = createPublicKey(privateKey);
    const jwk = publicKey.export({ format: 'jwk' });
    const kid = createHash('sha256')
      .update(JSON.stringify({ crv: jwk.crv, kty: jwk.kty, x: jwk.x, y: jwk.y }))
      .digest('base64url');
    this.publicKeys = new Map([[kid, { pem: publicKey.export({ format: 'pem', type: 'spki' }).toString(), jwk }]]);
    this.signing = { kid, privateKey };
  }

  get signingKey(): { kid: string; privateKey: KeyObject } {
    if (!this.signing) throw new Error('JWT signing key not loaded');
    return this.signing;
  }

  /** The PEM of the public key with this id, if Keyward issued it. */
  publicKeyPem(kid: string): string | undefined {
    return this.publicKeys.get(kid)?.pem;
  }

  /** The JWKS document: public keys only. */
  jwks(): { keys: Array<JsonWebKey & { kid: string; alg: string; use: string }> } {
    return {
      keys: [...this.publicKeys.entries()].map(([kid, { jwk }]) => ({ ...jwk, kid, alg: JWT_ALGORITHM, use: 'sig' })),
    };
  }

  private seal(plain: string): Buffer {
    return seal(this.config.appSecret, SEALING_PURPOSE, plain);
  }

  private unseal(sealed: Buffer): string {
    return unseal(this.config.appSecret, SEALING_PURPOSE, sealed);
  }
}
