import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import type { TestServer } from './server';

/**
 * Everything the server has stored, as text: every row of every table (PostgreSQL server), or
 * every byte of the embedded database's files. For proving what is, and is not, stored.
 */
export async function storedText(server: TestServer): Promise<string> {
  if (server.storage.databaseUrl) {
    const client = new Client({ connectionString: server.storage.databaseUrl });
    await client.connect();
    try {
      const tables = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public'`);
      const parts: string[] = [];
      for (const { tablename } of tables.rows) {
        const rows = await client.query(`SELECT t::text AS row FROM "${tablename}" t`);
        parts.push(...rows.rows.map((row: { row: string }) => row.row));
      }
      return parts.join('\n');
    } finally {
      await client.end();
    }
  }
  const parts: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      if (statSync(path).isDirectory()) walk(path);
      else parts.push(readFileSync(path).toString('latin1'));
    }
  };
  walk(server.storage.dataDir as string);
  return parts.join('\n');
}
