import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Client } from 'pg';
import { TestServer, withDatabase } from '../../tools/server-process';

export { withDatabase };

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

/** Every row of every table, as JSON text per table: what a change would show up in. */
export type RowSnapshot = Record<string, string[]>;

/**
 * Taken with the server stopped (and started again), on either database, so that everything
 * written behind (usage, last use) has been flushed and nothing lands while the rows are read.
 */
export async function rowSnapshot(server: TestServer): Promise<RowSnapshot> {
  const running = Boolean(server.storage.databaseUrl);
  if (running) await server.stop();
  try {
    return await withDatabase(server, async (client) => {
      const tables = await client.query<{ tablename: string }>(`SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename`);
      const snapshot: RowSnapshot = {};
      for (const { tablename } of tables.rows) {
        const rows = await client.query<{ row: string }>(`SELECT row_to_json(t)::text AS row FROM "${tablename}" t`);
        snapshot[tablename] = rows.rows.map((row) => row.row).sort();
      }
      return snapshot;
    });
  } finally {
    // The embedded database is started again by withDatabase itself.
    if (running) await server.restart();
  }
}

/** The rows that differ between two snapshots: added, removed, or changed (as removed + added). */
export function changedRows(before: RowSnapshot, after: RowSnapshot): Array<{ table: string; change: 'added' | 'removed'; row: string }> {
  const changes: Array<{ table: string; change: 'added' | 'removed'; row: string }> = [];
  for (const table of new Set([...Object.keys(before), ...Object.keys(after)])) {
    const remaining = new Map<string, number>();
    for (const row of before[table] ?? []) remaining.set(row, (remaining.get(row) ?? 0) + 1);
    for (const row of after[table] ?? []) {
      const count = remaining.get(row) ?? 0;
      if (count > 0) remaining.set(row, count - 1);
      else changes.push({ table, change: 'added', row });
    }
    for (const [row, count] of remaining) for (let i = 0; i < count; i += 1) changes.push({ table, change: 'removed', row });
  }
  return changes;
}
