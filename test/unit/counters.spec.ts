import Redis from 'ioredis';
import { randomUUID } from 'node:crypto';
import { Counters, FallbackCounters, LocalCounters, RedisCounters } from '../../src/rate-limit/counters';

describe(LocalCounters.name, () => {
  let now = 0;
  let counters: LocalCounters;

  beforeEach(() => {
    now = 5_000;
    counters = new LocalCounters(() => now);
  });

  afterEach(() => counters.close());

  it('counts hits in a fixed window that starts at the first hit', async () => {
    expect(await counters.hit('k', 1000)).toEqual({ count: 1, msLeft: 1000 });
    now += 400;
    expect(await counters.hit('k', 1000)).toEqual({ count: 2, msLeft: 600 });
    now += 600;
    expect(await counters.hit('k', 1000)).toEqual({ count: 1, msLeft: 1000 });
  });

  it('keeps a bumped count until it goes untouched for its ttl', async () => {
    await counters.bump('b', 100);
    now += 90;
    expect(await counters.bump('b', 100)).toBe(2);
    now += 90;
    expect(await counters.read('b')).toBe(2);
    now += 20;
    expect(await counters.read('b')).toBe(0);
    await counters.bump('b', 100);
    await counters.reset('b');
    expect(await counters.read('b')).toBe(0);
  });
});

describe(FallbackCounters.name, () => {
  const failing: Counters = {
    hit: () => Promise.reject(new Error('connection refused')),
    bump: () => Promise.reject(new Error('connection refused')),
    read: () => Promise.reject(new Error('connection refused')),
    reset: () => Promise.reject(new Error('connection refused')),
  };

  it('uses the local counters while the shared ones fail, reports each switch once, and switches back', async () => {
    const local = new LocalCounters();
    const shared = new LocalCounters();
    let sharedWorks = false;
    let now = 0;
    const switches: boolean[] = [];
    const counters = new FallbackCounters(
      { hit: (key, ms) => (sharedWorks ? shared.hit(key, ms) : failing.hit(key, ms)), bump: failing.bump, read: failing.read, reset: failing.reset },
      local,
      () => true,
      (degraded) => switches.push(degraded),
      () => now,
    );
    expect((await counters.hit('k', 60_000)).count).toBe(1);
    expect((await counters.hit('k', 60_000)).count).toBe(2);
    expect(counters.isDegraded).toBe(true);
    sharedWorks = true;
    expect((await counters.hit('k', 60_000)).count).toBe(3);
    now += 1000;
    expect((await counters.hit('k', 60_000)).count).toBe(1);
    expect(counters.isDegraded).toBe(false);
    expect(switches).toEqual([true, false]);
    local.close();
    shared.close();
  });

  it('does not try the shared counters while they are not connected', async () => {
    const local = new LocalCounters();
    let tried = 0;
    const counters = new FallbackCounters({ ...failing, bump: () => ((tried += 1), Promise.resolve(1)) }, local, () => false, () => undefined);
    expect(await counters.bump('x', 1000)).toBe(1);
    expect(await counters.bump('x', 1000)).toBe(2);
    expect(tried).toBe(0);
    local.close();
  });
});

// Needs a Redis server: CI's first pass sets REDIS_URL (the embedded-default pass does not).
(process.env.REDIS_URL ? describe : describe.skip)(RedisCounters.name, () => {
  let a: Redis;
  let b: Redis;

  beforeAll(() => {
    a = new Redis(process.env.REDIS_URL as string);
    b = new Redis(process.env.REDIS_URL as string);
  });

  afterAll(() => {
    a.disconnect();
    b.disconnect();
  });

  it('counts atomically across connections, as two instances would', async () => {
    const key = `test:${randomUUID()}`;
    const first = new RedisCounters(a, 'test:');
    const second = new RedisCounters(b, 'test:');
    const hits = await Promise.all(Array.from({ length: 40 }, (_, i) => (i % 2 ? first : second).hit(key, 5000)));
    expect(hits.map((hit) => hit.count).sort((x, y) => x - y)).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
    expect(Math.min(...hits.map((hit) => hit.msLeft))).toBeGreaterThan(0);
    expect(Math.max(...hits.map((hit) => hit.msLeft))).toBeLessThanOrEqual(5000);
  });

  it('never lets reservations of a large limit add up to more than the limit', async () => {
    const key = `test:${randomUUID()}`;
    const instances = [new RedisCounters(a, 'test:'), new RedisCounters(b, 'test:')];
    const limit = 1000;
    const hits = await Promise.all(Array.from({ length: 1500 }, (_, i) => instances[i % 2].hit(key, 60_000, limit)));
    const accepted = hits.filter((hit) => hit.count <= limit).length;
    expect(accepted).toBeLessThanOrEqual(limit);
    // Each instance may strand at most 1 % of the limit.
    expect(accepted).toBeGreaterThanOrEqual(limit - 2 * (limit / 100));
    expect(Number(await a.get(`test:counter:${key}`))).toBe(limit);
  });

  it('bumps, reads and resets a count with a sliding expiry', async () => {
    const key = `test:${randomUUID()}`;
    const counters = new RedisCounters(a, 'test:');
    await counters.bump(key, 60_000);
    expect(await counters.bump(key, 60_000)).toBe(2);
    expect(await new RedisCounters(b, 'test:').read(key)).toBe(2);
    expect(await a.pttl(`test:counter:${key}`)).toBeGreaterThan(59_000);
    await counters.reset(key);
    expect(await counters.read(key)).toBe(0);
  });
});
