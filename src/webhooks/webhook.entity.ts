import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

@Entity('webhooks')
export class WebhookEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ type: 'varchar' })
  url: string;

  @Column({ type: 'varchar' })
  description: string;

  @Column({ type: 'text', array: true })
  events: string[];

  /** Custom headers sent with every delivery (for the receiver's own authentication). */
  @Column({ type: 'jsonb' })
  headers: Record<string, string>;

  /** The signing secret, sealed under APP_SECRET: the server signs with it again and again. */
  @Column({ name: 'secret_sealed', type: 'bytea', select: false })
  secretSealed: Buffer;

  @Column({ type: 'boolean' })
  active: boolean;

  @VersionColumn()
  revision: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
