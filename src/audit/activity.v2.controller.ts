import { Get, Headers, Query, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation, ApiProduces, ApiProperty } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import { Readable } from 'node:stream';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { V2Controller } from '../common/http/versioned-controller';
import { decodeCursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { ActivityPageDto, ActivityRecordDto, ListActivityQueryDto, mapActivityRecord } from './activity.dto';
import { ActivityFilter, ActivityRepository } from './activity.repository';
import { IntegrityService } from './integrity.service';

export class IntegrityReportDto {
  @ApiProperty() valid: boolean;
  @ApiProperty() records_checked: number;
  @ApiProperty({ nullable: true, type: String, description: 'Hex hash of the last good record' }) last_hash: string | null;
  @ApiProperty({ nullable: true, type: Object, description: 'The first record that does not hold: id, seq, created_at, reason, detail' })
  first_broken: Record<string, unknown> | null;
}

const EXPORT_BATCH = 500;
const CSV_COLUMNS = ['id', 'created_at', 'action', 'outcome', 'actor_type', 'actor_id', 'target_type', 'target_id', 'ip', 'user_agent', 'request_id', 'details'];

function filterOf(query: ListActivityQueryDto): Omit<ActivityFilter, 'cursor' | 'limit'> {
  return {
    actions: query.action?.split('|').filter((action) => action.length > 0),
    actorKind: query.actor_type,
    actorId: query.actor_id,
    targetKind: query.target_type,
    targetId: query.target_id,
    outcome: query.outcome,
    from: query.from ? new Date(query.from) : undefined,
    to: query.to ? new Date(query.to) : undefined,
  };
}

function csvCell(value: unknown): string {
  const text = value === null || value === undefined ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  // Quote every cell; a leading formula character is neutralised for spreadsheet users.
  const safe = /^[=+\-@\t\r]/.test(text) ? `'${text}` : text;
  return `"${safe.replace(/"/g, '""')}"`;
}

@V2Controller('activity', 'Activity')
export class ActivityV2Controller {
  constructor(
    private readonly records: ActivityRepository,
    private readonly integrity: IntegrityService,
  ) {}

  @Get()
  @RequirePrivileges('view_activity')
  @ApiOperation({ summary: "The organization's activity log, newest first" })
  @ApiOkResponse({ type: ActivityPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Query() query: ListActivityQueryDto): Promise<Page<ActivityRecordDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.records.list(principal.organizationId, { ...filterOf(query), cursor: decodeCursor(query.cursor), limit });
    return toPage(rows, limit, mapActivityRecord);
  }

  @Get('integrity')
  @RequirePrivileges('view_activity')
  @ApiOperation({ summary: "Verify the hash chain of the organization's records; reports the first broken or missing record" })
  @ApiOkResponse({ type: IntegrityReportDto })
  async verify(@CurrentPrincipal() principal: Principal): Promise<IntegrityReportDto> {
    const report = await this.integrity.verify(principal.organizationId);
    return {
      valid: report.valid,
      records_checked: report.recordsChecked,
      last_hash: report.lastHash,
      first_broken: report.firstBroken
        ? { id: report.firstBroken.id, seq: Number(report.firstBroken.seq), created_at: report.firstBroken.createdAt.toISOString(), reason: report.firstBroken.reason, detail: report.firstBroken.detail }
        : null,
    };
  }

  @Get('export')
  @RequirePrivileges('view_activity')
  @ApiOperation({ summary: 'The same filters as the list, streamed whole: NDJSON (default) or CSV (Accept: text/csv)' })
  @ApiProduces('application/x-ndjson', 'text/csv')
  exportRecords(
    @CurrentPrincipal() principal: Principal,
    @Query() query: ListActivityQueryDto,
    @Headers('accept') accept: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Readable {
    const csv = (accept ?? '').includes('text/csv');
    const records = this.records;
    const filter = filterOf(query);
    async function* lines(): AsyncGenerator<string> {
      if (csv) yield `${CSV_COLUMNS.join(',')}\n`;
      let cursor = null;
      for (;;) {
        const rows = await records.list(principal.organizationId, { ...filter, cursor, limit: EXPORT_BATCH });
        const page = rows.slice(0, EXPORT_BATCH);
        for (const row of page) {
          const dto = mapActivityRecord(row);
          yield csv
            ? `${[dto.id, dto.created_at, dto.action, dto.outcome, dto.actor.type, dto.actor.id, dto.target?.type, dto.target?.id, dto.ip, dto.user_agent, dto.request_id, dto.details].map(csvCell).join(',')}\n`
            : `${JSON.stringify(dto)}\n`;
        }
        if (rows.length <= EXPORT_BATCH) return;
        const last = page[page.length - 1];
        cursor = { createdAt: last.createdAt, id: last.id };
      }
    }
    reply.type(csv ? 'text/csv; charset=utf-8' : 'application/x-ndjson; charset=utf-8');
    reply.header('content-disposition', `attachment; filename="activity.${csv ? 'csv' : 'ndjson'}"`);
    return Readable.from(lines());
  }
}
