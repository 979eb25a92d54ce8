import { setPriority } from 'node:os';
import { parentPort } from 'node:worker_threads';
import { Algorithm, hashSync, verifySync } from '@node-rs/argon2';

/** OWASP's minimum for argon2id is m = 19 MiB, t = 2, p = 1; these meet it. */
const ARGON2_OPTIONS = { algorithm: Algorithm.Argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

/**
 * Below normal priority: a password hash is 20-30 ms of CPU, and on a busy machine the kernel
 * should run the request thread first. Linux keeps a nice value per thread, so this lowers only
 * this one (on systems where it is per process the call is refused, and hashing runs as before).
 */
export const HASHING_NICENESS = 10;

export type HashRequest = { id: number; op: 'hash'; password: string } | { id: number; op: 'verify'; hash: string; password: string };
export type HashResponse = { id: number; result: string | boolean } | { id: number; error: string };

try {
  setPriority(0, HASHING_NICENESS);
} catch {
  // Not allowed here: hashing still runs off the request thread, at normal priority.
}

parentPort?.on('message', (request: HashRequest) => {
  let response: HashResponse;
  try {
    const result = request.op === 'hash' ? hashSync(request.password, ARGON2_OPTIONS) : verifySync(request.hash, request.password);
    response = { id: request.id, result };
  } catch (error) {
    response = { id: request.id, error: error instanceof Error ? error.message : String(error) };
  }
  parentPort?.postMessage(response);
});
