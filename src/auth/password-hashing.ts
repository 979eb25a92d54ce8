import { Algorithm } from '@node-rs/argon2';
import { HASHING_NICENESS, lowerThreadPriority } from '../common/thread-priority';

/** OWASP's minimum for argon2id is m = 19 MiB, t = 2, p = 1; these meet it. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/** Lowers the calling thread to HASHING_NICENESS (the benchmark's control load hashes at the same priority). */
export function lowerHashingPriority(): void {
  lowerThreadPriority(HASHING_NICENESS);
}
