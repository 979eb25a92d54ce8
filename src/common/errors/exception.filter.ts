import { ArgumentsHost, Catch, ExceptionFilter } from '@nestjs/common';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { apiVersionOf } from './api-version';
import { renderError } from './error-rendering';
import { KeywardError } from './keyward-error';
import { toKeywardError } from './to-keyward-error';

/** Path only: a query string may carry a credential and must not be echoed back. */
export function pathOf(url: string): string {
  const queryStart = url.indexOf('?');
  return queryStart === -1 ? url : url.slice(0, queryStart);
}

/**
 * Renders every error of both API versions. Known errors come from the catalog; anything else
 * is logged with the request id and becomes a 500 whose body says nothing about internals.
 */
export function sendError(error: unknown, request: FastifyRequest, reply: FastifyReply): void {
  const path = pathOf(request.url);
  let known = toKeywardError(error, request.method, path);
  if (known === null) {
    request.log.error({ err: error }, 'unhandled error');
    known = new KeywardError('internal', `An internal error occurred. Request ID: ${request.id}`);
  } else if (known.code === 'unavailable') {
    request.log.warn({ reason: (error as Error).message }, 'unavailable');
  }
  const rendered = renderError(apiVersionOf(path), known, path, String(request.id));
  if (reply.sent) return;
  reply.status(rendered.status).headers(rendered.headers).type(rendered.contentType).send(rendered.body);
}

@Catch()
export class KeywardExceptionFilter implements ExceptionFilter {
  catch(error: unknown, host: ArgumentsHost): void {
    const http = host.switchToHttp();
    sendError(error, http.getRequest<FastifyRequest>(), http.getResponse<FastifyReply>());
  }
}
