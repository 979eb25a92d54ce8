import { KeywardError } from '../../src/common/errors/keyward-error';
import { LoginThrottle } from '../../src/auth/login-throttle';

describe(LoginThrottle.name, () => {
  let now = 0;
  const sut = () => new LoginThrottle(3, () => now);

  beforeEach(() => {
    now = 1_000_000;
  });

  it('delays from the fifth consecutive failure, doubling up to 30 s', () => {
    const throttle = sut();
    const delays: number[] = [];
    for (let i = 0; i < 12; i += 1) {
      delays.push(throttle.delayFor('User@Example.test'));
      throttle.recordFailure('user@example.test');
    }
    expect(delays).toEqual([0, 0, 0, 0, 0, 1000, 2000, 4000, 8000, 16000, 30000, 30000]);
  });

  it('resets on success and forgets old failures', () => {
    const throttle = sut();
    for (let i = 0; i < 5; i += 1) throttle.recordFailure('a');
    throttle.recordSuccess('a');
    expect(throttle.delayFor('a')).toBe(0);
    for (let i = 0; i < 5; i += 1) throttle.recordFailure('b');
    now += 61 * 60_000;
    expect(throttle.delayFor('b')).toBe(0);
  });

  it('limits attempts per address per minute with a Retry-After', () => {
    const throttle = sut();
    for (let i = 0; i < 3; i += 1) throttle.admit('10.0.0.1');
    let error: unknown;
    try {
      throttle.admit('10.0.0.1');
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(KeywardError);
    expect((error as KeywardError).code).toBe('rate');
    expect((error as KeywardError).options.retryAfter).toBe(60);
    expect(() => throttle.admit('10.0.0.2')).not.toThrow();
    now += 60_000;
    expect(() => throttle.admit('10.0.0.1')).not.toThrow();
  });
});
