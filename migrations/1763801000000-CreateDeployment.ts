import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * One row naming this deployment. Every instance on the database reads the same id, and prefixes
 * its Redis keys and channels with it: deployments (or test servers) sharing one Redis never see
 * each other's counters or invalidations, and instances of one deployment always do.
 */
export class CreateDeployment1763801000000 implements MigrationInterface {
  name = 'CreateDeployment1763801000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE deployment (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        one_row boolean NOT NULL DEFAULT true UNIQUE CHECK (one_row),
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`INSERT INTO deployment DEFAULT VALUES`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE deployment`);
  }
}
