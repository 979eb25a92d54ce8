import { applyDecorators, Controller, createParamDecorator, ExecutionContext, UsePipes } from '@nestjs/common';
import { ApiExtension, ApiExtraModels, ApiTags } from '@nestjs/swagger';
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

/** The extension naming the schema of a v1 call's parameters; the document builder expands it. */
export const V1_PARAMS_EXTENSION = 'x-v1-params';

/**
 * The parameters of a v1 call: the query string and the JSON body merged (xyOps read calls take
 * either). Credentials were already removed by the guard. The DTO's schema is named on the
 * operation, so the v1 document states each call's parameters (query for GET, body for POST).
 */
export const V1Params = createParamDecorator(
  (_: unknown, context: ExecutionContext) => {
    const request = context.switchToHttp().getRequest<FastifyRequest>();
    const query = isPlainObject(request.query) ? request.query : {};
    const body = isPlainObject(request.body) ? request.body : {};
    return { ...query, ...body };
  },
  [
    (target: object, key: string | symbol | undefined, index: number) => {
      if (key === undefined) return;
      const dto = (Reflect.getMetadata('design:paramtypes', target, key) as Array<new () => unknown>)[index];
      const descriptor = Object.getOwnPropertyDescriptor(target, key) as TypedPropertyDescriptor<unknown>;
      ApiExtraModels(dto)(target, key, descriptor);
      ApiExtension(V1_PARAMS_EXTENSION, dto.name)(target, key, descriptor);
    },
  ],
);

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The v1 success envelope. */
export function v1Ok<T extends object>(payload?: T): { code: 0 } & T {
  return { code: 0, ...(payload ?? ({} as T)) };
}
