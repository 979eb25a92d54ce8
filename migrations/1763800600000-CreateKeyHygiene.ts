import { MigrationInterface, QueryRunner } from 'typeorm';

/** Per-organization key-hygiene policies, and the marks that make each reminder go out once. */
export class CreateKeyHygiene1763800600000 implements MigrationInterface {
  name = 'CreateKeyHygiene1763800600000';

  async up(queryRunner: QueryRunner): Promise<void> {
    // Defaults from the seed documents: remind to rotate after 90 days; revoking unused keys and
    // capping lifetimes are destructive, so they are off until an organization turns them on.
    await queryRunner.query(`
      ALTER TABLE organizations
        ADD COLUMN rotation_reminder_days integer NULL DEFAULT 90 CHECK (rotation_reminder_days IS NULL OR rotation_reminder_days >= 0),
        ADD COLUMN revoke_unused_days integer NULL CHECK (revoke_unused_days IS NULL OR revoke_unused_days >= 1),
        ADD COLUMN max_key_lifetime_days integer NULL CHECK (max_key_lifetime_days IS NULL OR max_key_lifetime_days >= 1)`);
    await queryRunner.query(`
      ALTER TABLE api_keys
        ADD COLUMN rotation_reminded_at timestamptz(3) NULL,
        ADD COLUMN expiry_reminded_at timestamptz(3) NULL`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE api_keys DROP COLUMN expiry_reminded_at, DROP COLUMN rotation_reminded_at`);
    await queryRunner.query(`ALTER TABLE organizations DROP COLUMN max_key_lifetime_days, DROP COLUMN revoke_unused_days, DROP COLUMN rotation_reminder_days`);
  }
}
