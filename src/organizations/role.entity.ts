import { Column, CreateDateColumn, Entity, PrimaryGeneratedColumn, UpdateDateColumn, VersionColumn } from 'typeorm';

/** A named bundle of privileges and category/group restrictions, assigned to memberships and API keys. */
@Entity('roles')
export class RoleEntity {
  @PrimaryGeneratedColumn('uuid')
  id: string;

  @Column({ name: 'organization_id', type: 'uuid' })
  organizationId: string;

  @Column({ type: 'varchar' })
  title: string;

  /** A disabled role grants nothing. */
  @Column({ type: 'boolean' })
  enabled: boolean;

  @Column({ type: 'text', array: true })
  privileges: string[];

  @Column({ type: 'text', array: true })
  categories: string[];

  @Column({ type: 'text', array: true })
  groups: string[];

  @Column({ type: 'varchar' })
  notes: string;

  /** Who created it: a user's email or an API key id (the xyOps `username`). */
  @Column({ name: 'created_by', type: 'varchar' })
  createdBy: string;

  @VersionColumn()
  revision: number;

  @CreateDateColumn({ name: 'created_at', type: 'timestamptz' })
  createdAt: Date;

  @UpdateDateColumn({ name: 'updated_at', type: 'timestamptz' })
  updatedAt: Date;
}
