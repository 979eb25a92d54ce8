import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource } from 'typeorm';
import { chainedFieldsOfRow, chainHash } from './chain';

export interface IntegrityReport {
  valid: boolean;
  recordsChecked: number;
  lastHash: string | null;
  firstBroken: { id: string; seq: string; createdAt: Date; reason: 'chain_break' | 'hash_mismatch'; detail: string } | null;
}

const BATCH = 1000;

/** Walks an organization's activity chain in order and reports the first record that does not hold. */
@Injectable()
export class IntegrityService {
  constructor(@InjectDataSource() private readonly dataSource: DataSource) {}

  async verify(organizationId: string): Promise<IntegrityReport> {
    // After retention, the chain starts from the hash of the last record removed.
    const [anchor] = await this.dataSource.query(`SELECT last_removed_hash FROM activity_chain_anchors WHERE organization_id = $1`, [organizationId]);
    let previous: Buffer | null = anchor?.last_removed_hash ?? null;
    let checked = 0;
    let afterSeq = '0';
    for (;;) {
      const rows: Array<Record<string, unknown>> = await this.dataSource.query(
        `SELECT id, seq::text AS seq, organization_id, actor_kind, actor_id, action, target_kind, target_id, outcome, ip,
                user_agent, request_id, details, created_at, prev_hash, hash
         FROM activity_records WHERE organization_id = $1 AND activity_records.seq > $2::bigint
         ORDER BY activity_records.seq LIMIT ${BATCH}`,
        [organizationId, afterSeq],
      );
      for (const row of rows) {
        const prevHash = (row.prev_hash as Buffer | null) ?? null;
        const broken = (reason: 'chain_break' | 'hash_mismatch', detail: string): IntegrityReport => ({
          valid: false,
          recordsChecked: checked,
          lastHash: previous?.toString('hex') ?? null,
          firstBroken: { id: row.id as string, seq: row.seq as string, createdAt: row.created_at as Date, reason, detail },
        });
        if (!sameHash(prevHash, previous)) {
          return broken('chain_break', 'Its prev_hash is not the hash of the record before it: a record was removed, inserted or reordered here.');
        }
        const expected = chainHash(chainedFieldsOfRow(row), prevHash);
        if (!sameHash(expected, row.hash as Buffer)) {
          return broken('hash_mismatch', 'Its content does not match its hash: the record was altered.');
        }
        previous = row.hash as Buffer;
        checked += 1;
        afterSeq = row.seq as string;
      }
      if (rows.length < BATCH) return { valid: true, recordsChecked: checked, lastHash: previous?.toString('hex') ?? null, firstBroken: null };
    }
  }
}

function sameHash(a: Buffer | null, b: Buffer | null): boolean {
  if (a === null || b === null) return a === b;
  return a.equals(b);
}
