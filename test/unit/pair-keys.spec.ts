import { PairKeys } from '../../src/common/pair-keys';

describe(PairKeys.name, () => {
  const user = '6f1c2d3e-0000-4000-8000-000000000001';
  const organization = '6f1c2d3e-0000-4000-8000-0000000000aa';
  const other = '6f1c2d3e-0000-4000-8000-0000000000bb';

  it('makes the key of a pair as the cache stored it before (first:second)', () => {
    expect(new PairKeys().of(user, organization)).toBe(`${user}:${organization}`);
  });

  it('hands back the kept key for a repeated pair, compared by value', () => {
    const sut = new PairKeys();
    const first = sut.of(user, organization);
    // A copy of the same text (as a header value parsed anew would be) still finds the kept key.
    const again = sut.of(user, `${organization.slice(0, 10)}${organization.slice(10)}`);
    expect(again).toBe(first);
    expect(sut.size).toBe(1);
  });

  it('gives a different second its own key, and the first pair its own again afterwards', () => {
    const sut = new PairKeys();
    expect(sut.of(user, organization)).toBe(`${user}:${organization}`);
    expect(sut.of(user, other)).toBe(`${user}:${other}`);
    expect(sut.of(user, organization)).toBe(`${user}:${organization}`);
    expect(sut.of(other, organization)).toBe(`${other}:${organization}`);
  });

  it('stays within its bound and still answers correctly past it', () => {
    const sut = new PairKeys(3);
    for (let index = 0; index < 10; index += 1) {
      expect(sut.of(`user-${index}`, organization)).toBe(`user-${index}:${organization}`);
      expect(sut.size).toBeLessThanOrEqual(3);
    }
  });
});
