import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { decodeCursor, toPage } from '../common/cursor';
import { V2Controller } from '../common/http/versioned-controller';
import { DEFAULT_PAGE_SIZE, Page } from '../common/pagination';
import {
  ApiKeyDto,
  ApiKeyPageDto,
  ApiKeyUsageDto,
  CreateApiKeyDto,
  fromV2Fields,
  IssuedApiKeyDto,
  ListApiKeysQueryDto,
  mapApiKey,
  mapUsage,
  mapVerifyResult,
  RotateApiKeyDto,
  UpdateApiKeyDto,
  VerifyApiKeyDto,
  VerifyResultDto,
} from './api-key.dto';
import { ApiKeysService } from './api-keys.service';

@V2Controller('api-keys', 'API keys')
export class ApiKeysV2Controller {
  constructor(private readonly keys: ApiKeysService) {}

  @Post('verify')
  @HttpCode(200)
  @RequirePrivileges('verify_api_keys')
  @ApiOperation({
    summary: 'Verify a key for another service',
    description: 'Checks the key, and the privilege/category/group when given; applies and reports its rate limit and counts its usage. An invalid key is a 200 with `valid: false` and the v1 code and description.',
  })
  @ApiOkResponse({ type: VerifyResultDto })
  async verify(@CurrentPrincipal() principal: Principal, @Body() body: VerifyApiKeyDto): Promise<VerifyResultDto> {
    const { key, ...need } = body;
    return mapVerifyResult(await this.keys.verify(principal, key, need));
  }

  @Get()
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: "The organization's API keys (never their secrets)" })
  @ApiOkResponse({ type: ApiKeyPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListApiKeysQueryDto): Promise<Page<ApiKeyDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const { rows } = await this.keys.list(principal, { status: query.status, q: query.q, cursor: decodeCursor(query.cursor), limit });
    const now = Date.now();
    return toPage(rows, limit, (key) => mapApiKey(key, now));
  }

  @Post()
  @RequirePrivileges('create_api_keys')
  @ApiOperation({ summary: 'Create a key: the secret is in this response only' })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateApiKeyDto): Promise<IssuedApiKeyDto> {
    const issued = await this.keys.create(principal, { ...fromV2Fields(body), title: body.title });
    return { api_key: mapApiKey(issued.apiKey), secret: issued.secret };
  }

  @Get(':id')
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: 'One key, revoked ones included' })
  @ApiOkResponse({ type: ApiKeyDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ApiKeyDto> {
    return mapApiKey(await this.keys.get(principal, id, { includeRevoked: true }));
  }

  @Patch(':id')
  @RequirePrivileges('edit_api_keys')
  @ApiOperation({ summary: 'Change a key (only the given fields; the secret never changes)' })
  @ApiOkResponse({ type: ApiKeyDto })
  async update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateApiKeyDto): Promise<ApiKeyDto> {
    return mapApiKey(await this.keys.update(principal, id, fromV2Fields(body)));
  }

  @Delete(':id')
  @RequirePrivileges('delete_api_keys')
  @ApiOperation({ summary: 'Revoke a key now; its record stays' })
  @ApiOkResponse({ type: ApiKeyDto })
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ApiKeyDto> {
    return mapApiKey(await this.keys.revoke(principal, id));
  }

  @Post(':id/rotate')
  @RequirePrivileges('edit_api_keys')
  @ApiOperation({ summary: 'A new key with the same settings; the old one works until the grace period ends' })
  @ApiCreatedResponse({ type: IssuedApiKeyDto })
  async rotate(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: RotateApiKeyDto): Promise<IssuedApiKeyDto> {
    const issued = await this.keys.rotate(principal, id, body.grace_seconds ?? 0);
    return { api_key: mapApiKey(issued.apiKey), secret: issued.secret };
  }

  @Get(':id/usage')
  @RequirePrivileges('view_api_keys')
  @ApiOperation({ summary: "Per-day counts for 30 days, this month's total, last used time and address" })
  @ApiOkResponse({ type: ApiKeyUsageDto })
  async usage(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ApiKeyUsageDto> {
    return mapUsage(await this.keys.usageOf(principal, id));
  }
}
