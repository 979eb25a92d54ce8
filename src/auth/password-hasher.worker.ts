import { parentPort } from 'node:worker_threads';
import { hashSync, verifySync } from '@node-rs/argon2';
import { ARGON2_OPTIONS, lowerHashingPriority } from './password-hashing';

export type HashRequest = { id: number; op: 'hash'; password: string } | { id: number; op: 'verify'; hash: string; password: string };
export type HashResponse = { id: number; result: string | boolean } | { id: number; error: string };

lowerHashingPriority();

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
