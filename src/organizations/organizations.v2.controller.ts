import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { V2Controller } from '../common/http/versioned-controller';
import { Page } from '../common/pagination';
import {
  CreateOrganizationDto,
  ListOrganizationsQueryDto,
  mapOrganization,
  OrganizationDto,
  OrganizationPageDto,
  UpdateOrganizationDto,
} from './organization.dto';
import { OrganizationsService } from './organizations.service';

@V2Controller('organizations', 'Organizations')
export class OrganizationsV2Controller {
  constructor(private readonly organizations: OrganizationsService) {}

  @Get()
  @RequirePrivileges()
  @ApiOperation({ summary: 'The current organization and its sub-accounts' })
  @ApiOkResponse({ type: OrganizationPageDto })
  list(@CurrentPrincipal() principal: Principal, @Query() query: ListOrganizationsQueryDto): Promise<Page<OrganizationDto>> {
    return this.organizations.list(principal, query);
  }

  @Post()
  @RequirePrivileges('manage_sub_accounts')
  @ApiOperation({ summary: 'Create a sub-account under the current organization' })
  @ApiCreatedResponse({ type: OrganizationDto })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateOrganizationDto): Promise<OrganizationDto> {
    return mapOrganization(await this.organizations.createSubAccount(principal, body));
  }

  @Get(':id')
  @RequirePrivileges()
  @ApiOperation({ summary: 'One organization: the current one or one of its sub-accounts' })
  @ApiOkResponse({ type: OrganizationDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<OrganizationDto> {
    return mapOrganization(await this.organizations.get(principal, id));
  }

  @Patch(':id')
  @RequirePrivileges('manage_sub_accounts')
  @ApiOperation({ summary: 'Rename, change the slug, disable or re-enable an organization' })
  @ApiOkResponse({ type: OrganizationDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') id: string,
    @Body() body: UpdateOrganizationDto,
  ): Promise<OrganizationDto> {
    return mapOrganization(await this.organizations.update(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(200)
  @RequirePrivileges('manage_sub_accounts')
  @ApiOperation({
    summary: 'Disable a sub-account',
    description: 'The record is kept (and can be re-enabled with PATCH); every credential in it and its sub-accounts stops working.',
  })
  @ApiOkResponse({ type: OrganizationDto })
  async disable(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<OrganizationDto> {
    return mapOrganization(await this.organizations.disable(principal, id));
  }
}
