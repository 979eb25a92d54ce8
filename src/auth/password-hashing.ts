import { Algorithm } from '@node-rs/argon2';
import { HASHING_NICENESS, lowerThreadPriority } from '../common/thread-priority';

/** OWASP's minimum for argon2id is m = 19 MiB, t = 2, p = 1; these meet it. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * Verified against when the user is unknown, so that both answers take the same time: argon2id
 * with ARGON2_OPTIONS' parameters (test/unit/password-hashing.spec.ts holds them equal) of a
 * random password nobody kept; a match against it is ignored anyway. A constant, so
 * PasswordService's hashing thread starts at the first password operation, not at boot: an
 * instance that never checks or sets a password (one that answers API keys and verify calls)
 * never holds the thread's memory.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=19456,t=2,p=1$pK7xXe23r4snbRDJRoaabw$AP3HdH+FyG2ocDoKSdwnVXBSa5zcFHiohQdDOXi+olY';

/** Lowers the calling thread to HASHING_NICENESS (the benchmark's control load hashes at the same priority). */
export function lowerHashingPriority(): void {
  lowerThreadPriority(HASHING_NICENESS);
}
