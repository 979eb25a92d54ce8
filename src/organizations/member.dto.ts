import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsEmail, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/password.service';
import { PrivilegeList, StringList } from '../common/http/validators';
import { Member } from './members.service';

export class AddMemberDto {
  @ApiProperty({ description: 'An existing user is added; an unknown email creates the user (then `password` is required).' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MaxLength(200) name?: string;

  @ApiPropertyOptional({ minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH, format: 'password' })
  @IsOptional()
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(MAX_PASSWORD_LENGTH)
  password?: string;

  @ApiPropertyOptional({ type: [String] }) @IsOptional() @PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Role ids' }) @IsOptional() @StringList(100, 36) roles?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
}

export class UpdateMemberDto {
  @ApiPropertyOptional({ description: "Disable (false) or re-enable the user's account everywhere; admins only" })
  @IsOptional()
  @IsBoolean()
  active?: boolean;

  @ApiPropertyOptional({ type: [String] }) @IsOptional() @PrivilegeList() privileges?: string[];
  @ApiPropertyOptional({ type: [String], description: 'Role ids' }) @IsOptional() @StringList(100, 36) roles?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() categories?: string[];
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @StringList() groups?: string[];
}

export class MemberDto {
  @ApiProperty({ format: 'uuid' }) user_id: string;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ type: [String] }) privileges: string[];
  @ApiProperty({ type: [String], description: 'Role ids' }) roles: string[];
  @ApiProperty({ type: [String] }) categories: string[];
  @ApiProperty({ type: [String] }) groups: string[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class MemberPageDto {
  @ApiProperty({ type: [MemberDto] }) data: MemberDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export function mapMember({ membership, user }: Member): MemberDto {
  return {
    user_id: user.id,
    organization_id: membership.organizationId,
    email: user.email,
    name: user.name,
    active: user.active,
    privileges: membership.privileges,
    roles: membership.roleIds,
    categories: membership.categories,
    groups: membership.groups,
    created_at: membership.createdAt.toISOString(),
    updated_at: membership.updatedAt.toISOString(),
  };
}
