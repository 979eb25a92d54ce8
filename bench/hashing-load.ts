/**
 * The control of the "p99 under 20 logins/s" figure: the CPU work of logins' password checks
 * without the server. Run as a child process of the bench (`fork`), it computes argon2id hashes
 * with the server's parameters and priority at `rate` per second for `seconds`, and sends back how
 * many it did. It never talks to the server, so what it does to the server's p99 is what sharing
 * the machine's cores with password hashing costs, whatever the server does.
 */
import { hashSync } from '@node-rs/argon2';
import { ARGON2_OPTIONS, lowerHashingPriority } from '../src/auth/password-hashing';

const [rate, seconds] = process.argv.slice(2).map(Number);
lowerHashingPriority();
const started = Date.now();
let done = 0;
const next = (): void => {
  if (Date.now() - started >= seconds * 1000) {
    process.send?.({ hashes: done, seconds: (Date.now() - started) / 1000 }, () => process.exit(0));
    return;
  }
  hashSync(`password-${done}`, ARGON2_OPTIONS);
  done += 1;
  setTimeout(next, Math.max(0, started + (done * 1000) / rate - Date.now()));
};
next();
