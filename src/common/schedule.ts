import { Logger } from '@nestjs/common';
import { SchedulerRegistry } from '@nestjs/schedule';
import { EntityManager } from 'typeorm';

/** Runs `round` every `intervalMs` on this instance (registered with @nestjs/schedule); failures are logged. */
export function scheduleRounds(scheduler: SchedulerRegistry, name: string, intervalMs: number, logger: Logger, round: () => Promise<unknown>): void {
  const timer = setInterval(() => {
    round().catch((error: unknown) => logger.warn(`${name} round failed: ${(error as Error).message}`));
  }, intervalMs);
  timer.unref();
  scheduler.addInterval(name, timer);
}

/** True when this transaction got the job's lock: with several instances, one acts per round. */
export async function takeJobLock(manager: EntityManager, job: string): Promise<boolean> {
  const [{ locked }] = await manager.query(`SELECT pg_try_advisory_xact_lock(hashtext($1)) AS locked`, [`keyward:${job}`]);
  return locked === true;
}
