import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsInt, IsISO8601, IsOptional, IsString, Max, MaxLength, Min, MinLength } from 'class-validator';
import { PrivilegeList } from '../common/http/validators';
import { CursorQueryDto } from '../common/pagination';
import { MAX_GRACE_SECONDS } from '../keys/api-keys.service';
import { ServiceTokenEntity } from './service-token.entity';
import { MAX_IP_RANGES, ServiceTokenInput, serviceTokenStatus } from './service-tokens.service';

export class CreateServiceTokenDto {
  @ApiProperty({ maxLength: 200, example: 'Terraform - production' }) @IsString() @MinLength(1) @MaxLength(200) name: string;

  @ApiPropertyOptional({ type: [String], nullable: true, description: "At most these of the owner's privileges; omit or null for all of them" })
  @IsOptional()
  @PrivilegeList()
  privileges?: string[] | null;

  @ApiPropertyOptional({ type: [String], example: ['203.0.113.0/24', '2001:db8::/48'], description: 'CIDR ranges; the token then also needs X-User-Id: <client_id>' })
  @IsOptional()
  @IsArray()
  @ArrayMaxSize(MAX_IP_RANGES)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  ip_ranges?: string[];

  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String, description: 'None by default: long-lived' })
  @IsOptional()
  @IsISO8601({ strict: true })
  expires_at?: string | null;
}

export class UpdateServiceTokenDto {
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MinLength(1) @MaxLength(200) name?: string;
  @ApiPropertyOptional({ type: [String], nullable: true }) @IsOptional() @PrivilegeList() privileges?: string[] | null;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(MAX_IP_RANGES) @IsString({ each: true }) @MaxLength(64, { each: true }) ip_ranges?: string[];
  @ApiPropertyOptional({ format: 'date-time', nullable: true, type: String }) @IsOptional() @IsISO8601({ strict: true }) expires_at?: string | null;
}

export class RotateServiceTokenDto {
  @ApiPropertyOptional({ default: 0, maximum: MAX_GRACE_SECONDS }) @IsOptional() @IsInt() @Min(0) @Max(MAX_GRACE_SECONDS) grace_seconds?: number;
}

export class ListServiceTokensQueryDto extends CursorQueryDto {}

export class ServiceTokenDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty({ description: 'Public; send as X-User-Id with IP-bound tokens' }) client_id: string;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty({ format: 'uuid' }) owner_id: string;
  @ApiProperty({ type: [String], nullable: true }) privileges: string[] | null;
  @ApiProperty({ type: [String] }) ip_ranges: string[];
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) expires_at: string | null;
  @ApiProperty({ enum: ['active', 'revoked', 'rotated', 'expired'] }) status: string;
  @ApiProperty({ example: 'kst_AbCd********wxyz' }) mask: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) last_used_at: string | null;
  @ApiProperty({ nullable: true, type: String }) last_used_ip: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) rotated_from: string | null;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) rotated_to: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) grace_until: string | null;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) revoked_at: string | null;
  @ApiProperty() revision: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class ServiceTokenPageDto {
  @ApiProperty({ type: [ServiceTokenDto] }) data: ServiceTokenDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class IssuedServiceTokenDto {
  @ApiProperty({ type: ServiceTokenDto }) service_token: ServiceTokenDto;
  @ApiProperty({ description: 'The token itself: shown this once, never again' }) secret: string;
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

export function mapServiceToken(token: ServiceTokenEntity, pendingUse?: { at: Date; ip: string }): ServiceTokenDto {
  const lastUsedAt = pendingUse && (!token.lastUsedAt || pendingUse.at > token.lastUsedAt) ? pendingUse.at : token.lastUsedAt;
  return {
    id: token.id,
    name: token.name,
    client_id: token.clientId,
    organization_id: token.organizationId,
    owner_id: token.ownerUserId,
    privileges: token.privileges,
    ip_ranges: token.ipRanges,
    expires_at: iso(token.expiresAt),
    status: serviceTokenStatus(token),
    mask: token.mask,
    last_used_at: iso(lastUsedAt),
    last_used_ip: lastUsedAt === token.lastUsedAt ? token.lastUsedIp : (pendingUse?.ip ?? null),
    rotated_from: token.rotatedFromId,
    rotated_to: token.rotatedToId,
    grace_until: iso(token.graceUntil),
    revoked_at: iso(token.revokedAt),
    revision: token.revision,
    created_at: token.createdAt.toISOString(),
    updated_at: token.updatedAt.toISOString(),
  };
}

export function fromServiceTokenBody(body: UpdateServiceTokenDto): ServiceTokenInput {
  return {
    name: body.name,
    privileges: body.privileges,
    ipRanges: body.ip_ranges,
    expiresAt: body.expires_at === undefined ? undefined : body.expires_at === null ? null : new Date(body.expires_at),
  };
}
