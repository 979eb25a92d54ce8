import { MigrationInterface, QueryRunner } from 'typeorm';
import { chainedFieldsOfRow, chainHash } from '../src/audit/chain';

/**
 * Tamper evidence: every activity record carries the hash of the previous record of its
 * organization and its own. Records written before this migration are chained here, in order.
 */
export class ChainActivityRecords1763800400000 implements MigrationInterface {
  name = 'ChainActivityRecords1763800400000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`ALTER TABLE activity_records ADD COLUMN prev_hash bytea NULL, ADD COLUMN hash bytea NULL`);
    const rows: Array<Record<string, unknown>> = await queryRunner.query(
      `SELECT id, organization_id, actor_kind, actor_id, action, target_kind, target_id, outcome, ip, user_agent,
              request_id, details, created_at FROM activity_records ORDER BY seq`,
    );
    const last = new Map<string, Buffer>();
    for (const row of rows) {
      const organizationId = row.organization_id as string;
      const previous = last.get(organizationId) ?? null;
      const hash = chainHash(chainedFieldsOfRow(row), previous);
      await queryRunner.query(`UPDATE activity_records SET prev_hash = $2, hash = $3 WHERE id = $1`, [row.id, previous, hash]);
      last.set(organizationId, hash);
    }
    await queryRunner.query(`ALTER TABLE activity_records ALTER COLUMN hash SET NOT NULL`);
    // Search: by action, by actor, by target, newest first within an organization.
    await queryRunner.query(`CREATE INDEX activity_records_org_action_idx ON activity_records (organization_id, action, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX activity_records_org_actor_idx ON activity_records (organization_id, actor_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX activity_records_org_target_idx ON activity_records (organization_id, target_id, created_at DESC)`);
    await queryRunner.query(`CREATE INDEX activity_records_org_seq_idx ON activity_records (organization_id, seq)`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP INDEX activity_records_org_seq_idx`);
    await queryRunner.query(`DROP INDEX activity_records_org_target_idx`);
    await queryRunner.query(`DROP INDEX activity_records_org_actor_idx`);
    await queryRunner.query(`DROP INDEX activity_records_org_action_idx`);
    await queryRunner.query(`ALTER TABLE activity_records DROP COLUMN hash, DROP COLUMN prev_hash`);
  }
}
