import { Algorithm, hashSync, verifySync } from '@node-rs/argon2';
import { ARGON2_OPTIONS, DUMMY_HASH, needsRehash } from '../../src/auth/password-hashing';

describe('the dummy password hash', () => {
  it("has the parameters of every stored hash, so verifying an unknown user's password costs the same", () => {
    const stored = hashSync('correct horse battery staple', ARGON2_OPTIONS);
    const parameters = (hash: string) => hash.split('$').slice(1, 4);
    expect(parameters(DUMMY_HASH)).toEqual(parameters(stored));
    expect(parameters(DUMMY_HASH)).toEqual(['argon2id', 'v=19', `m=${ARGON2_OPTIONS.memoryCost},t=${ARGON2_OPTIONS.timeCost},p=${ARGON2_OPTIONS.parallelism}`]);
  });

  it('is a real hash that an ordinary password does not match', () => {
    expect(verifySync(DUMMY_HASH, 'password')).toBe(false);
    expect(verifySync(DUMMY_HASH, '')).toBe(false);
  });
});

describe('the password parameters', () => {
  it("are one of OWASP's equal-strength argon2id configurations", () => {
    const owasp = [
      [47104, 1],
      [19456, 2],
      [12288, 3],
      [9216, 4],
      [7168, 5],
    ];
    expect(ARGON2_OPTIONS.algorithm).toBe(Algorithm.Argon2id);
    expect(ARGON2_OPTIONS.parallelism).toBe(1);
    expect(owasp).toContainEqual([ARGON2_OPTIONS.memoryCost, ARGON2_OPTIONS.timeCost]);
  });
});

describe('needsRehash', () => {
  const older = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 };

  it("is false for a hash of the current parameters and the dummy's", () => {
    expect(needsRehash(hashSync('a password', ARGON2_OPTIONS))).toBe(false);
    expect(needsRehash(DUMMY_HASH)).toBe(false);
  });

  it('is true for a hash of other parameters, which still verifies', () => {
    const hash = hashSync('a password', older);
    expect(verifySync(hash, 'a password')).toBe(true);
    expect(needsRehash(hash)).toBe(true);
    expect(needsRehash(hashSync('a password', { ...ARGON2_OPTIONS, algorithm: Algorithm.Argon2i }))).toBe(true);
    expect(needsRehash(hashSync('a password', { ...ARGON2_OPTIONS, timeCost: ARGON2_OPTIONS.timeCost + 1 }))).toBe(true);
  });

  it('compares whole parameter values, not their beginnings', () => {
    const { memoryCost: m, timeCost: t, parallelism: p } = ARGON2_OPTIONS;
    const salted = '$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g';
    expect(needsRehash(`$argon2id$v=19$m=${m}0,t=${t},p=${p}${salted}`)).toBe(true);
    expect(needsRehash(`$argon2id$v=19$m=${m},t=${t}0,p=${p}${salted}`)).toBe(true);
    expect(needsRehash(`$argon2id$v=19$m=${m},t=${t},p=${p}0${salted}`)).toBe(true);
    expect(needsRehash(`$argon2id$v=16$m=${m},t=${t},p=${p}${salted}`)).toBe(true);
    expect(needsRehash('')).toBe(true);
  });
});
