import { setPriority } from 'node:os';
import { Algorithm } from '@node-rs/argon2';

/** OWASP's minimum for argon2id is m = 19 MiB, t = 2, p = 1; these meet it. */
export const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * The lowest priority: a password hash is 20-30 ms of CPU, and on a busy machine the kernel should
 * run the request thread first. Linux keeps a nice value per thread, so the hashing thread lowers
 * only its own (on systems where it is per process the call is refused, and hashing runs as
 * before). The benchmark's control load hashes at the same priority. Measured on two cores, 2
 * connections of keyed GETs beside 20 hashes/s in another process, p99 with ÷ without, median of 4
 * rounds: nice 0 1.86, nice 10 1.56, nice 19 1.20 (SCHED_IDLE 1.18, but it fell behind the 20/s).
 * The cost falls on logins only when every core is kept busy at normal priority: they then wait
 * for idle moments (a request thread alone keeps at most one core busy).
 */
export const HASHING_NICENESS = 19;

/** Lowers the calling thread to HASHING_NICENESS; where that is refused, it hashes at normal priority. */
export function lowerHashingPriority(): void {
  try {
    setPriority(0, HASHING_NICENESS);
  } catch {
    // Not allowed here: hashing still runs off the request thread, at normal priority.
  }
}
