import { Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { V1ListDto, V1_DEFAULT_LIMIT, v1List } from '../common/http/v1-list';
import { V1Controller, V1Params, v1Ok } from '../common/http/versioned-controller';
import { mapRoleV1, V1CreateRoleDto, V1RoleIdDto, V1UpdateRoleDto } from './role.dto';
import { RolesService } from './roles.service';

/** xyOps role calls: read calls take GET or POST, writes POST. */
@V1Controller('v1: Roles')
export class RolesV1Controller {
  constructor(private readonly roles: RolesService) {}

  @Get('app/get_roles/v1')
  @RequirePrivileges()
  @ApiOperation({ summary: 'List roles' })
  getRoles(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ListDto) {
    return this.list(principal, params);
  }

  @Post('app/get_roles/v1')
  @HttpCode(200)
  @RequirePrivileges()
  @ApiOperation({ summary: 'List roles' })
  postRoles(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ListDto) {
    return this.list(principal, params);
  }

  @Get('app/get_role/v1')
  @RequirePrivileges()
  @ApiOperation({ summary: 'One role' })
  getRole(@CurrentPrincipal() principal: Principal, @V1Params() params: V1RoleIdDto) {
    return this.one(principal, params.id);
  }

  @Post('app/get_role/v1')
  @HttpCode(200)
  @RequirePrivileges()
  @ApiOperation({ summary: 'One role' })
  postRole(@CurrentPrincipal() principal: Principal, @V1Params() params: V1RoleIdDto) {
    return this.one(principal, params.id);
  }

  @Post('app/create_role/v1')
  @HttpCode(200)
  @RequirePrivileges('create_roles')
  @ApiOperation({ summary: 'Create a role' })
  async create(@CurrentPrincipal() principal: Principal, @V1Params() params: V1CreateRoleDto) {
    return v1Ok({ role: mapRoleV1(await this.roles.create(principal, params)) });
  }

  @Post('app/update_role/v1')
  @HttpCode(200)
  @RequirePrivileges('edit_roles')
  @ApiOperation({ summary: 'Change a role (shallow merge)' })
  async update(@CurrentPrincipal() principal: Principal, @V1Params() params: V1UpdateRoleDto) {
    const { id, ...changes } = params;
    return v1Ok({ role: mapRoleV1(await this.roles.update(principal, id, changes)) });
  }

  @Post('app/delete_role/v1')
  @HttpCode(200)
  @RequirePrivileges('delete_roles')
  @ApiOperation({ summary: 'Delete a role' })
  async delete(@CurrentPrincipal() principal: Principal, @V1Params() params: V1RoleIdDto) {
    await this.roles.delete(principal, params.id);
    return v1Ok();
  }

  private async list(principal: Principal, params: V1ListDto) {
    const limit = params.limit ?? V1_DEFAULT_LIMIT;
    const { rows, total } = await this.roles.list(principal, { cursor: null, limit, offset: params.offset ?? 0 });
    return v1List(rows.slice(0, limit).map(mapRoleV1), total);
  }

  private async one(principal: Principal, id: string) {
    return v1Ok({ role: mapRoleV1(await this.roles.get(principal, id)) });
  }
}
