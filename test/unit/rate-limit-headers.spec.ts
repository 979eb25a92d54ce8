import Fastify, { FastifyReply } from 'fastify';
import { headerStoreOf, NumberText } from '../../src/common/http/reply-headers';
import { headersOf, RateLimitState, setRateLimitHeaders } from '../../src/rate-limit/rate-limit-headers';

// Over a real connection: what a reply sends is what Node writes to the socket.
const listen = (app: ReturnType<typeof Fastify>) => app.listen({ port: 0, host: '127.0.0.1' });

describe('rate-limit headers', () => {
  const states: RateLimitState[] = [
    { limit: 1_000_000_000, remaining: 999_999_998, reset: 60 },
    { limit: 1_000_000_000, remaining: 999_999_997, reset: 59 },
    { limit: 5, remaining: 0, reset: 1 },
  ];

  it('arrive on a Fastify response exactly as headersOf names them, next to headers set through Fastify', async () => {
    const app = Fastify();
    let state = states[0];
    app.get('/', async (_request, reply) => {
      reply.header('X-Before', 'set through Fastify');
      setRateLimitHeaders(reply, state);
      return { ok: true };
    });
    try {
      const url = await listen(app);
      for (const next of states) {
        state = next;
        const response = await fetch(url);
        expect(response.status).toBe(200);
        expect(Object.fromEntries(response.headers)).toMatchObject({ ...headersOf(next), 'x-before': 'set through Fastify' });
        await response.arrayBuffer();
      }
    } finally {
      await app.close();
    }
  });

  it('finds the object Fastify sends its headers from', async () => {
    const app = Fastify();
    let found: Record<string, string> | null = null;
    app.get('/', async (_request, reply) => {
      reply.header('X-Probe', 'seen');
      found = headerStoreOf(reply);
      return {};
    });
    try {
      await (await fetch(await listen(app))).arrayBuffer();
      expect(found).toMatchObject({ 'x-probe': 'seen' });
    } finally {
      await app.close();
    }
  });

  it('falls back to reply.header() on a reply that keeps its headers elsewhere', () => {
    const set: Array<[string, string]> = [];
    const reply = { header: (name: string, value: string) => set.push([name, value]) } as unknown as FastifyReply;
    setRateLimitHeaders(reply, states[2]);
    expect(Object.fromEntries(set)).toEqual(headersOf(states[2]));
  });
});

describe(NumberText.name, () => {
  it('gives the decimal text of each number, also after it changes and changes back', () => {
    const sut = new NumberText();
    for (const value of [60, 60, 59, 60, 0, 1_000_000_000, -1]) expect(sut.of(value)).toBe(String(value));
  });
});
