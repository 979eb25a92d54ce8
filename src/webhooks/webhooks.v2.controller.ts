import { Body, Delete, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiAcceptedResponse, ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { ArrayMaxSize, IsArray, IsBoolean, IsObject, IsOptional, IsString, MaxLength, MinLength } from 'class-validator';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { decodeCursor, toPage } from '../common/cursor';
import { V2Controller } from '../common/http/versioned-controller';
import { CursorQueryDto, DEFAULT_PAGE_SIZE, Page } from '../common/pagination';
import { WEBHOOK_EVENTS } from './webhook-events';
import { WebhookEntity } from './webhook.entity';
import { DeliveryRow, WebhooksService } from './webhooks.service';

export class CreateWebhookDto {
  @ApiProperty({ example: 'https://hooks.example.com/keyward' }) @IsString() @MinLength(1) @MaxLength(2048) url: string;
  @ApiProperty({ type: [String], example: ['api_key.*', 'security.*'], description: `Events, families (family.*) or *: ${WEBHOOK_EVENTS.join(', ')}` })
  @IsArray()
  @ArrayMaxSize(50)
  @IsString({ each: true })
  @MaxLength(64, { each: true })
  events: string[];
  @ApiPropertyOptional({ example: { Authorization: 'Bearer receiver-token' }, description: 'Sent with every delivery' }) @IsOptional() @IsObject() headers?: Record<string, string>;
  @ApiPropertyOptional({ maxLength: 2000 }) @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional({ default: true }) @IsOptional() @IsBoolean() active?: boolean;
}

export class UpdateWebhookDto {
  @ApiPropertyOptional() @IsOptional() @IsString() @MinLength(1) @MaxLength(2048) url?: string;
  @ApiPropertyOptional({ type: [String] }) @IsOptional() @IsArray() @ArrayMaxSize(50) @IsString({ each: true }) @MaxLength(64, { each: true }) events?: string[];
  @ApiPropertyOptional() @IsOptional() @IsObject() headers?: Record<string, string>;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(2000) description?: string;
  @ApiPropertyOptional() @IsOptional() @IsBoolean() active?: boolean;
}

export class WebhookDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty() url: string;
  @ApiProperty() description: string;
  @ApiProperty({ type: [String] }) events: string[];
  @ApiProperty({ type: [String], description: 'Names of the custom headers (their values are not shown)' }) header_names: string[];
  @ApiProperty() active: boolean;
  @ApiProperty() revision: number;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time' }) updated_at: string;
}

export class WebhookPageDto {
  @ApiProperty({ type: [WebhookDto] }) data: WebhookDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export class CreatedWebhookDto {
  @ApiProperty({ type: WebhookDto }) webhook: WebhookDto;
  @ApiProperty({ description: 'The signing secret (whsec_...): shown this once' }) secret: string;
}

export class DeliveryDto {
  @ApiProperty({ format: 'uuid', description: 'Also the webhook-id header' }) id: string;
  @ApiProperty() event_type: string;
  @ApiProperty({ enum: ['pending', 'delivered', 'failed'] }) status: string;
  @ApiProperty() attempts: number;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) next_attempt_at: string | null;
  @ApiProperty({ nullable: true, type: Number }) last_status_code: number | null;
  @ApiProperty({ nullable: true, type: String }) last_error: string | null;
  @ApiProperty({ type: [Object], description: 'Each attempt: time, status code, duration, error' }) attempts_log: Array<Record<string, unknown>>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
  @ApiProperty({ format: 'date-time', nullable: true, type: String }) delivered_at: string | null;
}

export class DeliveryListDto {
  @ApiProperty({ type: [DeliveryDto] }) data: DeliveryDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: null;
}

export class QueuedTestDto {
  @ApiProperty({ format: 'uuid' }) delivery_id: string;
}

function mapWebhook(webhook: WebhookEntity): WebhookDto {
  return {
    id: webhook.id,
    url: webhook.url,
    description: webhook.description,
    events: webhook.events,
    header_names: Object.keys(webhook.headers),
    active: webhook.active,
    revision: webhook.revision,
    created_at: webhook.createdAt.toISOString(),
    updated_at: webhook.updatedAt.toISOString(),
  };
}

function mapDelivery(row: DeliveryRow): DeliveryDto {
  return {
    id: row.id,
    event_type: row.event_type,
    status: row.status,
    attempts: row.attempts,
    next_attempt_at: row.status === 'pending' ? row.next_attempt_at.toISOString() : null,
    last_status_code: row.last_status_code,
    last_error: row.last_error,
    attempts_log: row.attempt_log,
    created_at: row.created_at.toISOString(),
    delivered_at: row.delivered_at ? row.delivered_at.toISOString() : null,
  };
}

@V2Controller('webhooks', 'Webhooks')
export class WebhooksV2Controller {
  constructor(private readonly webhooks: WebhooksService) {}

  @Get()
  @RequirePrivileges('manage_webhooks')
  @ApiOperation({ summary: "The organization's webhooks" })
  @ApiOkResponse({ type: WebhookPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: CursorQueryDto): Promise<Page<WebhookDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    return toPage(await this.webhooks.list(principal, { cursor: decodeCursor(query.cursor), limit }), limit, mapWebhook);
  }

  @Post()
  @RequirePrivileges('manage_webhooks')
  @ApiOperation({ summary: 'Create a webhook; the signing secret is in this response only' })
  @ApiCreatedResponse({ type: CreatedWebhookDto })
  async create(@CurrentPrincipal() principal: Principal, @Body() body: CreateWebhookDto): Promise<CreatedWebhookDto> {
    const { webhook, secret } = await this.webhooks.create(principal, body);
    return { webhook: mapWebhook(webhook), secret };
  }

  @Get(':id')
  @RequirePrivileges('manage_webhooks')
  @ApiOperation({ summary: 'One webhook' })
  @ApiOkResponse({ type: WebhookDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<WebhookDto> {
    return mapWebhook(await this.webhooks.get(principal, id));
  }

  @Patch(':id')
  @RequirePrivileges('manage_webhooks')
  @ApiOperation({ summary: 'Change a webhook' })
  @ApiOkResponse({ type: WebhookDto })
  async update(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Body() body: UpdateWebhookDto): Promise<WebhookDto> {
    return mapWebhook(await this.webhooks.update(principal, id, body));
  }

  @Delete(':id')
  @HttpCode(204)
  @RequirePrivileges('manage_webhooks')
  @ApiOperation({ summary: 'Delete a webhook and its delivery log' })
  @ApiNoContentResponse()
  async delete(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.webhooks.delete(principal, id);
  }

  @Get(':id/deliveries')
  @RequirePrivileges('manage_webhooks')
  @ApiOperation({ summary: 'Recent deliveries with status codes and timings, newest first' })
  @ApiOkResponse({ type: DeliveryListDto })
  async deliveries(@CurrentPrincipal() principal: Principal, @Param('id') id: string, @Query() query: CursorQueryDto): Promise<DeliveryListDto> {
    return { data: (await this.webhooks.deliveriesOf(principal, id, query.limit ?? DEFAULT_PAGE_SIZE)).map(mapDelivery), next_cursor: null };
  }

  @Post(':id/test')
  @HttpCode(202)
  @RequirePrivileges('manage_webhooks')
  @ApiOperation({ summary: 'Queue a webhook.test event to this webhook' })
  @ApiAcceptedResponse({ type: QueuedTestDto })
  async test(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<QueuedTestDto> {
    return { delivery_id: await this.webhooks.test(principal, id) };
  }
}
