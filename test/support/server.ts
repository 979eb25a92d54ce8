import { issuedSecrets } from './client';
import { storedText } from './storage';
import { lifecycle, TestServer } from '../../tools/server-process';

/** The end-to-end suites and the benchmark start the built server the same way. */
export * from '../../tools/server-process';

/**
 * quality.md, Secrets: when a suite is done with a server, everything it stored (every row, or
 * every byte of the embedded database's files) and every line it printed are searched for every
 * secret the tests were given: API keys, service tokens, session ids, CSRF tokens, JWTs,
 * passwords, webhook signing secrets. One hit fails the suite.
 */
lifecycle.beforeDestroy = async (server: TestServer) => {
  const secrets = [...issuedSecrets].filter((secret) => secret.length >= 8);
  if (secrets.length === 0) return;
  const stored = await storedText(server);
  const logs = server.logs.join('\n');
  const leaked = secrets.filter((secret) => stored.includes(secret) || logs.includes(secret));
  if (leaked.length > 0) {
    throw new Error(`${leaked.length} issued secret(s) found in the database or the logs of ${server.url}: ${leaked.map((secret) => secret.slice(0, 6) + '…').join(', ')}`);
  }
  scanned.servers += 1;
  scanned.secrets = Math.max(scanned.secrets, secrets.length);
};

export const scanned = { servers: 0, secrets: 0 };
