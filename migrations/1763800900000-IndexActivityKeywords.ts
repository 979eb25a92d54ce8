import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Keyword search (`keywords:WORD`, `?q=`) matches a substring of the action, the target id or the
 * details. A trigram index over that one text makes it an index scan instead of reading every
 * record of the organization. The expression must stay identical to ACTIVITY_SEARCH_TEXT.
 */
export class IndexActivityKeywords1763800900000 implements MigrationInterface {
  name = 'IndexActivityKeywords1763800900000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`CREATE EXTENSION IF NOT EXISTS pg_trgm`);
    await queryRunner.query(`
      CREATE INDEX activity_records_search_trgm_idx ON activity_records
      USING gin ((action || ' ' || coalesce(target_id, '') || ' ' || details::text) gin_trgm_ops)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX activity_records_search_trgm_idx`);
  }
}
