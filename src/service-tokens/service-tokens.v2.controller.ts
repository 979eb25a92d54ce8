import { Body, Delete, Get, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { decodeCursor, toPage } from '../common/cursor';
import { V2Controller } from '../common/http/versioned-controller';
import { DEFAULT_PAGE_SIZE, Page } from '../common/pagination';
import { UsageService } from '../keys/usage.service';
import {
  CreateServiceTokenDto,
  fromServiceTokenBody,
  IssuedServiceTokenDto,
  ListServiceTokensQueryDto,
  mapServiceToken,
  RotateServiceTokenDto,
  ServiceTokenDto,
  ServiceTokenPageDto,
  UpdateServiceTokenDto,
} from './service-token.dto';
import { ServiceTokenEntity } from './service-token.entity';
import { ServiceTokensService } from './service-tokens.service';

@V2Controller('service-tokens', 'Service tokens')
export class ServiceTokensV2Controller {
  constructor(
    private readonly tokens: ServiceTokensService,
    private readonly usage: UsageService,
  ) {}

  private map = (token: ServiceTokenEntity) => mapServiceToken(token, this.usage.pendingTokenUse(token.id));

  @Get()
  @RequirePrivileges()
  @ApiOperation({ summary: "Your service tokens (every token of the organization with 'Delete Service Tokens')" })
  @ApiOkResponse({ type: ServiceTokenPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListServiceTokensQueryDto): Promise<Page<ServiceTokenDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    return toPage(await this.tokens.list(principal, { cursor: decodeCursor(query.cursor), limit }), limit, this.map);
  }

  @Post()
  @RequirePrivileges('create_service_tokens')
  @ApiOperation({ summary: 'Create a token that acts as you in this organization; the secret is in this response only' })
  @ApiCreatedResponse({ type: IssuedServiceTokenDto })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateServiceTokenDto): Promise<IssuedServiceTokenDto> {
    const issued = await this.tokens.create(principal, { ...fromServiceTokenBody(body), name: body.name });
    return { service_token: this.map(issued.token), secret: issued.secret };
  }

  @Get(':id')
  @RequirePrivileges()
  @ApiOperation({ summary: 'One service token' })
  @ApiOkResponse({ type: ServiceTokenDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ServiceTokenDto> {
    return this.map(await this.tokens.get(principal, id));
  }

  @Patch(':id')
  @RequirePrivileges()
  @ApiOperation({ summary: 'Change name, IP ranges, narrowing or expiry (owner or administrator)' })
  @ApiOkResponse({ type: ServiceTokenDto })
  async update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateServiceTokenDto): Promise<ServiceTokenDto> {
    return this.map(await this.tokens.update(principal, id, fromServiceTokenBody(body)));
  }

  @Delete(':id')
  @RequirePrivileges()
  @ApiOperation({ summary: "Revoke a token now (its owner, or holders of 'Delete Service Tokens')" })
  @ApiOkResponse({ type: ServiceTokenDto })
  async revoke(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<ServiceTokenDto> {
    return this.map(await this.tokens.revoke(principal, id));
  }

  @Post(':id/rotate')
  @RequirePrivileges()
  @ApiOperation({ summary: 'A new secret with the same settings and client id; the old one works until the grace period ends' })
  @ApiCreatedResponse({ type: IssuedServiceTokenDto })
  async rotate(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: RotateServiceTokenDto): Promise<IssuedServiceTokenDto> {
    const issued = await this.tokens.rotate(principal, id, body.grace_seconds ?? 0);
    return { service_token: this.map(issued.token), secret: issued.secret };
  }
}
