import { MigrationInterface, QueryRunner } from 'typeorm';

/** Service tokens: long-lived credentials that act as their owner in one organization. */
export class CreateServiceTokens1763800300000 implements MigrationInterface {
  name = 'CreateServiceTokens1763800300000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE TABLE service_tokens (
        id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
        organization_id uuid NOT NULL REFERENCES organizations(id) ON DELETE CASCADE,
        owner_user_id uuid NOT NULL REFERENCES users(id) ON DELETE CASCADE,
        name varchar(200) NOT NULL,
        client_id varchar(40) NOT NULL,
        digest bytea NOT NULL,
        mask varchar(20) NOT NULL,
        privileges text[] NULL,
        ip_ranges text[] NOT NULL DEFAULT '{}',
        expires_at timestamptz(3) NULL,
        revoked_at timestamptz(3) NULL,
        rotated_from_id uuid NULL REFERENCES service_tokens(id),
        rotated_to_id uuid NULL REFERENCES service_tokens(id),
        grace_until timestamptz(3) NULL,
        last_used_at timestamptz(3) NULL,
        last_used_ip varchar(64) NULL,
        revision integer NOT NULL DEFAULT 1,
        created_at timestamptz(3) NOT NULL DEFAULT now(),
        updated_at timestamptz(3) NOT NULL DEFAULT now()
      )`);
    await queryRunner.query(`CREATE UNIQUE INDEX service_tokens_digest_key ON service_tokens (digest)`);
    await queryRunner.query(`CREATE INDEX service_tokens_organization_idx ON service_tokens (organization_id, created_at, id)`);
    await queryRunner.query(`CREATE INDEX service_tokens_owner_idx ON service_tokens (owner_user_id)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP TABLE service_tokens`);
  }
}
