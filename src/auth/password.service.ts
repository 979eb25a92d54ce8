import { Injectable, Logger, OnModuleDestroy } from '@nestjs/common';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { KeywardError } from '../common/errors/keyward-error';
import { DUMMY_HASH } from './password-hashing';
import type { HashRequest, HashResponse } from './password-hasher.worker';

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** A password that could not be checked is not a wrong password: the client is told to retry. */
export const PASSWORD_CHECK_UNAVAILABLE = 'The service could not check the password; try again shortly.';

type Pending = { resolve: (result: string | boolean) => void; reject: (error: Error) => void };
type Job = { op: 'hash'; password: string } | { op: 'verify'; hash: string; password: string };

/**
 * argon2id on a thread of its own, below normal priority (password-hasher.worker.ts): hashing
 * never runs on the event loop, and on a busy machine it yields the CPU to the requests the service
 * is answering. Hashes run one at a time, in order.
 */
@Injectable()
export class PasswordService implements OnModuleDestroy {
  private worker: Worker | null = null;
  private readonly logger = new Logger('Passwords');
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;

  async onModuleDestroy(): Promise<void> {
    const worker = this.worker;
    this.worker = null;
    // The jobs still queued are answered now, not after the hash in progress (which cannot be
    // interrupted) has finished for nothing.
    this.failPending();
    await worker?.terminate();
  }

  async hash(password: string): Promise<string> {
    return (await this.run({ op: 'hash', password })) as string;
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const matches = await this.run({ op: 'verify', hash: hash ?? DUMMY_HASH, password });
      return hash !== null && matches === true;
    } catch (error) {
      // A stored hash argon2 cannot read matches no password; a thread that stopped (a shutdown
      // past its drain, a crash) checked nothing, and must not count as a failed login.
      if (error instanceof KeywardError) throw error;
      return false;
    }
  }

  private run(job: Job): Promise<string | boolean> {
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.pending.set(id, { resolve, reject });
      this.started().postMessage({ id, ...job } as HashRequest);
    });
  }

  /** A password that could not be checked is not a wrong one: every job waiting is told to retry. */
  private failPending(): void {
    for (const waiting of this.pending.values()) waiting.reject(new KeywardError('unavailable', PASSWORD_CHECK_UNAVAILABLE, { retryAfter: 1 }));
    this.pending.clear();
  }

  /** The hashing thread, started on first use and again if it ever died. */
  private started(): Worker {
    if (this.worker) return this.worker;
    const worker = new Worker(join(__dirname, 'password-hasher.worker.js'));
    worker.on('message', (response: HashResponse) => {
      const waiting = this.pending.get(response.id);
      this.pending.delete(response.id);
      if (!waiting) return;
      if ('error' in response) waiting.reject(new Error(response.error));
      else waiting.resolve(response.result);
    });
    const fail = () => {
      if (this.worker === worker) this.worker = null;
      this.failPending();
    };
    worker.on('error', (error) => {
      this.logger.error(`the password hashing thread failed: ${error.message}`);
      fail();
    });
    worker.on('exit', fail);
    // It must not keep the process alive on its own.
    worker.unref();
    this.worker = worker;
    return worker;
  }
}
