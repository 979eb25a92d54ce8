import { MigrationInterface, QueryRunner } from 'typeorm';

/** What the suspicious-activity detectors need: addresses each credential used, and their settings. */
export class CreateDetectors1763800700000 implements MigrationInterface {
  name = 'CreateDetectors1763800700000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE credential_ips (
        credential_kind varchar(16) NOT NULL,
        credential_id uuid NOT NULL,
        ip varchar(64) NOT NULL,
        first_seen_at timestamptz(3) NOT NULL DEFAULT now(),
        last_seen_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (credential_kind, credential_id, ip)
      )`);
    // Volume alerts at 10x a credential's own trailing average by default; business hours off.
    await queryRunner.query(`
      ALTER TABLE organizations
        ADD COLUMN volume_multiple numeric NULL DEFAULT 10 CHECK (volume_multiple IS NULL OR volume_multiple >= 1),
        ADD COLUMN business_hours jsonb NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE organizations DROP COLUMN business_hours, DROP COLUMN volume_multiple`);
    await queryRunner.query(`DROP TABLE credential_ips`);
  }
}
