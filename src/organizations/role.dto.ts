import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { privilegesObject } from '../auth/grants';
import { CursorQueryDto } from '../common/pagination';
import { PrivilegeList, StringList, V1Boolean, V1PrivilegeList } from '../common/http/validators';
import { RoleEntity } from './role.entity';

export class CreateRoleDto {
  @ApiProperty({ maxLength: 100 }) @IsString() @MinLength(1) @MaxLength(100) title: string;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ type: [String], example: ['run_jobs'] }) @IsOptional() @PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) notes?: string;
}

export class UpdateRoleDto {
  @ApiPropertyOptional({ maxLength: 100 }) @IsOptional() @IsString() @MinLength(1) @MaxLength(100) title?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() enabled?: boolean;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) notes?: string;
}

export class ListRolesQueryDto extends CursorQueryDto {}

export class RoleDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() title: string;
  @ApiProperty() enabled: boolean;
  @ApiProperty({ type: [String] }) privileges: string[];
  @ApiProperty({ type: [String] }) categories: string[];
  @ApiProperty({ type: [String] }) groups: string[];
  @ApiProperty() notes: string;
  @ApiProperty({ description: 'Email of the creating user, or the creating API key id' }) created_by: string;
  @ApiProperty() revision: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class RolePageDto {
  @ApiProperty({ type: [RoleDto] }) data: RoleDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export function mapRole(role: RoleEntity): RoleDto {
  return {
    id: role.id,
    title: role.title,
    enabled: role.enabled,
    privileges: role.privileges,
    categories: role.categories,
    groups: role.groups,
    notes: role.notes,
    created_by: role.createdBy,
    revision: role.revision,
    created_at: role.createdAt.toISOString(),
    updated_at: role.updatedAt.toISOString(),
  };
}

/** v1 (xyOps) parameters: privileges as an object or array, booleans as 1/0. */
export class V1RoleIdDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(64) id: string;
}

export class V1CreateRoleDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(100) title: string;
  @ApiPropertyOptional({ description: '1 or 0' }) @IsOptional() @V1Boolean() @IsBoolean() enabled?: boolean;
  @IsOptional() @V1PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) notes?: string;
}

export class V1UpdateRoleDto {
  @ApiProperty() @IsString() @MinLength(1) @MaxLength(64) id: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(100) title?: string;
  @ApiPropertyOptional() @IsOptional() @V1Boolean() @IsBoolean() enabled?: boolean;
  @IsOptional() @V1PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) notes?: string;
}

export function mapRoleV1(role: RoleEntity) {
  return {
    id: role.id,
    title: role.title,
    enabled: role.enabled ? 1 : 0,
    privileges: privilegesObject(role.privileges),
    categories: role.categories,
    groups: role.groups,
    notes: role.notes,
    username: role.createdBy,
    created: Math.floor(role.createdAt.getTime() / 1000),
    modified: Math.floor(role.updatedAt.getTime() / 1000),
    revision: role.revision,
  };
}
