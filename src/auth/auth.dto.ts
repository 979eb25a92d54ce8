import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsEmail, IsOptional, IsString, MaxLength, MinLength, ValidateIf } from 'class-validator';
import { OrganizationEntity } from '../organizations/organization.entity';
import { UserEntity } from '../organizations/user.entity';
import { SessionEntity } from './session.entity';
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

export class TokenResponseDto {
  @ApiProperty({ description: 'A JWT (ES256) bound to the session; send as Authorization: Bearer.' })
  token: string;
  @ApiProperty({ description: 'Seconds until the token expires.' })
  expires_in: number;
}

export class SessionDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) last_seen_at: string;
  @ApiProperty({ format: 'date-time' }) expires_at: string;
  @ApiProperty({ description: 'The session of this request' }) current: boolean;
}

export class SessionListDto {
  @ApiProperty({ type: [SessionDto] }) data: SessionDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: null;
}

export class V2LoginResponseDto {
  @ApiProperty({ description: 'A JWT (ES256) bound to the session; send as Authorization: Bearer.' })
  token: string;
  @ApiProperty({ description: 'Send as X-Session-ID (or the session_id cookie, which is also set).' })
  session_id: string;
  @ApiProperty({ description: 'Required in X-CSRF-Token on writes authenticated by the cookie.' })
  csrf_token: string;
  @ApiProperty({ description: 'Seconds until the token expires (refresh it with POST /auth/refresh).' })
  expires_in: number;
  @ApiProperty({ type: UserSummaryDto }) user: UserSummaryDto;
  @ApiProperty({ type: OrganizationSummaryDto }) organization: OrganizationSummaryDto;
}

export function mapUserSummary(user: Pick<UserEntity, 'id' | 'email' | 'name'>): UserSummaryDto {
  return { id: user.id, email: user.email, name: user.name };
}

export function mapOrganizationSummary(organization: Pick<OrganizationEntity, 'id' | 'name' | 'slug'>): OrganizationSummaryDto {
  return { id: organization.id, name: organization.name, slug: organization.slug };
}

export function mapSession(session: SessionEntity, currentSessionId: string | undefined): SessionDto {
  return {
    id: session.id,
    ip: session.ip,
    user_agent: session.userAgent,
    created_at: session.createdAt.toISOString(),
    last_seen_at: session.lastSeenAt.toISOString(),
    expires_at: session.expiresAt.toISOString(),
    current: session.id === currentSessionId,
  };
}
