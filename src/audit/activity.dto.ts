import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsISO8601, IsOptional, IsString, MaxLength } from 'class-validator';
import { CursorQueryDto } from '../common/pagination';
import { ActivityRecordEntity } from './activity-record.entity';

export class ListActivityQueryDto extends CursorQueryDto {
  @ApiPropertyOptional({ description: 'One action, or several separated by |', example: 'organization_create|organization_disable' })
  @IsOptional()
  @IsString()
  @MaxLength(500)
  action?: string;

  @ApiPropertyOptional({ enum: ['user', 'api_key', 'service_token', 'system'] })
  @IsOptional()
  @IsIn(['user', 'api_key', 'service_token', 'system'])
  actor_type?: string;

  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) actor_id?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(32) target_type?: string;
  @ApiPropertyOptional() @IsOptional() @IsString() @MaxLength(64) target_id?: string;

  @ApiPropertyOptional({ enum: ['success', 'failure'] })
  @IsOptional()
  @IsIn(['success', 'failure'])
  outcome?: string;

  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() from?: string;
  @ApiPropertyOptional({ format: 'date-time' }) @IsOptional() @IsISO8601() to?: string;
}

export class ActivityRecordDto {
  @ApiProperty({ format: 'uuid' }) id: string;
  @ApiProperty({ format: 'uuid' }) organization_id: string;
  @ApiProperty({ example: { type: 'user', id: '...' } }) actor: { type: string; id: string | null };
  @ApiProperty() action: string;
  @ApiProperty({ nullable: true, example: { type: 'organization', id: '...' } }) target: { type: string; id: string } | null;
  @ApiProperty({ enum: ['success', 'failure'] }) outcome: string;
  @ApiProperty({ nullable: true, type: String }) ip: string | null;
  @ApiProperty({ nullable: true, type: String }) user_agent: string | null;
  @ApiProperty({ nullable: true, type: String }) request_id: string | null;
  @ApiProperty({ type: Object }) details: Record<string, unknown>;
  @ApiProperty({ format: 'date-time' }) created_at: string;
}

export class ActivityPageDto {
  @ApiProperty({ type: [ActivityRecordDto] }) data: ActivityRecordDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: string | null;
}

export function mapActivityRecord(record: ActivityRecordEntity): ActivityRecordDto {
  return {
    id: record.id,
    organization_id: record.organizationId,
    actor: { type: record.actorKind, id: record.actorId },
    action: record.action,
    target: record.targetKind && record.targetId ? { type: record.targetKind, id: record.targetId } : null,
    outcome: record.outcome,
    ip: record.ip,
    user_agent: record.userAgent,
    request_id: record.requestId,
    details: record.details,
    created_at: record.createdAt.toISOString(),
  };
}
