import type { FastifyReply } from 'fastify';
import { headerStoreOf, NumberText } from '../common/http/reply-headers';

export interface RateLimitState {
  limit: number;
  remaining: number;
  /** Seconds until the window resets. */
  reset: number;
}

const limitText = new NumberText();
const resetText = new NumberText();

/**
 * The rate-limit headers of every authenticated response (api-v2.md: IETF draft names), the same
 * as `headersOf`, set without building an object per request. The limit and the reset repeat from
 * request to request, so their text is made once per change.
 */
export function setRateLimitHeaders(reply: FastifyReply, state: RateLimitState): void {
  const limit = limitText.of(state.limit);
  const remaining = String(state.remaining);
  const reset = resetText.of(state.reset);
  const store = headerStoreOf(reply);
  if (store) {
    store['ratelimit-limit'] = limit;
    store['ratelimit-remaining'] = remaining;
    store['ratelimit-reset'] = reset;
    return;
  }
  reply.header('ratelimit-limit', limit);
  reply.header('ratelimit-remaining', remaining);
  reply.header('ratelimit-reset', reset);
}

/** IETF draft names (api-v2.md). */
export function headersOf(state: RateLimitState): Record<string, string> {
  return {
    'ratelimit-limit': String(state.limit),
    'ratelimit-remaining': String(state.remaining),
    'ratelimit-reset': String(state.reset),
  };
}
