import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { RotatableCredentialColumns } from '../database/rotatable-credential';

export type ApiKeyType = 'standard' | 'registration';

/** An application's credential, scoped to one organization. The key itself is never stored. */
@Entity('api_keys')
export class ApiKeyEntity extends RotatableCredentialColumns {
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

  @Column({ name: 'rotation_reminded_at', type: 'timestamptz', nullable: true, select: false })
  rotationRemindedAt: Date | null;

  @Column({ name: 'expiry_reminded_at', type: 'timestamptz', nullable: true, select: false })
  expiryRemindedAt: Date | null;

  /** The xyOps `username`: the creating user's email, or the creating key's id. */
  @Column({ name: 'created_by_name', type: 'varchar' })
  createdByName: string;
}
