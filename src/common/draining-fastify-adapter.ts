import { FastifyAdapter } from '@nestjs/platform-fastify';

/**
 * Fastify, with a shutdown that lets the requests being answered finish first.
 *
 * Nest's `app.close()` runs the modules' destroy and before-shutdown hooks (the password hashing
 * thread stops, the usage held in memory is written) before it closes the HTTP server, which is
 * when Fastify waits for requests in flight. So a login in flight at SIGTERM was answered as a
 * wrong password, and the usage of a request answered after the write was lost. Nest awaits
 * `beforeClose` before any hook: here it starts answering new requests 503 (`return503OnClosing`)
 * and then waits until the requests in flight are answered, for at most `drainMs`.
 */
export class DrainingFastifyAdapter extends FastifyAdapter {
  /** The requests begun and not yet answered. */
  private readonly answering = new Set<object>();
  private onDrained: (() => void) | null = null;
  /** The longest a shutdown waits for requests in flight. */
  drainMs = 5000;

  /** A request has begun (an onRequest hook). */
  requestBegun(request: object): void {
    this.answering.add(request);
  }

  /** A request was answered, or its client went away (onResponse and onRequestAbort hooks; either or both). */
  requestDone(request: object): void {
    if (this.answering.delete(request) && this.answering.size === 0) this.onDrained?.();
  }

  override async beforeClose(): Promise<void> {
    super.beforeClose();
    if (this.answering.size === 0) return;
    await new Promise<void>((resolve) => {
      const bound = setTimeout(resolve, this.drainMs);
      this.onDrained = () => {
        clearTimeout(bound);
        resolve();
      };
    });
  }
}
