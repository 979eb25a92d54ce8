import { Algorithm } from '@node-rs/argon2';
import { HASHING_NICENESS, lowerThreadPriority } from '../common/thread-priority';

/**
 * argon2id at m = 7 MiB, t = 5, p = 1: one of the five configurations OWASP's Password Storage
 * Cheat Sheet lists as giving an equal level of defence (m = 46 MiB t = 1, 19 MiB t = 2, 12 MiB t = 3,
 * 9 MiB t = 4, 7 MiB t = 5; "the only difference is a trade off between CPU and RAM usage"). Of
 * those, the smallest memory: on these machines a hash's 7 MiB leaves most of the shared L3 cache to
 * the request thread on the other core, where 19 MiB (t = 2, used until 2026-12-07) filled most of it.
 * Measured as the bench's logins figure is (20 logins/s beside 2 connections of keyed GETs, GET p99
 * with ÷ without), median of 7 rounds: 1.30 and 1.32, against 1.34-1.46 in four runs at 19 MiB. One
 * verification on a thread: 3.9 against 5.6 ms of CPU. The request thread's CPU per login: 1.5-1.6
 * against 2.1-2.5 ms (argon2 streaming through the cache slowed it too). The same logins with the
 * verification left out read 1.0: all of the figure's excess is the hashing's. Hashes of other
 * parameters still verify (the parameters are in the hash) and are replaced at the next successful
 * login (LoginService).
 */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 7168, timeCost: 5, parallelism: 1 } as const;

/** The start of every hash made with ARGON2_OPTIONS (PHC string format). */
const CURRENT_PARAMETERS = `$argon2id$v=19$m=${ARGON2_OPTIONS.memoryCost},t=${ARGON2_OPTIONS.timeCost},p=${ARGON2_OPTIONS.parallelism}$`;

/**
 * Whether a stored hash was made with other parameters than ARGON2_OPTIONS' (an older release's):
 * it still verifies, and a successful login then stores a new one, so that known and unknown users'
 * logins cost the same argon2 work again (an unknown user's is DUMMY_HASH's).
 */
export function needsRehash(hash: string): boolean {
  return !hash.startsWith(CURRENT_PARAMETERS);
}

/**
 * Verified against when the user is unknown, so that both answers take the same time: argon2id
 * with ARGON2_OPTIONS' parameters (test/unit/password-hashing.spec.ts holds them equal) of a
 * random password nobody kept; a match against it is ignored anyway. A constant, so
 * PasswordService's hashing thread starts at the first password operation, not at boot: an
 * instance that never checks or sets a password (one that answers API keys and verify calls)
 * never holds the thread's memory.
 */
export const DUMMY_HASH = '$argon2id$v=19$m=7168,t=5,p=1$RpYnWif2oiZkWEjLGvg5Tw$iKbp73NYbi50hPqitt1Haz4LGXu0utF9Owurg+anjI0';

/** Lowers the calling thread to HASHING_NICENESS (the benchmark's control load hashes at the same priority). */
export function lowerHashingPriority(): void {
  lowerThreadPriority(HASHING_NICENESS);
}
