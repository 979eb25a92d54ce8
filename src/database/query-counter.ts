import type { Logger as TypeOrmLogger } from 'typeorm';
import type { Logger } from 'pino';

/**
 * Counts every SQL statement the application sends, so that "no database work per
 * authenticated request" can be measured (exposed as a metric), and routes TypeORM's
 * errors to the structured log without query parameters (they can hold secret digests).
 */
export class QueryCounter {
  private count = 0;

  increment(): void {
    this.count += 1;
  }

  get total(): number {
    return this.count;
  }
}

export class CountingTypeOrmLogger implements TypeOrmLogger {
  constructor(
    private readonly counter: QueryCounter,
    private readonly logger: Logger,
  ) {}

  logQuery(): void {
    this.counter.increment();
  }

  logQueryError(error: string | Error, query: string): void {
    this.counter.increment();
    this.logger.error({ err: error instanceof Error ? { message: error.message } : error, query }, 'query failed');
  }

  logQuerySlow(time: number, query: string): void {
    this.logger.warn({ time, query }, 'slow query');
  }

  logSchemaBuild(message: string): void {
    this.logger.debug(message);
  }

  logMigration(message: string): void {
    this.logger.info(message);
  }

  log(level: 'log' | 'info' | 'warn', message: unknown): void {
    if (level === 'warn') this.logger.warn(String(message));
    else this.logger.debug(String(message));
  }
}
