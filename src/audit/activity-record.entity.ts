import { Column, Entity, PrimaryColumn } from 'typeorm';

export type ActorKind = 'user' | 'api_key' | 'service_token' | 'system';
export type Outcome = 'success' | 'failure';

/** Append-only: the application inserts these rows and never updates or deletes them. */
@Entity('activity_records')
export class ActivityRecordEntity {
  @PrimaryColumn({ type: 'uuid' })
  id: string;

  @Column({ type: 'bigint', insert: false, update: false })
  seq: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'actor_kind', type: 'varchar' })
  actorKind: ActorKind;

  @Column({ name: 'actor_id', type: 'varchar', nullable: true })
  actorId: string | null;

  @Column({ type: 'varchar' })
  action: string;

  @Column({ name: 'target_kind', type: 'varchar', nullable: true })
  targetKind: string | null;

  @Column({ name: 'target_id', type: 'varchar', nullable: true })
  targetId: string | null;

  @Column({ type: 'varchar' })
  outcome: Outcome;

  @Column({ type: 'varchar', nullable: true })
  ip: string | null;

  @Column({ name: 'user_agent', type: 'varchar', nullable: true })
  userAgent: string | null;

  @Column({ name: 'request_id', type: 'varchar', nullable: true })
  requestId: string | null;

  // `any`, not `unknown`: TypeORM's insert typing cannot express a jsonb of unknown values.
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  @Column({ type: 'jsonb' })
  details: Record<string, any>;

  @Column({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  /** The hash of the previous record of the organization (null for its first). */
  @Column({ name: 'prev_hash', type: 'bytea', nullable: true })
  prevHash: Buffer | null;

  /** SHA-256 over prev_hash and this record's canonical serialisation. */
  @Column({ type: 'bytea' })
  hash: Buffer;
}
