import { MigrationInterface, QueryRunner } from 'typeorm';

/** API keys (stored only as keyed digests) and their per-day usage counts. */
export class CreateApiKeys1763800200000 implements MigrationInterface {
  name = 'CreateApiKeys1763800200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE api_keys (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        digest bytea NOT NULL,
        mask varchar(16) NOT NULL,
        title varchar(200) NOT NULL,
        description varchar(2000) NOT NULL DEFAULT '',
        active boolean NOT NULL DEFAULT true,
        type varchar(16) NOT NULL DEFAULT 'standard' CHECK (type IN ('standard', 'registration')),
        privileges text[] NOT NULL DEFAULT '{}',
        role_ids uuid[] NOT NULL DEFAULT '{}',
        categories text[] NOT NULL DEFAULT '{}',
        groups text[] NOT NULL DEFAULT '{}',
        expires_at timestamptz(3) NULL,
        max_per_sec integer NULL CHECK (max_per_sec IS NULL OR max_per_sec > 0),
        created_by_kind varchar(16) NOT NULL,
        created_by_id varchar(64) NOT NULL,
        created_by_name varchar(254) NOT NULL,
        revoked_at timestamptz(3) NULL,
        rotated_from_id uuid NULL REFERENCES api_keys(id),
        rotated_to_id uuid NULL REFERENCES api_keys(id),
        grace_until timestamptz(3) NULL,
        last_used_at timestamptz(3) NULL,
        last_used_ip varchar(64) NULL,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX api_keys_digest_key ON api_keys (digest)`);
    await queryRunner.query(`CREATE INDEX api_keys_organization_idx ON api_keys (organization_id, created_at, id)`);

    await queryRunner.query(`
      CREATE TABLE api_key_usage_daily (
        api_key_id uuid NOT NULL REFERENCES api_keys(id) ON DELETE CASCADE,
        day date NOT NULL,
        count bigint NOT NULL DEFAULT 0,
        PRIMARY KEY (api_key_id, day)
      )`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE api_key_usage_daily`);
    await queryRunner.query(`DROP TABLE api_keys`);
  }
}
