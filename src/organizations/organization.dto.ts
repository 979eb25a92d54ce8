import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, IsArray, IsIn, IsInt, IsNumber, IsOptional, IsString, Matches, Max, MaxLength, Min, MinLength, ValidateNested, IsUUID } from 'class-validator';
import { CursorQueryDto } from '../common/pagination';
import { OrganizationEntity, OrganizationStatus } from './organization.entity';

const SLUG = /^[a-z0-9](?:[a-z0-9-]{0,98}[a-z0-9])?$/;
const SLUG_MESSAGE = 'slug must be 1-100 lowercase letters, digits and inner hyphens';

export class CreateOrganizationDto {
  @ApiProperty({ maxLength: 200, example: 'Acme Staging' })
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name: string;

  @ApiPropertyOptional({ maxLength: 100, example: 'acme-staging', description: 'Unique; derived from the name when omitted.' })
  @IsOptional()
  @IsString()
  @Matches(SLUG, { message: SLUG_MESSAGE })
  slug?: string;
}

export class BusinessHoursDto {
  @ApiProperty({ example: 'Europe/Zurich' }) @IsString() @MaxLength(64) timezone: string;
  @ApiProperty({ type: [Number], example: [1, 2, 3, 4, 5], description: 'ISO weekdays, 1 = Monday' })
  @IsArray()
  @ArrayMaxSize(7)
  @IsInt({ each: true })
  @Min(1, { each: true })
  @Max(7, { each: true })
  days: number[];
  @ApiProperty({ example: '08:00' }) @MaxLength(5) @Matches(/^([01]\d|2[0-3]):[0-5]\d$/, { message: 'start must be HH:MM' }) start: string;
  @ApiProperty({ example: '18:00' }) @MaxLength(5) @Matches(/^([01]\d|2[0-4]):[0-5]\d$/, { message: 'end must be HH:MM' }) end: string;
}

export class KeyPoliciesDto {
  @ApiPropertyOptional({ nullable: true, type: Number, description: "Report a credential's day above this multiple of its 7-day average; null: off. Default 10." })
  @IsOptional()
  @IsNumber()
  @Min(1)
  @Max(1000)
  volume_multiple?: number | null;

  @ApiPropertyOptional({ nullable: true, type: BusinessHoursDto, description: 'Report use outside these hours; null: off (default).' })
  @IsOptional()
  @ValidateNested()
  @Type(() => BusinessHoursDto)
  business_hours?: BusinessHoursDto | null;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Remind (api_key.rotation_due) for keys older than this many days; null: never. Default 90.' })
  @IsOptional()
  @IsInt()
  @Min(0)
  @Max(3650)
  rotation_reminder_days?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'Revoke keys unused for this many days; null: never (default).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  revoke_unused_days?: number | null;

  @ApiPropertyOptional({ nullable: true, type: Number, description: 'New keys expire within this many days; null: no cap (default).' })
  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(3650)
  max_key_lifetime_days?: number | null;
}

export class UpdateOrganizationDto {
  @ApiPropertyOptional({ type: KeyPoliciesDto, description: 'Key hygiene policies (needs admin)' })
  @IsOptional()
  @ValidateNested()
  @Type(() => KeyPoliciesDto)
  policies?: KeyPoliciesDto;

  @ApiPropertyOptional({ maxLength: 200 })
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(200)
  name?: string;

  @ApiPropertyOptional({ maxLength: 100 })
  @IsOptional()
  @IsString()
  @Matches(SLUG, { message: SLUG_MESSAGE })
  slug?: string;

  @ApiPropertyOptional({ enum: ['active', 'disabled'], description: 'Disabling stops every credential of the organization and its sub-accounts.' })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: OrganizationStatus;
}

export class ListOrganizationsQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ enum: ['active', 'disabled'] })
  @IsOptional()
  @IsIn(['active', 'disabled'])
  status?: OrganizationStatus;

  @ApiPropertyOptional({ format: 'uuid' })
  @IsOptional()
  @IsUUID('all')
  parent_id?: string;
}

export class OrganizationDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) parent_id: string | null;
  @ApiProperty({ description: '0 for a top-level organization, 1 for its sub-accounts, ...' }) depth: number;
  @ApiProperty({ enum: ['active', 'disabled'] }) status: OrganizationStatus;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) disabled_at: string | null;
  @ApiProperty({ type: KeyPoliciesDto }) policies: KeyPoliciesDto;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class OrganizationPageDto {
  @ApiProperty({ type: [OrganizationDto] }) data: OrganizationDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export function mapOrganization(entity: OrganizationEntity): OrganizationDto {
  return {
    id: entity.id,
    name: entity.name,
    slug: entity.slug,
    parent_id: entity.parentId,
    depth: entity.ancestorIds.length,
    status: entity.status,
    disabled_at: entity.disabledAt ? entity.disabledAt.toISOString() : null,
    policies: {
      rotation_reminder_days: entity.rotationReminderDays,
      revoke_unused_days: entity.revokeUnusedDays,
      max_key_lifetime_days: entity.maxKeyLifetimeDays,
      volume_multiple: entity.volumeMultiple,
      business_hours: entity.businessHours,
    },
    created_at: entity.createdAt.toISOString(),
    updated_at: entity.updatedAt.toISOString(),
  };
}
