import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController, ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { V2Controller } from '../common/http/versioned-controller';
import { CurrentPrincipal, Public, RequirePrivileges } from './decorators';
import { JwtKeysService } from './jwt-keys.service';
import { Principal } from './principal';

export class AccountDto {
  @ApiProperty({ example: { type: 'user', id: '...' } }) principal: { type: string; id: string };
  @ApiProperty({ enum: ['session', 'jwt', 'api_key', 'service_token'] }) authenticated_by: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) user_id: string | null;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty({ type: [String] }) privileges: string[];
  @ApiProperty({ type: [String] }) categories: string[];
  @ApiProperty({ type: [String] }) groups: string[];
}

@V2Controller('account', 'Account')
export class AccountV2Controller {
  @Get()
  @RequirePrivileges()
  @ApiOperation({ summary: 'Who am I: the principal, its organization and effective privileges' })
  @ApiOkResponse({ type: AccountDto })
  account(@CurrentPrincipal() principal: Principal): AccountDto {
    return {
      principal: { type: principal.kind, id: principal.id },
      authenticated_by: principal.authenticatedBy,
      user_id: principal.userId,
      organization_id: principal.organizationId,
      privileges: [...principal.privileges].sort(),
      categories: [...principal.categories],
      groups: [...principal.groups],
    };
  }
}

/** Public keys for services that verify Keyward's JWTs themselves. */
@ApiExcludeController()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: JwtKeysService) {}

  @Get('jwks.json')
  @Public()
  jwks() {
    return this.keys.jwks();
  }
}
