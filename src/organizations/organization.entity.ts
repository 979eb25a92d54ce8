import type { BusinessHours } from '../audit/business-hours';
import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn } from 'typeorm';

export type OrganizationStatus = 'active' | 'disabled';

@Entity('organizations')
export class OrganizationEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ type: 'varchar' })
  name: string;

  @Column({ type: 'varchar' })
  slug: string;

  @Column({ name: 'parent_id', type: 'uuid', nullable: true })
  parentId: string | null;

  /** Every ancestor, root first; never changes, since an organization cannot move. */
  @Column({ name: 'ancestor_ids', type: 'uuid', array: true })
  ancestorIds: string[];

  @Column({ type: 'varchar' })
  status: OrganizationStatus;

  @Column({ name: 'disabled_at', type: 'timestamptz', nullable: true })
  disabledAt: Date | null;

  /** Key hygiene: remind to rotate keys older than this many days (null: never). */
  @Column({ name: 'rotation_reminder_days', type: 'integer', nullable: true })
  rotationReminderDays: number | null;

  /** Key hygiene: revoke keys unused for this many days (null: never). */
  @Column({ name: 'revoke_unused_days', type: 'integer', nullable: true })
  revokeUnusedDays: number | null;

  /** Key hygiene: new keys expire within this many days at the latest (null: no cap). */
  @Column({ name: 'max_key_lifetime_days', type: 'integer', nullable: true })
  maxKeyLifetimeDays: number | null;

  /** Suspicious volume: a credential's day over this multiple of its trailing average (null: off). */
  @Column({ name: 'volume_multiple', type: 'numeric', nullable: true, transformer: { to: (value: number | null) => value, from: (value: string | null) => (value === null ? null : Number(value)) } })
  volumeMultiple: number | null;

  /** When set, use outside these hours is reported. */
  @Column({ name: 'business_hours', type: 'jsonb', nullable: true })
  businessHours: BusinessHours | null;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
