import { plainToInstance, Transform } from 'class-transformer';
import { normalizeCidr } from '../common/cidr';
import {
  IsBoolean,
  IsEmail,
  IsNumber,
  IsIn,
  IsInt,
  IsOptional,
  IsString,
  Matches,
  Max,
  MaxLength,
  Min,
  MinLength,
  ValidateIf,
  validateSync,
} from 'class-validator';

const toInt = ({ value }: { value: unknown }) =>
  typeof value === 'string' && /^-?\d+$/.test(value.trim()) ? Number(value.trim()) : value;
const emptyToUndefined = ({ value }: { value: unknown }) =>
  typeof value === 'string' && value.trim() === '' ? undefined : value;

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/**
 * Every environment variable the service reads, with its default. `.env.example` documents the
 * same list; a value that fails validation stops the process with a message naming the variable.
 */
export class EnvironmentVariables {
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(65535)
  PORT = 3000;

  @IsString()
  @MinLength(1)
  HOST = '127.0.0.1';

  /** A PostgreSQL server; when unset, an embedded PostgreSQL (PGlite) runs under DATA_DIR. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^postgres(ql)?:\/\/\S+$/, { message: 'must be a postgres:// or postgresql:// URL' })
  DATABASE_URL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/^rediss?:\/\/\S+$/, { message: 'must be a redis:// or rediss:// URL' })
  REDIS_URL?: string;

  @IsString()
  @MinLength(1)
  DATA_DIR = './data';

  /**
   * Key for the keyed hashes of every stored secret. Generated and kept under DATA_DIR in
   * embedded mode; with DATABASE_URL several instances must share one, so it is required.
   */
  @Transform(emptyToUndefined)
  @ValidateIf((env: EnvironmentVariables) => env.DATABASE_URL !== undefined || env.APP_SECRET !== undefined)
  // With stopAtFirstError the decorator nearest the property runs first.
  @MinLength(32, { message: 'must be at least 32 characters' })
  @IsString({ message: 'is required when DATABASE_URL is set' })
  APP_SECRET?: string;

  /** Comma-separated CIDRs of reverse proxies whose X-Forwarded-For is believed. Empty: none. */
  @IsString()
  @Matches(/^[0-9a-fA-F:.,/\s]*$/, { message: 'must be a comma-separated list of CIDR ranges' })
  TRUST_PROXY = '';

  @IsIn(LOG_LEVELS)
  LOG_LEVEL: LogLevel = 'info';

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsEmail({}, { message: 'must be an email address' })
  BOOTSTRAP_ADMIN_EMAIL?: string;

  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(8, { message: 'must be at least 8 characters' })
  @MaxLength(256, { message: 'must be at most 256 characters' })
  BOOTSTRAP_ADMIN_PASSWORD?: string;

  @IsString()
  @MinLength(1)
  @MaxLength(200)
  BOOTSTRAP_ORG_NAME = 'Default Organization';

  /** Seconds of inactivity after which a session ends. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SESSION_IDLE_TIMEOUT = 1800;

  /** Seconds after login after which a session ends, however active. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  SESSION_ABSOLUTE_TIMEOUT = 43200;

  /** Seconds a JWT from login or refresh is valid (never past its session's end). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(86400)
  JWT_TTL = 900;

  /**
   * PEM (PKCS#8) of the ES256 (P-256) key that signs JWTs. Unset: a key pair is generated on first
   * start and kept in the database, sealed under APP_SECRET.
   */
  @Transform(emptyToUndefined)
  @IsOptional()
  @Matches(/-----BEGIN PRIVATE KEY-----[\s\S]+-----END PRIVATE KEY-----/, { message: 'must be a PKCS#8 PEM private key' })
  JWT_PRIVATE_KEY?: string;

  @IsString()
  @MinLength(1)
  JWT_ISSUER = 'keyward';

  @IsString()
  @MinLength(1)
  JWT_AUDIENCE = 'keyward-api';

  /** Global limit per principal (user, API key, service token): reads per minute. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_READS_PER_MINUTE = 6000;

  /** Global limit per principal: writes (anything but GET/HEAD/OPTIONS) per minute. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  RATE_LIMIT_WRITES_PER_MINUTE = 600;

  /** Milliseconds between writes of buffered usage counters (last used, per-day counts). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  USAGE_FLUSH_INTERVAL_MS = 2000;

  /** Window over which refused credentials and 429s are counted into one record (per credential). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(3_600_000)
  SECURITY_EVENT_WINDOW_MS = 60000;

  /** Milliseconds between writes of aggregated security events (closed windows only). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(600000)
  SECURITY_EVENT_FLUSH_MS = 10000;

  /** Allow http:// and private, loopback and link-local webhook targets (tests and local development only). */
  @Transform(({ value }) => value === true || value === 'true' || value === '1')
  @IsBoolean()
  WEBHOOK_ALLOW_PRIVATE_TARGETS = false;

  /**
   * Mount the twin routes of `npm run bench` (GET /api/v2/bench/public and /authenticated): one
   * handler, one public and one behind the guard, so that their ratio is the cost of authentication.
   */
  @Transform(({ value }) => value === true || value === 'true' || value === '1')
  @IsBoolean()
  BENCH_ROUTES = false;

  /** Milliseconds between polls of the webhook delivery queue. */
  @Transform(toInt)
  @IsInt()
  @Min(50)
  WEBHOOK_POLL_MS = 1000;

  /** Milliseconds a webhook receiver has to answer. */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  @Max(60000)
  WEBHOOK_TIMEOUT_MS = 10000;

  /** Multiplies the retry schedule (5 s, 30 s, 2 min ... 12 h); tests shrink it. */
  @Transform(({ value }) => (typeof value === 'string' && value.trim() !== '' ? Number(value) : value))
  @IsNumber()
  @Min(0.00001)
  @Max(100)
  WEBHOOK_RETRY_SCALE = 1;

  /** Milliseconds between rounds of the key-hygiene job (rotation reminders, unused-key revocation). */
  @Transform(toInt)
  @IsInt()
  @Min(100)
  HYGIENE_INTERVAL_MS = 3_600_000;

  /** Failed authentications within a minute, against one organization or from one address, that make a burst. */
  @Transform(toInt)
  @IsInt()
  @Min(2)
  FAILURE_BURST_THRESHOLD = 20;

  /** Days activity records are kept; unset: forever. The retention job is the only deleter. */
  @Transform(toInt)
  @IsOptional()
  @IsInt()
  @Min(1)
  ACTIVITY_RETENTION_DAYS?: number;

  /** Milliseconds a cached credential lookup is trusted (the bound on staleness if an invalidation is lost). */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  @Max(60000)
  CACHE_TTL_MS = 1000;

  /** Cached credential lookups kept per instance, for each kind (API keys, sessions, JWTs, ...; least recently used go first). */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  CACHE_MAX_ENTRIES = 200000;

  /** Login attempts allowed per client IP per minute, across all accounts. */
  @Transform(toInt)
  @IsInt()
  @Min(1)
  LOGIN_ATTEMPTS_PER_IP_PER_MINUTE = 30;

  @Transform(toInt)
  @IsInt()
  @Min(1)
  @Max(100)
  DB_POOL_SIZE = 10;

  /** When set, GET /metrics requires `Authorization: Bearer <METRICS_TOKEN>`. */
  @Transform(emptyToUndefined)
  @IsOptional()
  @IsString()
  @MinLength(16, { message: 'must be at least 16 characters' })
  METRICS_TOKEN?: string;

  /** Milliseconds a graceful shutdown waits for in-flight requests. */
  @Transform(toInt)
  @IsInt()
  @Min(0)
  SHUTDOWN_TIMEOUT_MS = 10000;
}

export class ConfigurationError extends Error {}

/** Variables without a default (class fields without an initializer are not enumerable). */
const OPTIONAL_VARIABLES = [
  'DATABASE_URL',
  'REDIS_URL',
  'APP_SECRET',
  'BOOTSTRAP_ADMIN_EMAIL',
  'BOOTSTRAP_ADMIN_PASSWORD',
  'METRICS_TOKEN',
  'JWT_PRIVATE_KEY',
  'ACTIVITY_RETENTION_DAYS',
] as const;

/** Validates `env`; throws a ConfigurationError naming every bad variable. */
export function parseEnvironment(env: NodeJS.ProcessEnv): EnvironmentVariables {
  const names = [...Object.keys(new EnvironmentVariables()), ...OPTIONAL_VARIABLES];
  const relevant: Record<string, string> = {};
  for (const name of names) {
    const value = env[name];
    if (value !== undefined) relevant[name] = value;
  }
  const parsed = plainToInstance(EnvironmentVariables, relevant);
  const errors = validateSync(parsed, { forbidUnknownValues: true, stopAtFirstError: true });
  const lines = errors.map((error) => `${error.property}: ${Object.values(error.constraints ?? {}).join('; ')}`);
  const badProxy = parsed.TRUST_PROXY.split(',')
    .map((entry) => entry.trim())
    .find((entry) => entry.length > 0 && normalizeCidr(entry) === null);
  if (badProxy !== undefined) lines.push(`TRUST_PROXY: '${badProxy}' is not a CIDR range or an address`);
  if (lines.length > 0) {
    throw new ConfigurationError(`Invalid environment variable(s):\n  ${lines.join('\n  ')}`);
  }
  return parsed;
}
