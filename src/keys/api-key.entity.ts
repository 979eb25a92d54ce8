import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

export type ApiKeyType = 'standard' | 'registration';

/** An application's credential, scoped to one organization. The key itself is never stored. */
@Entity('api_keys')
export class ApiKeyEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  /** HMAC-SHA-256(APP_SECRET, key). */
  @Column({ type: 'bytea', select: false })
  digest: Buffer;

  @Column({ type: 'varchar' })
  mask: string;

  @Column({ type: 'varchar' })
  title: string;

  @Column({ type: 'varchar' })
  description: string;

  @Column({ type: 'boolean' })
  active: boolean;

  @Column({ type: 'varchar' })
  type: ApiKeyType;

  @Column({ type: 'text', array: true })
  privileges: string[];

  @Column({ name: 'role_ids', type: 'uuid', array: true })
  roleIds: string[];

  @Column({ type: 'text', array: true })
  categories: string[];

  @Column({ type: 'text', array: true })
  groups: string[];

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;

  @Column({ name: 'max_per_sec', type: 'integer', nullable: true })
  maxPerSec: number | null;

  @Column({ name: 'created_by_kind', type: 'varchar' })
  createdByKind: 'user' | 'api_key' | 'service_token';

  @Column({ name: 'created_by_id', type: 'varchar' })
  createdById: string;

  /** The xyOps `username`: the creating user's email, or the creating key's id. */
  @Column({ name: 'created_by_name', type: 'varchar' })
  createdByName: string;

  /** Set by delete/revoke: refused from then on and hidden from lists; the row stays for the log. */
  @Column({ name: 'revoked_at', type: 'timestamptz', nullable: true })
  revokedAt: Date | null;

  @Column({ name: 'rotated_from_id', type: 'uuid', nullable: true })
  rotatedFromId: string | null;

  @Column({ name: 'rotated_to_id', type: 'uuid', nullable: true })
  rotatedToId: string | null;

  /** After rotation: the old key works until then. */
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
