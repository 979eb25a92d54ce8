import { Body, Get, HttpCode, Patch, Post } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { MAX_PASSWORD_LENGTH, MIN_PASSWORD_LENGTH } from '../auth/password.service';
import { Principal } from '../auth/principal';
import { V2Controller } from '../common/http/versioned-controller';
import { mapOrganizationSummary, OrganizationSummaryDto } from '../auth/auth.dto';
import { Profile, UsersService } from './users.service';

export class ProfileDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() email: string;
  @ApiProperty() name: string;
  @ApiProperty() active: boolean;
  @ApiProperty({ type: [OrganizationSummaryDto] }) organizations: OrganizationSummaryDto[];
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class UpdateProfileDto {
  @ApiPropertyOptional({ maxLength: 200 }) @IsOptional() @IsString() @MaxLength(200) name?: string;
}

export class ChangePasswordDto {
  @ApiProperty({ format: 'password' }) @IsString() @MaxLength(MAX_PASSWORD_LENGTH) current_password: string;

  @ApiProperty({ format: 'password', minLength: MIN_PASSWORD_LENGTH, maxLength: MAX_PASSWORD_LENGTH })
  @IsString()
  @MinLength(MIN_PASSWORD_LENGTH)
  @MaxLength(MAX_PASSWORD_LENGTH)
  new_password: string;
}

function mapProfile({ user, organizations }: Profile): ProfileDto {
  return {
    id: user.id,
    email: user.email,
    name: user.name,
    active: user.active,
    organizations: organizations.map(mapOrganizationSummary),
    created_at: user.createdAt.toISOString(),
  };
}

@V2Controller('users/me', 'Users')
export class UsersV2Controller {
  constructor(private readonly users: UsersService) {}

  @Get()
  @RequirePrivileges()
  @ApiOperation({ summary: 'Your own profile and organizations' })
  @ApiOkResponse({ type: ProfileDto })
  async me(@CurrentPrincipal() principal: Principal): Promise<ProfileDto> {
    return mapProfile(await this.users.profile(principal));
  }

  @Patch()
  @RequirePrivileges()
  @ApiOperation({ summary: 'Change your own name' })
  @ApiOkResponse({ type: ProfileDto })
  async update(@CurrentPrincipal() principal: Principal, @Body() body: UpdateProfileDto): Promise<ProfileDto> {
    return mapProfile(await this.users.updateProfile(principal, body));
  }

  @Post('password')
  @HttpCode(204)
  @RequirePrivileges()
  @ApiOperation({ summary: 'Change your password; every other session of yours ends' })
  @ApiNoContentResponse()
  async changePassword(@CurrentPrincipal() principal: Principal, @Body() body: ChangePasswordDto): Promise<void> {
    await this.users.changePassword(principal, body.current_password, body.new_password);
  }
}
