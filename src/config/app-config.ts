import { chmodSync, existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { normalizeCidr } from '../common/cidr';
import { EnvironmentVariables } from './environment';

/** The validated environment plus what is derived from it at start. Injected as a value. */
export class AppConfig {
  constructor(
    readonly env: EnvironmentVariables,
    /** Key of every keyed hash (HMAC-SHA-256) of a stored secret. */
    readonly appSecret: Buffer,
    /** The database actually used: DATABASE_URL or the embedded server's address. */
    readonly databaseUrl: string,
    readonly embedded: boolean,
    /** The deployment's id (one per database): the namespace of its Redis keys and channels. */
    readonly deploymentId: string,
  ) {}

  /** Prefix of every Redis key and channel of this deployment. */
  get redisNamespace(): string {
    return `keyward:${this.deploymentId}:`;
  }

  /** Normalized CIDRs (validated at start). */
  get trustedProxies(): string[] {
    return this.env.TRUST_PROXY.split(',')
      .map((entry) => normalizeCidr(entry))
      .filter((entry): entry is string => entry !== null);
  }
}

/**
 * APP_SECRET when set; otherwise (embedded mode only, enforced by validation) a secret generated
 * on first start and kept in DATA_DIR, so that stored digests stay valid across restarts.
 */
export function resolveAppSecret(env: EnvironmentVariables): Buffer {
  if (env.APP_SECRET) return Buffer.from(env.APP_SECRET, 'utf8');
  const dir = resolve(env.DATA_DIR);
  const file = join(dir, 'app-secret');
  if (existsSync(file)) {
    const stored = readFileSync(file, 'utf8').trim();
    if (stored.length < 32) throw new Error(`${file} is corrupt: expected at least 32 characters`);
    return Buffer.from(stored, 'utf8');
  }
  mkdirSync(dir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  chmodSync(file, 0o600);
  return Buffer.from(secret, 'utf8');
}
