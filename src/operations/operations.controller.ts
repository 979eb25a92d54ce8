import { Controller, Get, Header, Headers, HttpCode, Res, ServiceUnavailableException } from '@nestjs/common';
import { ApiExcludeEndpoint, ApiOkResponse, ApiOperation, ApiServiceUnavailableResponse, ApiTags } from '@nestjs/swagger';
import { HealthCheck, HealthCheckService, HealthIndicatorFunction, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { Public } from '../auth/decorators';
import { safeEqual } from '../common/crypto';
import { KeywardError } from '../common/errors/keyward-error';
import { AppConfig } from '../config/app-config';
import { RedisConnection } from '../redis/redis.module';
import { Metrics } from './metrics';

@ApiTags('Operations')
@Controller()
export class OperationsController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly database: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisConnection,
    private readonly metrics: Metrics,
    private readonly config: AppConfig,
  ) {}

  @Get('health/live')
  @Public()
  @ApiOperation({ summary: 'The process is up' })
  @ApiOkResponse({ description: 'Always, while the process runs.' })
  live() {
    return { status: 'ok' };
  }

  @Get('health/ready')
  @Public()
  @HealthCheck()
  @ApiOperation({
    summary: 'Ready to serve: the database answers (503 otherwise)',
    description: 'Also reports Redis when configured; without it the instance still serves, with per-instance limits.',
  })
  @ApiServiceUnavailableResponse({ description: 'A dependency is down.' })
  async ready(@Res({ passthrough: true }) reply: FastifyReply) {
    const checks: HealthIndicatorFunction[] = [() => this.database.pingCheck('database', { timeout: 2000 })];
    if (this.redis.client) {
      checks.push(async () => {
        const indicator = this.indicators.check('redis');
        // Not a reason to take the instance out of service: limits fall back to its own counters.
        return (await this.redis.ping())
          ? indicator.up({ shared_limits: true })
          : indicator.up({ shared_limits: false, message: 'Redis does not answer: rate limits are per instance until it returns' });
      });
    }
    try {
      return await this.health.check(checks);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      reply.status(503);
      return error.getResponse();
    }
  }

  @Get('metrics')
  @Public()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @ApiExcludeEndpoint()
  async prometheus(@Headers('authorization') authorization: string | undefined, @Res({ passthrough: true }) reply: FastifyReply) {
    const token = this.config.env.METRICS_TOKEN;
    if (token && !safeEqual(authorization ?? '', `Bearer ${token}`)) {
      throw new KeywardError('session', 'The metrics endpoint requires its bearer token (METRICS_TOKEN).');
    }
    reply.type(this.metrics.registry.contentType);
    return this.metrics.registry.metrics();
  }
}
