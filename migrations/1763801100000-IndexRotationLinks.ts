import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * The rotation links (rotated_from_id, rotated_to_id) reference the table they are in. Without an
 * index, PostgreSQL checks them by scanning the whole table for every row deleted: removing
 * 100,000 keys (the benchmark between its runs, or an organization's keys going with it) took more
 * than 20 minutes on the embedded database. Few rows have a link, so the indexes are partial.
 */
export class IndexRotationLinks1763801100000 implements MigrationInterface {
  name = 'IndexRotationLinks1763801100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['api_keys', 'service_tokens']) {
      for (const column of ['rotated_from_id', 'rotated_to_id']) {
        await queryRunner.query(`CREATE INDEX ${table}_${column}_idx ON ${table} (${column}) WHERE ${column} IS NOT NULL`);
      }
    }
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    for (const table of ['api_keys', 'service_tokens']) {
      for (const column of ['rotated_from_id', 'rotated_to_id']) {
        await queryRunner.query(`DROP INDEX ${table}_${column}_idx`);
      }
    }
  }
}
