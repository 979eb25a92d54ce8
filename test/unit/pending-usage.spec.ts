import { Interner } from '../../src/common/interner';
import { MAX_ADDRESSES_PER_FLUSH, PendingUsage } from '../../src/keys/pending-usage';

describe('PendingUsage', () => {
  it('counts requests per UTC day, and moves the count on when the day changes', () => {
    const usage = new PendingUsage('2026-11-22', 1, '10.0.0.1');
    usage.use('2026-11-22', 1, '10.0.0.1');
    usage.use('2026-11-22', 2, '10.0.0.1');
    usage.use('2026-11-23', 3, '10.0.0.1');
    expect(usage.days().sort()).toEqual([
      ['2026-11-22', 2],
      ['2026-11-23', 1],
    ]);
    expect(usage.lastUsedAt).toBe(3);
  });

  it('continues a day seen before when the clock steps back over midnight, never listing a day twice', () => {
    const usage = new PendingUsage('2026-11-23', 1, '10.0.0.1');
    usage.use('2026-11-23', 1, '10.0.0.1');
    usage.use('2026-11-22', 2, '10.0.0.1');
    usage.use('2026-11-23', 3, '10.0.0.1');
    usage.use('2026-11-23', 4, '10.0.0.1');
    expect(usage.days().sort()).toEqual([
      ['2026-11-22', 1],
      ['2026-11-23', 3],
    ]);
  });

  it('adds counts merged back from a failed flush to the right day', () => {
    const usage = new PendingUsage('2026-11-23', 1, '10.0.0.1');
    usage.use('2026-11-23', 1, '10.0.0.1');
    usage.add('2026-11-23', 5);
    usage.add('2026-11-22', 7);
    expect(usage.days().sort()).toEqual([
      ['2026-11-22', 7],
      ['2026-11-23', 6],
    ]);
  });

  it('remembers each address once, the last one used, and at most the bound', () => {
    const usage = new PendingUsage('2026-11-23', 1, '10.0.0.1');
    usage.use('2026-11-23', 1, '10.0.0.1');
    usage.use('2026-11-23', 2, '10.0.0.2');
    usage.use('2026-11-23', 3, '10.0.0.1');
    expect(usage.addresses).toEqual(['10.0.0.1', '10.0.0.2']);
    expect(usage.lastUsedIp).toBe('10.0.0.1');
    for (let i = 0; i < 2 * MAX_ADDRESSES_PER_FLUSH; i += 1) usage.use('2026-11-23', 4, `10.1.0.${i}`);
    expect(usage.addresses).toHaveLength(MAX_ADDRESSES_PER_FLUSH);
    expect(usage.lastUsedIp).toBe(`10.1.0.${2 * MAX_ADDRESSES_PER_FLUSH - 1}`);
  });
});

describe('Interner', () => {
  it('hands out one instance per key, made once', () => {
    const interner = new Interner<{ path: string[] }>(10);
    let made = 0;
    const make = () => {
      made += 1;
      return { path: ['a'] };
    };
    const first = interner.intern('a', make);
    expect(interner.intern('a', make)).toBe(first);
    expect(made).toBe(1);
  });

  it('starts afresh past its capacity, without changing what it handed out', () => {
    const interner = new Interner<string[]>(2);
    const a = interner.intern('a', () => ['a']);
    interner.intern('b', () => ['b']);
    interner.intern('c', () => ['c']);
    const again = interner.intern('a', () => ['a']);
    expect(again).not.toBe(a);
    expect(a).toEqual(['a']);
  });
});
