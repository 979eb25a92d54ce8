import { Get, HttpCode, Post } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, MaxLength } from 'class-validator';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal, requireUserId } from '../auth/principal';
import { V1ListDto, V1_DEFAULT_LIMIT, v1List } from '../common/http/v1-list';
import { V1Controller, V1Params } from '../common/http/versioned-controller';
import { ActivityRecordEntity } from './activity-record.entity';
import { parseActivityQuery } from './activity-query';
import { ActivityRepository } from './activity.repository';

export class V1SearchActivityDto extends V1ListDto {
  @ApiPropertyOptional({ example: 'action:apikey_create|apikey_delete date:>=2026-11-01' })
  @IsOptional()
  @IsString()
  @MaxLength(1000)
  query?: string;

  @ApiPropertyOptional({ description: '-1 (newest first, default) or 1' })
  @IsOptional()
  @IsIn(['-1', '1', -1, 1, 'asc', 'desc'])
  sort_dir?: string | number;
}

/** The xyOps activity row: Unix seconds, the actor and target as objects. */
function mapActivityV1(record: ActivityRecordEntity) {
  return {
    id: record.id,
    action: record.action,
    epoch: Math.floor(record.createdAt.getTime() / 1000),
    actor: { type: record.actorKind, id: record.actorId },
    target: record.targetKind ? { type: record.targetKind, id: record.targetId } : null,
    outcome: record.outcome,
    ip: record.ip ?? '',
    useragent: record.userAgent ?? '',
    request_id: record.requestId ?? '',
    details: record.details,
  };
}

@V1Controller('v1: Activity')
export class ActivityV1Controller {
  constructor(private readonly records: ActivityRepository) {}

  @Get('app/search_activity/v1')
  @RequirePrivileges('view_activity')
  @ApiOperation({ summary: "Search the organization's activity (action:, keywords:, date:>= / date:<)" })
  getSearch(@CurrentPrincipal() principal: Principal, @V1Params() params: V1SearchActivityDto) {
    return this.search(principal, params);
  }

  @Post('app/search_activity/v1')
  @HttpCode(200)
  @RequirePrivileges('view_activity')
  @ApiOperation({ summary: "Search the organization's activity (action:, keywords:, date:>= / date:<)" })
  postSearch(@CurrentPrincipal() principal: Principal, @V1Params() params: V1SearchActivityDto) {
    return this.search(principal, params);
  }

  @Get('app/get_user_activity/v1')
  @RequirePrivileges()
  @ApiOperation({ summary: 'Your own activity: logins, password changes, ...' })
  getUserActivity(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ListDto) {
    return this.userActivity(principal, params);
  }

  @Post('app/get_user_activity/v1')
  @HttpCode(200)
  @RequirePrivileges()
  @ApiOperation({ summary: 'Your own activity: logins, password changes, ...' })
  postUserActivity(@CurrentPrincipal() principal: Principal, @V1Params() params: V1ListDto) {
    return this.userActivity(principal, params);
  }

  private async search(principal: Principal, params: V1SearchActivityDto) {
    const parsed = parseActivityQuery(params.query);
    const { rows, total } = await this.records.search(principal.organizationId, {
      actions: parsed.actions,
      keywords: parsed.keywords,
      from: parsed.from,
      to: parsed.to,
      cursor: null,
      offset: params.offset ?? 0,
      limit: params.limit ?? V1_DEFAULT_LIMIT,
      ascending: String(params.sort_dir) === '1' || params.sort_dir === 'asc',
    });
    return v1List(rows.map(mapActivityV1), total);
  }

  private async userActivity(principal: Principal, params: V1ListDto) {
    const { rows, total } = await this.records.ofUser(requireUserId(principal), { offset: params.offset ?? 0, limit: params.limit ?? V1_DEFAULT_LIMIT });
    return v1List(rows.map(mapActivityV1), total);
  }
}
