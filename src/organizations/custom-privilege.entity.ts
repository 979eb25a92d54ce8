import { Column, CreateDateColumn, Entity, PrimaryColumn } from 'typeorm';

@Entity('custom_privileges')
export class CustomPrivilegeEntity {
  @PrimaryColumn({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @PrimaryColumn({ type: 'varchar' })
  id: string;

  @Column({ type: 'varchar' })
  title: string;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;
}
