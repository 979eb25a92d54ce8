import type { FastifyReply } from 'fastify';

/** The description of the symbol under which a Fastify reply keeps the headers it will send. */
const FASTIFY_REPLY_HEADERS = 'fastify.reply.headers';

/** That symbol, found on the first reply seen (Fastify does not export it); null if it is not there. */
let headersSymbol: symbol | null | undefined;

/**
 * The object in which `reply.header(name, value)` stores a header, to be written to by headers set
 * on every authenticated request. `reply.header()` lower-cases its name and reads and writes the
 * object under a name it is given: about 0.1 µs per header, which `object['literal'] = value`
 * does not spend. Names written here must be lower case, and neither `set-cookie` (which
 * `reply.header()` merges) nor anything Node would refuse: Node still validates every header when
 * the reply is written. Null when this Fastify keeps its headers elsewhere: then use
 * `reply.header()`.
 */
export function headerStoreOf(reply: FastifyReply): Record<string, string> | null {
  if (headersSymbol === undefined) {
    headersSymbol = Object.getOwnPropertySymbols(reply).find((symbol) => symbol.description === FASTIFY_REPLY_HEADERS) ?? null;
  }
  if (headersSymbol === null) return null;
  const store: unknown = (reply as unknown as Record<symbol, unknown>)[headersSymbol];
  return typeof store === 'object' && store !== null ? (store as Record<string, string>) : null;
}

/** The decimal text of a number that repeats from one request to the next (a limit, the seconds to a reset), made once per change. */
export class NumberText {
  private value = NaN;
  private text = '';

  of(value: number): string {
    if (value !== this.value) {
      this.value = value;
      this.text = String(value);
    }
    return this.text;
  }
}
