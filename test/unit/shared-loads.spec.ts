import { SharedLoads } from '../../src/auth/shared-loads';

/** A load that answers when told to. */
function deferredLoad(value: string) {
  let release!: () => void;
  const released = new Promise<void>((resolve) => (release = resolve));
  const load = jest.fn(async () => {
    await released;
    return value;
  });
  return { load, release };
}

/** The credential cache's read-through: concurrent misses share one database load. */
describe(SharedLoads.name, () => {
  let sut: SharedLoads;

  beforeEach(() => {
    sut = new SharedLoads();
  });

  it('lets concurrent callers of one key share one load, and the next caller start a new one', async () => {
    const { load, release } = deferredLoad('row');
    const first = sut.run('key:a', load);
    const second = sut.run('key:a', load);
    release();
    expect(await Promise.all([first, second])).toEqual(['row', 'row']);
    expect(load).toHaveBeenCalledTimes(1);
    await sut.run('key:a', load);
    expect(load).toHaveBeenCalledTimes(2);
  });

  it('keeps loads of different keys apart', async () => {
    const a = deferredLoad('a');
    const b = deferredLoad('b');
    const both = Promise.all([sut.run('key:a', a.load), sut.run('key:b', b.load)]);
    a.release();
    b.release();
    expect(await both).toEqual(['a', 'b']);
  });

  it('never hands a caller arriving after clear() the result of a load begun before it', async () => {
    const stale = deferredLoad('before revoke');
    const early = sut.run('key:a', stale.load);
    sut.clear();
    const fresh = deferredLoad('after revoke');
    const late = sut.run('key:a', fresh.load);
    // The stale load settling must not drop the fresh one from the shared set.
    stale.release();
    expect(await early).toBe('before revoke');
    const joined = sut.run('key:a', fresh.load);
    fresh.release();
    expect(await late).toBe('after revoke');
    expect(await joined).toBe('after revoke');
    expect(fresh.load).toHaveBeenCalledTimes(1);
  });

  it('starts a new load after a failed one', async () => {
    await expect(sut.run('key:a', async () => Promise.reject(new Error('database down')))).rejects.toThrow('database down');
    expect(await sut.run('key:a', async () => 'row')).toBe('row');
  });
});
