import { CacheOwner, CacheSpace, EPOCH_SPAN_MS, EpochClock } from '../../src/auth/cache-space';

/** A cache owner whose clock and generation the test moves. */
class Owner implements CacheOwner {
  generation = 0;
  time = 0;
  now(): number {
    return this.time;
  }
}

describe('CacheSpace', () => {
  it('serves a stored value until the TTL has passed, then forgets it', () => {
    const owner = new Owner();
    const space = new CacheSpace<string>(owner, 1000, 10);
    space.set('a', 'A', owner.generation);
    owner.time = 1000;
    expect(space.get('a')).toBe('A');
    owner.time = 1001;
    expect(space.get('a')).toBeUndefined();
    expect(space.size).toBe(0);
  });

  it("forgets an entry stored later than the owner's clock now reads (a restarted clock)", () => {
    const owner = new Owner();
    const space = new CacheSpace<string>(owner, 1000, 10);
    owner.time = 500;
    space.set('a', 'A', owner.generation);
    owner.time = 499;
    expect(space.get('a')).toBeUndefined();
  });

  it('refuses to store a value whose lookup began before an invalidation', () => {
    const owner = new Owner();
    const space = new CacheSpace<string>(owner, 1000, 10);
    const began = owner.generation;
    owner.generation += 1;
    space.set('a', 'stale', began);
    expect(space.get('a')).toBeUndefined();
  });

  it('never hands a load begun before an invalidation to a caller who came after it', async () => {
    const owner = new Owner();
    const space = new CacheSpace<string>(owner, 1000, 10);
    let release!: (value: string) => void;
    const first = space.through('a', () => new Promise((resolve) => (release = resolve)));
    owner.generation += 1;
    space.clear();
    const second = space.through('a', async () => 'fresh');
    release('stale');
    expect(await first).toBe('stale');
    expect(await second).toBe('fresh');
    expect(space.get('a')).toBe('fresh');
  });

  it('shares one load among concurrent misses of a key', async () => {
    const owner = new Owner();
    const space = new CacheSpace<string>(owner, 1000, 10);
    let loads = 0;
    const load = async () => {
      loads += 1;
      return 'A';
    };
    expect(await Promise.all([space.through('a', load), space.through('a', load)])).toEqual(['A', 'A']);
    expect(loads).toBe(1);
  });

  it('evicts the least recently used entry past its bound, a recent hit counting as use', () => {
    const owner = new Owner();
    const space = new CacheSpace<string>(owner, 60_000, 2);
    space.set('a', 'A', 0);
    space.set('b', 'B', 0);
    owner.time = 1000;
    expect(space.get('a')).toBe('A');
    space.set('c', 'C', 0);
    expect(space.get('b')).toBeUndefined();
    expect(space.get('a')).toBe('A');
    expect(space.get('c')).toBe('C');
  });
});

describe('EpochClock', () => {
  const start = 1_765_000_000_000.5;
  const clockAt = () => {
    let time = start;
    const owner = { generation: 0, clock: new EpochClock(() => space.clear(), () => time), now: () => owner.clock.now() };
    const space = new CacheSpace<string>(owner, 1000, 10);
    return { owner, space, setTime: (next: number) => (time = next) };
  };

  it('counts whole milliseconds from its epoch', () => {
    const { owner, setTime } = clockAt();
    setTime(start + 250.25);
    expect(owner.now()).toBe(250);
  });

  it('restarts at 0 past its span, and a cache on it never serves an entry of the old epoch', () => {
    const { owner, space, setTime } = clockAt();
    setTime(start + EPOCH_SPAN_MS - 1);
    space.set('a', 'A', 0);
    expect(space.get('a')).toBe('A');
    // Within the TTL by the wall clock, but stored in the old epoch: forgotten, not served.
    setTime(start + EPOCH_SPAN_MS);
    expect(space.get('a')).toBeUndefined();
    expect(owner.now()).toBe(0);
    space.set('b', 'B', 0);
    setTime(start + EPOCH_SPAN_MS + 1000);
    expect(space.get('b')).toBe('B');
    setTime(start + EPOCH_SPAN_MS + 1001);
    expect(space.get('b')).toBeUndefined();
  });

  it('when the wall clock is set back, no entry outlives its TTL by the difference', () => {
    const { owner, space, setTime } = clockAt();
    setTime(start + 5000);
    space.set('a', 'A', 0);
    space.set('b', 'B', 0);
    // Back, but still after the epoch: the entries are from the future, and forgotten.
    setTime(start + 4000);
    expect(space.get('a')).toBeUndefined();
    expect(owner.now()).toBe(4000);
    // Back before the epoch: the clock restarts, and everything timed against it goes.
    setTime(start - 60_000);
    expect(owner.now()).toBe(0);
    expect(space.size).toBe(0);
    setTime(start - 59_000);
    expect(owner.now()).toBe(1000);
  });
});
