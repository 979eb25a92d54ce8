import { Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { V1ListDto, V1_DEFAULT_LIMIT, v1List } from '../common/http/v1-list';
import { V1Controller, V1Params, v1Ok } from '../common/http/versioned-controller';
import { fromV1Fields, mapApiKeyV1, mapUsageV1, V1ApiKeyIdDto, V1CreateApiKeyDto, V1RotateApiKeyDto, V1UpdateApiKeyDto } from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

/** xyOps API key calls: read calls take GET or POST, writes POST. */
@V1Controller('v1: API keys')
export class ApiKeysV1Controller {
  constructor(private readonly keys: ApiKeysService) {}

  @Get('app/get_api_keys/v1')
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  getKeys(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ListDto) {
    return this.list(principal, params);
  }

  @Post('app/get_api_keys/v1')
  @HttpCode(200)
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: 'List API keys (never their secrets)' })
  postKeys(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ListDto) {
    return this.list(principal, params);
  }

  @Get('app/get_api_key/v1')
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: 'One API key' })
  getKey(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ApiKeyIdDto) {
    return this.one(principal, params.id);
  }

  @Post('app/get_api_key/v1')
  @HttpCode(200)
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: 'One API key' })
  postKey(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ApiKeyIdDto) {
    return this.one(principal, params.id);
  }

  @Post('app/create_api_key/v1')
  @HttpCode(200)
  @RequirePrivileges('create_api_keys')
  @ApiOperation({ summary: 'Create an API key (plain_key is returned this once)' })
  async create(@CurrentPrincipal() principal: Principal, @V1Params() params: V1CreateApiKeyDto) {
    const issued = await this.keys.create(principal, { ...fromV1Fields(params), title: params.title });
    return v1Ok({ api_key: mapApiKeyV1(issued.apiKey), plain_key: issued.secret });
  }

  @Post('app/update_api_key/v1')
  @HttpCode(200)
  @RequirePrivileges('edit_api_keys')
  @ApiOperation({ summary: 'Change an API key (shallow merge; `key` is ignored)' })
  async update(@CurrentPrincipal() principal: Principal, @V1Params() params: V1UpdateApiKeyDto) {
    const { key: _ignored, ...changes } = fromV1Fields(params);
    return v1Ok({ api_key: mapApiKeyV1(await this.keys.update(principal, params.id, changes)) });
  }

  @Post('app/delete_api_key/v1')
  @HttpCode(200)
  @RequirePrivileges('delete_api_keys')
  @ApiOperation({ summary: 'Revoke an API key now and hide it from lists' })
  async delete(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ApiKeyIdDto) {
    await this.keys.revoke(principal, params.id);
    return v1Ok();
  }

  @Post('app/rotate_api_key/v1')
  @HttpCode(200)
  @RequirePrivileges('edit_api_keys')
  @ApiOperation({ summary: 'A new key with the same settings; the old one works for grace_seconds (default 0)' })
  async rotate(@CurrentPrincipal() principal: Principal, @V1Params() params: V1RotateApiKeyDto) {
    const issued = await this.keys.rotate(principal, params.id, params.grace_seconds ?? 0);
    return v1Ok({ api_key: mapApiKeyV1(issued.apiKey), plain_key: issued.secret });
  }

  @Get('app/get_api_key_usage/v1')
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: 'Calls this month, per-day counts for 30 days, last used time and address' })
  getUsage(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ApiKeyIdDto) {
    return this.usage(principal, params.id);
  }

  @Post('app/get_api_key_usage/v1')
  @HttpCode(200)
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: 'Calls this month, per-day counts for 30 days, last used time and address' })
  postUsage(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ApiKeyIdDto) {
    return this.usage(principal, params.id);
  }

  private async list(principal: Principal, params: V1ListDto) {
    const limit = params.limit ?? V1_DEFAULT_LIMIT;
    const { rows, total } = await this.keys.list(principal, { cursor: null, limit, offset: params.offset ?? 0 });
    return v1List(rows.slice(0, limit).map(mapApiKeyV1), total);
  }

  private async one(principal: Principal, id: string) {
    return v1Ok({ api_key: mapApiKeyV1(await this.keys.get(principal, id, { includeRevoked: false })) });
  }

  private async usage(principal: Principal, id: string) {
    return v1Ok({ usage: mapUsageV1(await this.keys.usageOf(principal, id)) });
  }
}
