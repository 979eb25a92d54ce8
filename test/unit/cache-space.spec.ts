import { CacheOwner, CacheSpace } from '../../src/auth/cache-space';

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
