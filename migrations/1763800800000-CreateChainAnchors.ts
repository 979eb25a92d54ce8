import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Retention removes an organization's oldest activity records; the anchor keeps the hash of the
 * last one removed, so the remaining chain still verifies from its new start.
 */
export class CreateChainAnchors1763800800000 implements MigrationInterface {
  name = 'CreateChainAnchors1763800800000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE activity_chain_anchors (
        organization_id uuid PRIMARY KEY REFERENCES organizations(id) ON DELETE CASCADE,
        last_removed_hash bytea NOT NULL,
        removed_count bigint NOT NULL DEFAULT 0,
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE activity_chain_anchors`);
  }
}
