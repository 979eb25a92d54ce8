import 'reflect-metadata';
import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import fastifyCookie from '@fastify/cookie';
import { NestFactory } from '@nestjs/core';
import { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SwaggerModule } from '@nestjs/swagger';
import { FastifyReply, FastifyRequest, LogController } from 'fastify';
import { AppDependencies, AppModule } from './app.module';
import { DrainingFastifyAdapter } from './common/draining-fastify-adapter';
import { PinoNestLogger } from './common/logging/logger';
import { redactUrl } from './common/logging/redact';
import { API_DOCUMENTS } from './docs/docs.tokens';
import { buildApiDocuments } from './docs/openapi';
import { Metrics } from './operations/metrics';

/** quality.md: request bodies above 64 KB are refused with 413. */
export const BODY_LIMIT_BYTES = 64 * 1024;

const CLIENT_REQUEST_ID = /^[A-Za-z0-9._:-]{1,64}$/;

function requestIdOf(request: IncomingMessage): string {
  const sent = request.headers['x-request-id'];
  return typeof sent === 'string' && CLIENT_REQUEST_ID.test(sent) ? sent : randomUUID();
}

/** What the access log says of a request. */
function accessFields(request: FastifyRequest, reply: FastifyReply) {
  return { method: request.method, url: redactUrl(request.url), status: reply.statusCode, ms: Math.round(reply.elapsedTime * 10) / 10 };
}

export async function createApp(dependencies: AppDependencies): Promise<NestFastifyApplication> {
  const { config, logger } = dependencies;
  const trustedProxies = config.trustedProxies;
  const adapter = new DrainingFastifyAdapter({
    loggerInstance: logger,
    // One access line per request, written in onResponse below, instead of Fastify's two.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: BODY_LIMIT_BYTES,
    trustProxy: trustedProxies.length > 0 ? trustedProxies : false,
    genReqId: requestIdOf,
    return503OnClosing: true,
  });
  // Half the shutdown's time for requests in flight; the rest for what the modules write on the way out.
  adapter.drainMs = Math.floor(config.env.SHUTDOWN_TIMEOUT_MS / 2);
  const app = await NestFactory.create<NestFastifyApplication>(AppModule.forRoot(dependencies), adapter, {
    logger: new PinoNestLogger(logger),
    abortOnError: false,
    // Fastify's own JSON parser only: other content types are answered 415.
    bodyParser: false,
  });
  const fastify = app.getHttpAdapter().getInstance();
  // What the authentication path sets on a request, declared up front: every request object then
  // keeps the shape Fastify built it with, instead of authenticated requests growing new hidden
  // classes (which makes the property accesses of Fastify's and Nest's per-request code polymorphic).
  fastify.decorateRequest('keywardCredential', null);
  fastify.decorateRequest('keywardVerifiedClaims', null);
  fastify.decorateRequest('principal', null);
  await app.register(fastifyCookie);
  fastify.removeContentTypeParser('text/plain');

  const metrics = app.get(Metrics);
  fastify.addHook('onRequest', async (request, reply) => {
    adapter.requestBegun(request);
    reply.header('x-request-id', request.id);
  });
  // A callback hook, not an async one: no promise per request on the hot path.
  fastify.addHook('onSend', (request, reply, payload, done) => {
    adapter.requestReplied(request);
    // Its client has gone: no response will be written, so onResponse below never runs for it.
    if (request.raw.socket?.destroyed) {
      request.log.info(accessFields(request, reply), 'request abandoned by its client');
    }
    done(null, payload);
  });
  fastify.addHook('onResponse', async (request, reply) => {
    const route = request.routeOptions.url ?? 'unmatched';
    metrics.httpRequests.inc({ method: request.method, route, status: reply.statusCode });
    metrics.httpDuration.observe({ method: request.method, route }, reply.elapsedTime / 1000);
    request.log.info(accessFields(request, reply), 'request');
  });

  const documents = buildApiDocuments(app);
  app.get<{ current: unknown }>(API_DOCUMENTS).current = documents;
  SwaggerModule.setup('docs', app, documents.v2, {
    raw: false,
    customSiteTitle: 'Keyward API',
    explorer: true,
    swaggerOptions: {
      urls: [
        { url: '/docs/v2.json', name: 'v2 (REST)' },
        { url: '/docs/v1.json', name: 'v1 (xyOps-compatible)' },
      ],
      persistAuthorization: false,
    },
  });
  return app;
}
