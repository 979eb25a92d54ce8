import { MigrationInterface, QueryRunner } from 'typeorm';

/**
 * Every activity record took two round trips before its INSERT: one to take the organization's
 * chain lock, one to read the chain's last hash. Both in one statement would read the hash from a
 * snapshot taken before the lock was granted, and miss a record committed meanwhile; inside a
 * VOLATILE plpgsql function each query takes a fresh snapshot (READ COMMITTED), so the read after
 * the lock sees every record committed before it. One round trip less for every mutation and
 * security event (a login: 6 statements instead of 7). The lock key is the one the service took
 * before, so instances of both versions exclude each other during a rolling upgrade.
 */
export class LockActivityHead1763801200000 implements MigrationInterface {
  name = 'LockActivityHead1763801200000';

  async up(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`
      CREATE FUNCTION keyward_lock_activity_head(organization uuid) RETURNS bytea
      LANGUAGE plpgsql VOLATILE AS $$
      DECLARE
        head bytea;
      BEGIN
        PERFORM pg_advisory_xact_lock(hashtext('keyward:activity:' || organization::text));
        SELECT hash INTO head FROM activity_records WHERE organization_id = organization ORDER BY seq DESC LIMIT 1;
        RETURN head;
      END
      $$`);
  }

  async down(queryRunner: QueryRunner): Promise<void> {
    await queryRunner.query(`DROP FUNCTION keyward_lock_activity_head(uuid)`);
  }
}
