import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';

/** While draining, how often the requests in flight are looked at again. */
const DRAIN_POLL_MS = 20;
/** Past this many requests in flight (and twice what is left after each sweep), the set is swept. */
const FIRST_SWEEP_AT = 1000;

/**
 * Fastify, with a shutdown that lets the requests being handled finish first.
 *
 * Nest's `app.close()` runs the modules' destroy and before-shutdown hooks (the password hashing
 * thread stops, the usage held in memory is written, the database closes) before it closes the
 * HTTP server, which is when Fastify waits for requests in flight. So a login in flight at SIGTERM
 * was answered as a wrong password, and the usage of a request answered after the write was lost.
 * Nest awaits `beforeClose` before any hook: here it starts answering new requests 503
 * (`return503OnClosing`) and then waits until the requests in flight have their reply, for at
 * most `drainMs`.
 *
 * A request is tracked from the onRequest hook until its handler replies (the onSend hook). Not to
 * the response's end: a client that leaves mid-request never gets one, while its handler goes on
 * (a login verifying, a mutation committing) and must still find what it uses. Every request that
 * is not hijacked reaches onSend, an aborted upload too (its body parser replies with the error).
 */
export class DrainingFastifyAdapter extends FastifyAdapter {
  /** The requests begun whose handler has not replied yet. */
  private readonly handling = new Set<FastifyRequest>();
  private sweepAt = FIRST_SWEEP_AT;
  /** The longest a shutdown waits for requests in flight. */
  drainMs = 5000;

  /** A request has begun (an onRequest hook). */
  requestBegun(request: FastifyRequest): void {
    this.handling.add(request);
    if (this.handling.size > this.sweepAt) this.sweepAt = Math.max(FIRST_SWEEP_AT, 2 * this.sweep());
  }

  /** A request's handler has replied (an onSend hook). */
  requestReplied(request: FastifyRequest): void {
    this.handling.delete(request);
  }

  override async beforeClose(): Promise<void> {
    super.beforeClose();
    const until = Date.now() + this.drainMs;
    while (this.handling.size > 0 && Date.now() < until) await sleep(DRAIN_POLL_MS);
  }

  /**
   * Only a bound on memory, should some path ever not reply: a thousand requests in flight is far
   * past this service's normal load. Forgets those whose connection is gone; returns how many are left.
   */
  private sweep(): number {
    for (const request of this.handling) if (request.raw.socket?.destroyed !== false) this.handling.delete(request);
    return this.handling.size;
  }
}
