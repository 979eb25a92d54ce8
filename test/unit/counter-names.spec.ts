import { CounterNames } from '../../src/rate-limit/counter-names';

describe('CounterNames', () => {
  const id = '6f1c2d3e-0000-4000-8000-000000000001';

  it('names the counters as before they were kept (the Redis keys other instances share)', () => {
    const names = new CounterNames();
    expect(names.global('api_key', id, false)).toBe(`reads:api_key:${id}`);
    expect(names.global('api_key', id, true)).toBe(`writes:api_key:${id}`);
    expect(names.keyWindow(id, 1_700_000_000_999)).toBe(`key:${id}:1700000000`);
  });

  it('gives the same principal the same name, and another kind with the same id its own', () => {
    const names = new CounterNames();
    expect(names.global('user', id, false)).toBe(`reads:user:${id}`);
    expect(names.global('service_token', id, false)).toBe(`reads:service_token:${id}`);
    expect(names.global('user', id, true)).toBe(`writes:user:${id}`);
    expect(names.size).toBe(1);
  });

  it("moves a key's per-second counter to the next wall-clock second, and only then", () => {
    const names = new CounterNames();
    expect(names.keyWindow(id, 5_000)).toBe(`key:${id}:5`);
    expect(names.keyWindow(id, 5_999)).toBe(`key:${id}:5`);
    expect(names.keyWindow(id, 6_000)).toBe(`key:${id}:6`);
    // The key's global counter is kept alongside its second's.
    expect(names.global('api_key', id, false)).toBe(`reads:api_key:${id}`);
    expect(names.keyWindow(id, 6_500)).toBe(`key:${id}:6`);
  });

  it('keeps at most its bound of principals, and names every one right past it', () => {
    const names = new CounterNames(3);
    for (let n = 0; n < 10; n += 1) {
      expect(names.global('api_key', `key-${n}`, false)).toBe(`reads:api_key:key-${n}`);
      expect(names.size).toBeLessThanOrEqual(3);
    }
    // Forgotten names are built again, the same.
    expect(names.global('api_key', 'key-0', true)).toBe('writes:api_key:key-0');
    expect(names.keyWindow('key-0', 42_000)).toBe('key:key-0:42');
  });
});
