import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, SYSTEM_ACTOR } from '../audit/activity.service';
import { PasswordService } from '../auth/password.service';
import { ADMIN_PRIVILEGE } from '../auth/privileges';
import { randomBase62 } from '../common/crypto';
import { AppConfig } from '../config/app-config';
import { MembershipEntity } from './membership.entity';
import { OrganizationsService } from './organizations.service';
import { UserEntity } from './user.entity';

export interface BootstrapOutcome {
  organizationName: string;
  email: string;
  /** Set only when the password was generated (BOOTSTRAP_ADMIN_PASSWORD unset): show it once. */
  generatedPassword: string | null;
}

export const DEFAULT_ADMIN_EMAIL = 'admin@keyward.local';

/**
 * The first start on an empty database creates the first organization and its admin. Later
 * starts find an organization and do nothing; an advisory lock keeps two instances starting
 * together from both bootstrapping.
 */
@Injectable()
export class BootstrapService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly config: AppConfig,
    private readonly organizations: OrganizationsService,
    private readonly passwords: PasswordService,
    private readonly activity: ActivityService,
  ) {}

  async bootstrapIfEmpty(): Promise<BootstrapOutcome | null> {
    // Every start after the first finds an organization: it hashes no password (which would
    // start the hashing thread only to leave it idle). The check is made again under the lock.
    if (await this.hasOrganizations(this.dataSource.manager)) return null;
    const env = this.config.env;
    const email = env.BOOTSTRAP_ADMIN_EMAIL ?? DEFAULT_ADMIN_EMAIL;
    const generatedPassword = env.BOOTSTRAP_ADMIN_PASSWORD ? null : randomBase62(20);
    const password = env.BOOTSTRAP_ADMIN_PASSWORD ?? (generatedPassword as string);
    const passwordHash = await this.passwords.hash(password);
    return this.dataSource.transaction(async (manager) => {
      await manager.query(`SELECT pg_advisory_xact_lock(hashtext('keyward:bootstrap'))`);
      if (await this.hasOrganizations(manager)) return null;
      const organization = await this.organizations.createTopLevel(manager, env.BOOTSTRAP_ORG_NAME);
      const user = await manager.save(
        UserEntity,
        manager.create(UserEntity, { email, name: 'Administrator', passwordHash, active: true }),
      );
      await manager.save(
        MembershipEntity,
        manager.create(MembershipEntity, {
          organizationId: organization.id,
          userId: user.id,
          privileges: [ADMIN_PRIVILEGE],
          roleIds: [],
          categories: [],
          groups: [],
        }),
      );
      await this.activity.record(manager, SYSTEM_ACTOR, {
        organizationId: organization.id,
        action: Actions.systemBootstrap,
        target: { kind: 'user', id: user.id },
        details: { organization_name: organization.name, admin_email: email },
      });
      return { organizationName: organization.name, email, generatedPassword };
    });
  }

  private async hasOrganizations(manager: EntityManager): Promise<boolean> {
    const [row] = await manager.query(`SELECT EXISTS (SELECT 1 FROM organizations) AS present`);
    return row.present === true;
  }
}
