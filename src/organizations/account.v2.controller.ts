import { Get, Query } from '@nestjs/common';
import { IsOptional, IsString, MaxLength } from 'class-validator';
import { ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { PrivilegeCatalogService } from './privilege-catalog.service';
import { assertAccess } from '../auth/grants';
import { V2Controller } from '../common/http/versioned-controller';
import { CurrentPrincipal, RequirePrivileges, RequireScope } from '../auth/decorators';
import { Principal } from '../auth/principal';

export class AccountDto {
  @ApiProperty({ example: { type: 'user', id: '...' } }) principal: { type: string; id: string };
  @ApiProperty({ enum: ['session', 'jwt', 'api_key', 'service_token'] }) authenticated_by: string;
  @ApiProperty({ format: 'uuid', nullable: true, type: String }) user_id: string | null;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty({ type: [String] }) privileges: string[];
  @ApiProperty({ type: [String] }) categories: string[];
  @ApiProperty({ type: [String] }) groups: string[];
}

export class AccessCheckQueryDto {
  @ApiPropertyOptional({ example: 'run_jobs' }) @IsOptional() @IsString() @MaxLength(64) privilege?: string;
  @ApiPropertyOptional({ example: 'production' }) @IsOptional() @IsString() @MaxLength(100) category?: string;
  @ApiPropertyOptional({ example: 'web' }) @IsOptional() @IsString() @MaxLength(100) group?: string;
}

export class AccessCheckDto {
  @ApiProperty({ description: 'Always true: a denial is a 403 with the reason.' }) allowed: true;
}

/** The body of GET /api/v2/account (also the body of the bench twins). */
export function accountOf(principal: Principal): AccountDto {
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

@V2Controller('account', 'Account')
export class AccountV2Controller {
  constructor(private readonly catalog: PrivilegeCatalogService) {}

  @Get()
  @RequirePrivileges()
  @ApiOperation({ summary: 'Who am I: the principal, its organization and effective privileges' })
  @ApiOkResponse({ type: AccountDto })
  account(@CurrentPrincipal() principal: Principal): AccountDto {
    return accountOf(principal);
  }

  @Get('check')
  @RequirePrivileges()
  @RequireScope({ category: 'category', group: 'group' })
  @ApiOperation({
    summary: 'May I? Checks a privilege, category and/or group for the calling principal',
    description: 'Answers 200 when allowed, or 403 with the exact reason (the same message a refused call would give).',
  })
  @ApiOkResponse({ type: AccessCheckDto })
  async check(@CurrentPrincipal() principal: Principal, @Query() query: AccessCheckQueryDto): Promise<AccessCheckDto> {
    if (query.privilege !== undefined) {
      assertAccess(principal, { privilege: query.privilege }, await this.catalog.titles(principal.organizationId));
    }
    return { allowed: true };
  }
}
