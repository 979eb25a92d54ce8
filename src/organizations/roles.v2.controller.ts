import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { decodeCursor, toPage } from '../common/cursor';
import { V2Controller } from '../common/http/versioned-controller';
import { DEFAULT_PAGE_SIZE, Page } from '../common/pagination';
import { CreateRoleDto, ListRolesQueryDto, mapRole, RoleDto, RolePageDto, UpdateRoleDto } from './role.dto';
import { RolesService } from './roles.service';

@V2Controller('roles', 'Roles')
export class RolesV2Controller {
  constructor(private readonly roles: RolesService) {}

  @Get()
  @RequirePrivileges()
  @ApiOperation({ summary: "The organization's roles" })
  @ApiOkResponse({ type: RolePageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListRolesQueryDto): Promise<Page<RoleDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const { rows } = await this.roles.list(principal, { cursor: decodeCursor(query.cursor), limit });
    return toPage(rows, limit, mapRole);
  }

  @Post()
  @RequirePrivileges('create_roles')
  @ApiOperation({ summary: 'Create a role (never wider than yourself)' })
  @ApiCreatedResponse({ type: RoleDto })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateRoleDto): Promise<RoleDto> {
    return mapRole(await this.roles.create(principal, body));
  }

  @Get(':id')
  @RequirePrivileges()
  @ApiOperation({ summary: 'One role' })
  @ApiOkResponse({ type: RoleDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<RoleDto> {
    return mapRole(await this.roles.get(principal, id));
  }

  @Patch(':id')
  @RequirePrivileges('edit_roles')
  @ApiOperation({ summary: 'Change a role (only the given fields)' })
  @ApiOkResponse({ type: RoleDto })
  async update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateRoleDto): Promise<RoleDto> {
    return mapRole(await this.roles.update(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('delete_roles')
  @ApiOperation({ summary: 'Delete a role; memberships lose it' })
  @ApiNoContentResponse()
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.roles.delete(principal, id);
  }
}
