import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsBoolean, IsIn, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { privilegesObject } from '../auth/grants';
import { V1Int } from '../common/http/v1-list';
import { PrivilegeList, StringList, V1Boolean, V1PrivilegeList } from '../common/http/validators';
import { CursorQueryDto } from '../common/pagination';
import { MAX_IMPORTED_KEY_LENGTH } from './api-key-format';
import { apiKeyStatus, stateFields } from './api-key-state';
import { ApiKeyEntity, ApiKeyType } from './api-key.entity';
import { MAX_GRACE_SECONDS, VerifyResult } from './api-keys.service';
import { UsageReport } from './usage.service';

const TYPES: ApiKeyType[] = ['standard', 'registration'];
const MAX_RATE = 1_000_000;

// ---- v2 ----

export class CreateApiKeyDto {
  @ApiProperty({ maxLength: 200, example: 'GitHub Actions - Production' }) @IsString() @MinLength(1) @MaxLength(200) title: string;
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ enum: TYPES, default: 'standard', description: 'A registration key carries only register_servers.' })
  @IsOptional()
  @IsIn(TYPES)
  type?: ApiKeyType;
  @ApiPropertyOptional({ type: [String], example: ['run_jobs'] }) @IsOptional() @PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Role ids' }) @IsOptional() @StringList(100, 36) roles?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) @IsOptional() @IsISO8601({ strict: true }) expires_at?: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, minimum: 1, description: 'Requests per second; null for no per-key limit' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE)
  max_per_sec?: number | null;
}

export class UpdateApiKeyDto {
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MinLength(1) @MaxLength(200) title?: string;
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList(100, 36) roles?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'null removes the expiry' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string | null;
  @ApiPropertyOptional({ nullable: true, type: Number, description: 'null removes the per-key limit' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(MAX_RATE)
  max_per_sec?: number | null;
}

export class ListApiKeysQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'inactive', 'revoked', 'rotated', 'expired'], description: 'Default: every key not revoked' })
  @IsOptional()
  @IsIn(['active', 'inactive', 'revoked', 'rotated', 'expired'])
  status?: 'active' | 'inactive' | 'revoked' | 'rotated' | 'expired';

  @ApiPropertyOptional({ description: 'Text in the title, description or mask' }) @IsOptional() @IsString() @MaxLength(200) q?: string;
}

export class RotateApiKeyDto {
  @ApiPropertyOptional({ default: 0, maximum: MAX_GRACE_SECONDS, description: 'Seconds the old key keeps working' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(MAX_GRACE_SECONDS)
  grace_seconds?: number;
}

export class VerifyApiKeyDto {
  @ApiProperty({ description: 'The API key to check' }) @IsString() @MinLength(1) @MaxLength(MAX_IMPORTED_KEY_LENGTH) key: string;
  @ApiPropertyOptional({ example: 'run_jobs' }) @IsOptional() @IsString() @MaxLength(64) privilege?: string;
  @ApiPropertyOptional({ example: 'production' }) @IsOptional() @IsString() @MaxLength(100) category?: string;
  @ApiPropertyOptional({ example: 'web' }) @IsOptional() @IsString() @MaxLength(100) group?: string;
}

export class CreatedByDto {
  @ApiProperty({ enum: ['user', 'api_key', 'service_token'] }) type: string;
  @ApiProperty() id: string;
  @ApiProperty({ description: "The user's email, or the key's id" }) name: string;
}

export class ApiKeyDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() description: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ enum: ['active', 'inactive', 'revoked', 'rotated', 'expired'] }) status: string;
  @ApiProperty({ enum: TYPES }) type: ApiKeyType;
  @ApiProperty({ type: [String] }) privileges: string[];
  @ApiProperty({ type: [String] }) roles: string[];
  @ApiProperty({ type: [String] }) categories: string[];
  @ApiProperty({ type: [String] }) groups: string[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) max_per_sec: number | null;
  @ApiProperty({ example: 'muJm********dtlB' }) mask: string;
  @ApiProperty({ type: CreatedByDto }) created_by: CreatedByDto;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) rotated_from: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) rotated_to: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) grace_until: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_used_ip: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty() revision: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class ApiKeyPageDto {
  @ApiProperty({ type: [ApiKeyDto] }) data: ApiKeyDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class IssuedApiKeyDto {
  @ApiProperty({ type: ApiKeyDto }) api_key: ApiKeyDto;
  @ApiProperty({ description: 'The key itself: shown this once, never again' }) secret: string;
}

export class UsageDayDto {
  @ApiProperty({ example: '2026-11-22' }) date: string;
  @ApiProperty() count: number;
}

export class ApiKeyUsageDto {
  @ApiProperty() this_month: number;
  @ApiProperty({ type: [UsageDayDto], description: 'The last 30 days (UTC), oldest first' }) days: UsageDayDto[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_used_ip: string | null;
}

export class RateLimitDto {
  @ApiProperty({ nullable: true, type: Number }) limit: number | null;
  @ApiProperty({ nullable: true, type: Number }) remaining: number | null;
  @ApiProperty({ nullable: true, type: Number, description: 'Seconds until the window resets' }) reset: number | null;
}

export class VerifyResultDto {
  @ApiProperty() valid: boolean;
  @ApiProperty({ nullable: true, type: String, description: 'The v1 error code when not valid' }) code: string | null;
  @ApiPropertyOptional({ description: 'The v1 error description when not valid' }) description?: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) key_id: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) organization_id: string | null;
  @ApiProperty({ type: [String] }) privileges: string[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ type: RateLimitDto }) ratelimit: RateLimitDto;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const unix = (date: Date | null) => (date ? Math.floor(date.getTime() / 1000) : 0);

export function mapApiKey(key: ApiKeyEntity, now = Date.now()): ApiKeyDto {
  return {
    id: key.id,
    title: key.title,
    description: key.description,
    active: key.active,
    status: apiKeyStatus(stateFields(key), now),
    type: key.type,
    privileges: key.privileges,
    roles: key.roleIds,
    categories: key.categories,
    groups: key.groups,
    expires_at: iso(key.expiresAt),
    max_per_sec: key.maxPerSec,
    mask: key.mask,
    created_by: { type: key.createdByKind, id: key.createdById, name: key.createdByName },
    rotated_from: key.rotatedFromId,
    rotated_to: key.rotatedToId,
    grace_until: iso(key.graceUntil),
    last_used_at: iso(key.lastUsedAt),
    last_used_ip: key.lastUsedIp,
    revoked_at: iso(key.revokedAt),
    revision: key.revision,
    created_at: key.createdAt.toISOString(),
    updated_at: key.updatedAt.toISOString(),
  };
}

export function mapUsage(report: UsageReport): ApiKeyUsageDto {
  return { this_month: report.thisMonth, days: report.days, last_used_at: iso(report.lastUsedAt), last_used_ip: report.lastUsedIp };
}

export function mapVerifyResult(result: VerifyResult): VerifyResultDto {
  const dto: VerifyResultDto = {
    valid: result.valid,
    code: result.code,
    key_id: result.keyId,
    organization_id: result.organizationId,
    privileges: result.privileges,
    expires_at: iso(result.expiresAt),
    ratelimit: result.ratelimit ?? { limit: null, remaining: null, reset: null },
  };
  if (result.description !== null) dto.description = result.description;
  return dto;
}

// ---- v1 (xyOps) ----

export class V1ApiKeyIdDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(64) id: string;
}

class V1ApiKeyFields {
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional({ description: '1 or 0' }) @IsOptional() @V1Boolean() @IsBoolean() active?: boolean;
  @IsOptional() @V1PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList(100, 36) roles?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
  @ApiPropertyOptional({ description: 'Unix seconds; 0 for none' }) @IsOptional() @V1Int() expires?: number;
  @ApiPropertyOptional({ description: 'Requests per second; 0 for no limit' }) @IsOptional() @V1Int(0, MAX_RATE) max_per_sec?: number;
}

export class V1CreateApiKeyDto extends V1ApiKeyFields {
  @ApiProperty({ maxLength: 200 }) @IsString() @MinLength(1) @MaxLength(200) title: string;
  @ApiPropertyOptional({ enum: TYPES }) @IsOptional() @IsIn(TYPES) type?: ApiKeyType;
  @ApiPropertyOptional({ description: 'Import an existing key (at least 16 characters) instead of generating one' })
  @IsOptional()
  @IsString()
  @MaxLength(MAX_IMPORTED_KEY_LENGTH)
  key?: string;
}

export class V1UpdateApiKeyDto extends V1ApiKeyFields {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(64) id: string;
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MinLength(1) @MaxLength(200) title?: string;
  @ApiPropertyOptional({ enum: TYPES }) @IsOptional() @IsIn(TYPES) type?: ApiKeyType;
}

export class V1RotateApiKeyDto extends V1ApiKeyIdDto {
  @ApiPropertyOptional({ default: 0, maximum: MAX_GRACE_SECONDS }) @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(MAX_GRACE_SECONDS) grace_seconds?: number;
}

/** The xyOps API key object (api-v1.md). */
export function mapApiKeyV1(key: ApiKeyEntity) {
  return {
    id: key.id,
    title: key.title,
    description: key.description,
    active: key.active ? 1 : 0,
    type: key.type,
    privileges: privilegesObject(key.privileges),
    roles: key.roleIds,
    categories: key.categories,
    groups: key.groups,
    expires: unix(key.expiresAt),
    max_per_sec: key.maxPerSec ?? 0,
    mask: key.mask,
    username: key.createdByName,
    created: unix(key.createdAt),
    modified: unix(key.updatedAt),
    last_used: unix(key.lastUsedAt),
    last_used_ip: key.lastUsedIp ?? '',
    revision: key.revision,
  };
}

export function mapUsageV1(report: UsageReport) {
  return {
    month: report.thisMonth,
    days: report.days,
    last_used: unix(report.lastUsedAt),
    last_used_ip: report.lastUsedIp ?? '',
  };
}

/** v1 input → service input: unix seconds and zeros mean "none". */
export function fromV1Fields(params: V1ApiKeyFields & { title?: string; type?: ApiKeyType; key?: string }) {
  return {
    title: params.title,
    description: params.description,
    active: params.active,
    type: params.type,
    privileges: params.privileges,
    roles: params.roles,
    categories: params.categories,
    groups: params.groups,
    expiresAt: params.expires === undefined ? undefined : params.expires === 0 ? null : new Date(params.expires * 1000),
    maxPerSec: params.max_per_sec === undefined ? undefined : params.max_per_sec === 0 ? null : params.max_per_sec,
    key: params.key,
  };
}

/** v2 input → service input: ISO times, null clears. */
export function fromV2Fields(body: UpdateApiKeyDto & { title?: string; type?: ApiKeyType }) {
  return {
    title: body.title,
    description: body.description,
    active: body.active,
    type: body.type,
    privileges: body.privileges,
    roles: body.roles,
    categories: body.categories,
    groups: body.groups,
    expiresAt: body.expires_at === undefined ? undefined : body.expires_at === null ? null : new Date(body.expires_at),
    maxPerSec: body.max_per_sec,
  };
}
