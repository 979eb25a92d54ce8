import { Get, Query } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { V2Controller } from '../common/http/versioned-controller';
import { decodeCursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { ActivityPageDto, ActivityRecordDto, ListActivityQueryDto, mapActivityRecord } from './activity.dto';
import { ActivityRepository } from './activity.repository';

@V2Controller('activity', 'Activity')
export class ActivityV2Controller {
  constructor(private readonly records: ActivityRepository) {}

  @Get()
  @RequirePrivileges('view_activity')
  @ApiOperation({ summary: "The organization's activity log, newest first" })
  @ApiOkResponse({ type: ActivityPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListActivityQueryDto): Promise<Page<ActivityRecordDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.records.list(principal.organizationId, {
      actions: query.action?.split('|').filter((action) => action.length > 0),
      actorKind: query.actor_type,
      actorId: query.actor_id,
      targetKind: query.target_type,
      targetId: query.target_id,
      outcome: query.outcome,
      from: query.from ? new Date(query.from) : undefined,
      to: query.to ? new Date(query.to) : undefined,
      cursor: decodeCursor(query.cursor),
      limit,
    });
    return toPage(rows, limit, mapActivityRecord);
  }
}
