import { MigrationInterface, QueryRunner } from 'typeorm';

/** Organizations and sub-accounts, users and memberships, sessions, and the activity log. */
export class CreateFoundation1763800000000 implements MigrationInterface {
  name = 'CreateFoundation1763800000000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE organizations (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        name varchar(200) NOT NULL,
        slug varchar(100) NOT NULL,
        parent_id uuid NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        ancestor_ids uuid[] NOT NULL DEFAULT '{}',
        status varchar(16) NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'disabled')),
        disabled_at timestamptz(3) NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX organizations_slug_key ON organizations (slug)`);
    await queryRunner.query(`CREATE INDEX organizations_parent_id_idx ON organizations (parent_id)`);
    await queryRunner.query(`CREATE INDEX organizations_ancestor_ids_idx ON organizations USING gin (ancestor_ids)`);

    await queryRunner.query(`
      CREATE TABLE users (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        email varchar(254) NOT NULL,
        name varchar(200) NOT NULL DEFAULT '',
        password_hash varchar(255) NOT NULL,
        active boolean NOT NULL DEFAULT true,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX users_email_key ON users (lower(email))`);

    await queryRunner.query(`
      CREATE TABLE memberships (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        privileges text[] NOT NULL DEFAULT '{}',
        role_ids uuid[] NOT NULL DEFAULT '{}',
        categories text[] NOT NULL DEFAULT '{}',
        groups text[] NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX memberships_organization_user_key ON memberships (organization_id, user_id)`);
    await queryRunner.query(`CREATE INDEX memberships_user_id_idx ON memberships (user_id)`);

    await queryRunner.query(`
      CREATE TABLE sessions (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        token_digest bytea NOT NULL,
        user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        ip varchar(64) NULL,
        user_agent varchar(512) NULL,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        last_seen_at timestamptz(3) NOT NULL DEFAULT now(),
        expires_at timestamptz(3) NOT NULL,
        revoked_at timestamptz(3) NULL
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX sessions_token_digest_key ON sessions (token_digest)`);
    await queryRunner.query(`CREATE INDEX sessions_user_id_idx ON sessions (user_id)`);

    await queryRunner.query(`
      CREATE TABLE activity_records (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        seq bigint GENERATED ALWAYS AS IDENTITY,
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE RESTRICT,
        actor_kind varchar(16) NOT NULL CHECK (actor_kind IN ('user', 'api_key', 'service_token', 'system')),
        actor_id varchar(64) NULL,
        action varchar(64) NOT NULL,
        target_kind varchar(32) NULL,
        target_id varchar(64) NULL,
        outcome varchar(8) NOT NULL CHECK (outcome IN ('success', 'failure')),
        ip varchar(64) NULL,
        user_agent varchar(512) NULL,
        request_id varchar(64) NULL,
        details jsonb NOT NULL DEFAULT '{}',
        created_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX activity_records_seq_key ON activity_records (seq)`);
    await queryRunner.query(`CREATE INDEX activity_records_organization_created_idx ON activity_records (organization_id, created_at DESC, seq DESC)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE activity_records`);
    await queryRunner.query(`DROP TABLE sessions`);
    await queryRunner.query(`DROP TABLE memberships`);
    await queryRunner.query(`DROP TABLE users`);
    await queryRunner.query(`DROP TABLE organizations`);
  }
}
