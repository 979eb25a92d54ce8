/**
 * Serves a stopped embedded server's DATA_DIR on a loopback port until SIGTERM, printing
 * `{"url": ...}` once ready: how tests reach the embedded database to tamper with it.
 */
import pino from 'pino';
import { EmbeddedPostgres } from '../src/database/embedded-postgres';

async function main(): Promise<void> {
  const dataDir = process.argv[2];
  if (!dataDir) throw new Error('usage: embedded-db DATA_DIR');
  const database = await EmbeddedPostgres.start(dataDir, pino({ level: 'silent' }));
  process.stdout.write(`${JSON.stringify({ url: database.url })}\n`);
  process.once('SIGTERM', () => {
    void database.stop().then(() => process.exit(0));
  });
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.message : String(error)}\n`);
  process.exit(1);
});
