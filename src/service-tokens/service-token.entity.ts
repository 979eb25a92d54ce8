import { Column, Entity, PrimaryGeneratedColumn } from 'typeorm';
import { RotatableCredentialColumns } from '../database/rotatable-credential';

/** A long-lived automation credential acting as its owner inside one organization. */
@Entity('service_tokens')
export class ServiceTokenEntity extends RotatableCredentialColumns {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ name: 'owner_user_id', type: 'uuid' })
  ownerUserId: string;

  @Column({ type: 'varchar' })
  name: string;

  /** Public; IP-bound tokens must be sent with `X-User-Id: <client_id>`. Kept across rotation. */
  @Column({ name: 'client_id', type: 'varchar' })
  clientId: string;

  /** HMAC-SHA-256(APP_SECRET, token). */
  @Column({ type: 'bytea', select: false })
  digest: Buffer;

  @Column({ type: 'varchar' })
  mask: string;

  /** Narrowing: the token holds at most these of its owner's privileges. Null: all of them. */
  @Column({ type: 'text', array: true, nullable: true })
  privileges: string[] | null;

  /** Normalized CIDR ranges; empty when the token is not bound to addresses. */
  @Column({ name: 'ip_ranges', type: 'text', array: true })
  ipRanges: string[];

  @Column({ name: 'expires_at', type: 'timestamptz', nullable: true })
  expiresAt: Date | null;
}
