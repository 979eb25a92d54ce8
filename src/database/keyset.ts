import type { ObjectLiteral, SelectQueryBuilder } from 'typeorm';
import type { Cursor } from '../common/cursor';

/**
 * One page in the stable order (created_at, id), ascending or descending: `limit + 1` rows after
 * the cursor, so that toPage() can tell whether another page follows.
 */
export function keysetPage<T extends ObjectLiteral>(
  query: SelectQueryBuilder<T>,
  alias: string,
  page: { cursor: Cursor | null; limit: number },
  direction: 'ASC' | 'DESC' = 'ASC',
): SelectQueryBuilder<T> {
  query.orderBy(`${alias}.created_at`, direction).addOrderBy(`${alias}.id`, direction).limit(page.limit + 1);
  if (page.cursor) {
    query.andWhere(`(${alias}.created_at, ${alias}.id) ${direction === 'ASC' ? '>' : '<'} (:cursorAt, :cursorId)`, {
      cursorAt: page.cursor.createdAt,
      cursorId: page.cursor.id,
    });
  }
  return query;
}
