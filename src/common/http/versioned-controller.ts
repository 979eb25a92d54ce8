import { applyDecorators, Controller, createParamDecorator, ExecutionContext, UsePipes } from '@nestjs/common';
import { ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { createValidationPipe } from './validation';

/** A v2 REST controller under `/api/v2/<path>`, validating strictly. */
export function V2Controller(path: string, tag: string) {
  return applyDecorators(Controller(`api/v2/${path}`), UsePipes(createValidationPipe('v2')), ApiTags(tag));
}

/** A v1 (xyOps) controller: calls under `/api/app/NAME/v1` and `/api/user/NAME`. */
export function V1Controller(tag: string) {
  return applyDecorators(Controller('api'), UsePipes(createValidationPipe('v1')), ApiTags(tag));
}

/**
 * The parameters of a v1 call: the query string and the JSON body merged (xyOps read calls take
 * either). Credentials were already removed by the guard.
 */
export const V1Params = createParamDecorator((_: unknown, context: ExecutionContext) => {
  const request = context.switchToHttp().getRequest<FastifyRequest>();
  const query = isPlainObject(request.query) ? request.query : {};
  const body = isPlainObject(request.body) ? request.body : {};
  return { ...query, ...body };
});

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The v1 success envelope. */
export function v1Ok<T extends object>(payload?: T): { code: 0 } & T {
  return { code: 0, ...(payload ?? ({} as T)) };
}
