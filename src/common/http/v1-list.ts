import { applyDecorators } from '@nestjs/common';
import { ApiPropertyOptional } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';

export const V1_DEFAULT_LIMIT = 50;
export const V1_MAX_LIMIT = 1000;

/** A v1 integer parameter (query strings arrive as text). */
export function V1Int(min = 0, max = Number.MAX_SAFE_INTEGER) {
  return applyDecorators(Type(() => Number), IsInt(), Min(min), Max(max));
}

/** `offset` / `limit` of every v1 list call (default limit 50, max 1000). */
export class V1ListDto {
  @ApiPropertyOptional({ default: 0 }) @IsOptional() @V1Int() offset?: number;
  @ApiPropertyOptional({ default: V1_DEFAULT_LIMIT, maximum: V1_MAX_LIMIT }) @IsOptional() @V1Int(1, V1_MAX_LIMIT) limit?: number;
}

/** The xyOps list envelope. */
export function v1List<T>(rows: T[], total: number) {
  return { code: 0 as const, rows, list: { length: total } };
}
