import { FastifyAdapter } from '@nestjs/platform-fastify';
import type { FastifyRequest } from 'fastify';
import { setTimeout as sleep } from 'node:timers/promises';

/** While draining, how often the requests in flight are looked at again. */
const DRAIN_POLL_MS = 20;
/** Requests whose client went away are forgotten when the set grows past this (and twice its size after each sweep). */
const FIRST_SWEEP_AT = 1000;

/**
 * Fastify, with a shutdown that lets the requests being answered finish first.
 *
 * Nest's `app.close()` runs the modules' destroy and before-shutdown hooks (the password hashing
 * thread stops, the usage held in memory is written) before it closes the HTTP server, which is
 * when Fastify waits for requests in flight. So a login in flight at SIGTERM was answered as a
 * wrong password, and the usage of a request answered after the write was lost. Nest awaits
 * `beforeClose` before any hook: here it starts answering new requests 503 (`return503OnClosing`)
 * and then waits until the requests in flight are answered, for at most `drainMs`.
 *
 * A request is tracked from the onRequest hook to the onResponse hook. A request whose client went
 * away may never reach onResponse; rather than an onRequestAbort hook (Fastify then adds a listener
 * to every request), such requests are found by their closed connection when the set is swept.
 */
export class DrainingFastifyAdapter extends FastifyAdapter {
  /** The requests begun and not yet answered. */
  private readonly answering = new Set<FastifyRequest>();
  private sweepAt = FIRST_SWEEP_AT;
  /** The longest a shutdown waits for requests in flight. */
  drainMs = 5000;

  /** A request has begun (an onRequest hook). */
  requestBegun(request: FastifyRequest): void {
    this.answering.add(request);
    if (this.answering.size > this.sweepAt) this.sweepAt = Math.max(FIRST_SWEEP_AT, 2 * this.sweep());
  }

  /** A request was answered (the onResponse hook). */
  requestDone(request: FastifyRequest): void {
    this.answering.delete(request);
  }

  override async beforeClose(): Promise<void> {
    super.beforeClose();
    const until = Date.now() + this.drainMs;
    while (this.sweep() > 0 && Date.now() < until) await sleep(DRAIN_POLL_MS);
  }

  /** Forgets the requests whose connection is gone; returns how many are left. */
  private sweep(): number {
    for (const request of this.answering) if (request.raw.socket?.destroyed !== false) this.answering.delete(request);
    return this.answering.size;
  }
}
