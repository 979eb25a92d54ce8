import { MigrationInterface, QueryRunner } from 'typeorm';

/** Roles, custom privileges, JWT signing keys, revoked JWT ids, and login-failure counters. */
export class CreateIdentity1763800100000 implements MigrationInterface {
  name = 'CreateIdentity1763800100000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE roles (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        title varchar(100) NOT NULL,
        enabled boolean NOT NULL DEFAULT true,
        privileges text[] NOT NULL DEFAULT '{}',
        categories text[] NOT NULL DEFAULT '{}',
        groups text[] NOT NULL DEFAULT '{}',
        notes varchar(2000) NOT NULL DEFAULT '',
        created_by varchar(254) NOT NULL DEFAULT '',
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX roles_organization_idx ON roles (organization_id, created_at, id)`);

    await queryRunner.query(`
      CREATE TABLE custom_privileges (
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        id varchar(64) NOT NULL,
        title varchar(100) NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        PRIMARY KEY (organization_id, id)
      )`);

    await queryRunner.query(`
      CREATE TABLE signing_keys (
        kid varchar(64) PRIMARY KEY,
        algorithm varchar(16) NOT NULL,
        public_jwk jsonb NOT NULL,
        private_key_sealed bytea NOT NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        retired_at timestamptz(3) NULL
      )`);

    await queryRunner.query(`
      CREATE TABLE revoked_tokens (
        jti uuid PRIMARY KEY,
        session_id uuid NOT NULL,
        expires_at timestamptz(3) NOT NULL,
        revoked_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE INDEX revoked_tokens_expires_idx ON revoked_tokens (expires_at)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE revoked_tokens`);
    await queryRunner.query(`DROP TABLE signing_keys`);
    await queryRunner.query(`DROP TABLE custom_privileges`);
    await queryRunner.query(`DROP TABLE roles`);
  }
}
