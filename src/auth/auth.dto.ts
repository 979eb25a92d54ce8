import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { OrganizationEntity } from '../organizations/organization.entity';
import { UserEntity } from '../organizations/user.entity';
import { MAX_PASSWORD_LENGTH } from './password.service';

export class V1LoginDto {
  @ApiPropertyOptional({ description: 'The account email (xyOps calls it username).' })
  @ValidateIf((body: V1LoginDto) => body.email === undefined)
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  username?: string;

  @ApiPropertyOptional()
  @IsOptional()
  @IsString()
  @MinLength(1)
  @MaxLength(254)
  email?: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MaxLength(MAX_PASSWORD_LENGTH)
  password: string;
}

export class V2LoginDto {
  @ApiProperty({ example: 'admin@example.com' })
  @IsEmail()
  @MaxLength(254)
  email: string;

  @ApiProperty({ format: 'password' })
  @IsString()
  @MaxLength(MAX_PASSWORD_LENGTH)
  password: string;
}

export class UserSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
}

export class OrganizationSummaryDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() name: string;
  @ApiProperty() slug: string;
}

export class V2LoginResponseDto {
  @ApiProperty({ description: 'Send as X-Session-ID (or the session_id cookie, which is also set).' })
  session_id: string;
  @ApiProperty({ description: 'Required in X-CSRF-Token on writes authenticated by the cookie.' })
  csrf_token: string;
  @ApiProperty({ description: 'Seconds until the session ends at the latest.' })
  expires_in: number;
  @ApiProperty({ type: UserSummaryDto }) user: UserSummaryDto;
  @ApiProperty({ type: OrganizationSummaryDto }) organization: OrganizationSummaryDto;
}

export function mapUserSummary(user: UserEntity): UserSummaryDto {
  return { id: user.id, email: user.email, name: user.name };
}

export function mapOrganizationSummary(organization: OrganizationEntity): OrganizationSummaryDto {
  return { id: organization.id, name: organization.name, slug: organization.slug };
}
