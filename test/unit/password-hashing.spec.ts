import { hashSync, verifySync } from '@node-rs/argon2';
import { ARGON2_OPTIONS, DUMMY_HASH } from '../../src/auth/password-hashing';

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
