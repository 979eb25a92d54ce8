import { KeywardError } from '../../src/common/errors/keyward-error';
import { LoginThrottle } from '../../src/auth/login-throttle';
import { LocalCounters } from '../../src/rate-limit/counters';

describe(LoginThrottle.name, () => {
  let now = 0;
  let counters: LocalCounters;
  const sut = () => new LoginThrottle(counters, 3);

  beforeEach(() => {
    now = 1_000_000;
    counters = new LocalCounters(() => now);
  });

  afterEach(() => counters.close());

  it('delays from the fifth consecutive failure, doubling up to 30 s', async () => {
    const throttle = sut();
    const delays: number[] = [];
    for (let i = 0; i < 12; i += 1) delays.push((await throttle.recordAttempt(i % 2 ? 'User@Example.test' : 'user@example.test ')).delayMs);
    expect(delays).toEqual([0, 0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
    expect(await throttle.delayFor('user@example.test')).toBe(30000);
  });

  it('resets on success and forgets old failures', async () => {
    const throttle = sut();
    for (let i = 0; i < 5; i += 1) await throttle.recordAttempt('a');
    expect(await throttle.delayFor('a')).toBe(1000);
    await throttle.recordSuccess('a');
    expect(await throttle.delayFor('a')).toBe(0);
    for (let i = 0; i < 5; i += 1) await throttle.recordAttempt('b');
    now += 61 * 60_000;
    expect(await throttle.delayFor('b')).toBe(0);
  });

  it('limits attempts per address per minute with a Retry-After', async () => {
    const throttle = sut();
    for (let i = 0; i < 3; i += 1) await throttle.admit('10.0.0.1');
    const error = await throttle.admit('10.0.0.1').catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(KeywardError);
    expect((error as KeywardError).code).toBe('rate');
    expect((error as KeywardError).options.retryAfter).toBe(60);
    await expect(throttle.admit('10.0.0.2')).resolves.toBeUndefined();
    now += 60_000;
    await expect(throttle.admit('10.0.0.1')).resolves.toBeUndefined();
  });
});
