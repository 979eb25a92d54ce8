import { Injectable, OnModuleInit } from '@nestjs/common';
import * as argon2 from 'argon2';
import { randomToken } from '../common/crypto';

/** OWASP's minimum for argon2id is m = 19 MiB, t = 2, p = 1; these meet it. */
const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export const MIN_PASSWORD_LENGTH = 8;
export const MAX_PASSWORD_LENGTH = 256;

/** Hashing runs on libuv's thread pool, off the event loop. */
@Injectable()
export class PasswordService implements OnModuleInit {
  /** Verified against when the user is unknown, so both answers take the same time. */
  private dummyHash = '';

  async onModuleInit(): Promise<void> {
    this.dummyHash = await this.hash(randomToken(24));
  }

  hash(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  async verify(hash: string | null, password: string): Promise<boolean> {
    try {
      const matches = await argon2.verify(hash ?? this.dummyHash, password);
      return hash !== null && matches;
    } catch {
      return false;
    }
  }
}
