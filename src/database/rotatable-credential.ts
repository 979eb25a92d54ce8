import { Column, CreateDateColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

/**
 * The lifecycle columns every rotatable credential table has (API keys, service tokens):
 * revocation, rotation links with a grace period, last use, revision and timestamps.
 */
export abstract class RotatableCredentialColumns {
  /** Set by revocation: refused from then on; the row stays for the activity log. */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'rotated_from_id', type: 'uuid', nullable: true })
  rotatedFromId: string | null;

  @Column({ name: 'rotated_to_id', type: 'uuid', nullable: true })
  rotatedToId: string | null;

  /** After rotation: the old credential works until then. */
  @Column({ name: 'grace_until', type: 'timestamptz', nullable: true })
  graceUntil: Date | null;

  @Column({ name: 'last_used_at', type: 'timestamptz', nullable: true })
  lastUsedAt: Date | null;

  @Column({ name: 'last_used_ip', type: 'varchar', nullable: true })
  lastUsedIp: string | null;

  @VersionColumn()
  revision: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
