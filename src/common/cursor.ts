import { KeywardError } from './errors/keyward-error';

/** Position after a row in the stable order (created_at, id). */
export interface Cursor {
  createdAt: Date;
  id: string;
}

export interface Page<T> {
  data: T[];
  next_cursor: string | null;
}

export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(`${cursor.createdAt.toISOString()}|${cursor.id}`, 'utf8').toString('base64url');
}

export function decodeCursor(value: string | undefined): Cursor | null {
  if (value === undefined) return null;
  const decoded = Buffer.from(value, 'base64url').toString('utf8');
  const match = /^(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z)\|([0-9a-f-]{36})$/.exec(decoded);
  const createdAt = match ? new Date(match[1]) : null;
  if (!match || !createdAt || Number.isNaN(createdAt.getTime())) {
    throw new KeywardError('validation', 'Invalid parameter: cursor', {
      errors: [{ field: 'cursor', message: 'cursor is not one this API returned' }],
    });
  }
  return { createdAt, id: match[2] };
}

/** Fetch `limit + 1` rows; the extra one says whether there is a next page. */
export function toPage<E extends { createdAt: Date; id: string }, T>(
  rows: E[],
  limit: number,
  map: (row: E) => T,
): Page<T> {
  const hasMore = rows.length > limit;
  const pageRows = hasMore ? rows.slice(0, limit) : rows;
  const last = pageRows[pageRows.length - 1];
  return {
    data: pageRows.map(map),
    next_cursor: hasMore && last ? encodeCursor({ createdAt: last.createdAt, id: last.id }) : null,
  };
}
