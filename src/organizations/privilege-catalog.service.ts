import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actions } from '../audit/actions';
import { ActivityService, actorOf } from '../audit/activity.service';
import { Principal } from '../auth/principal';
import { BUILT_IN_PRIVILEGES } from '../auth/privileges';
import { KeywardError } from '../common/errors/keyward-error';
import { isUniqueViolation } from '../database/postgres-errors';
import { CustomPrivilegeEntity } from './custom-privilege.entity';

export interface CatalogEntry {
  id: string;
  title: string;
  custom: boolean;
}

/** The built-in privileges plus an organization's own. */
@Injectable()
export class PrivilegeCatalogService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly activity: ActivityService,
  ) {}

  async list(organizationId: string, manager?: EntityManager): Promise<CatalogEntry[]> {
    const custom = await (manager ?? this.dataSource.manager).find(CustomPrivilegeEntity, {
      where: { organizationId },
      order: { id: 'ASC' },
    });
    return [
      ...Object.entries(BUILT_IN_PRIVILEGES).map(([id, title]) => ({ id, title, custom: false })),
      ...custom.map((entry) => ({ id: entry.id, title: entry.title, custom: true })),
    ];
  }

  /** id → title for the organization, for messages that name a privilege. */
  async titles(organizationId: string, manager?: EntityManager): Promise<(id: string) => string> {
    const titles = new Map((await this.list(organizationId, manager)).map((entry) => [entry.id, entry.title]));
    return (id) => titles.get(id) ?? id;
  }

  /** Every id must be in the catalog; the first unknown one is a validation error naming it. */
  async assertKnown(organizationId: string, ids: readonly string[], field: string, manager?: EntityManager): Promise<void> {
    if (ids.length === 0) return;
    const known = new Set((await this.list(organizationId, manager)).map((entry) => entry.id));
    const unknown = ids.find((id) => !known.has(id));
    if (unknown !== undefined) {
      throw new KeywardError('validation', `Unknown privilege: ${unknown.slice(0, 64)}`, {
        errors: [{ field, message: `unknown privilege '${unknown.slice(0, 64)}'` }],
      });
    }
  }

  async create(principal: Principal, id: string, title: string): Promise<CatalogEntry> {
    if (Object.prototype.hasOwnProperty.call(BUILT_IN_PRIVILEGES, id)) {
      throw new KeywardError('conflict', `The privilege '${id}' is built in.`);
    }
    try {
      await this.dataSource.transaction(async (manager) => {
        await manager.insert(CustomPrivilegeEntity, { organizationId: principal.organizationId, id, title });
        await this.activity.record(manager, actorOf(principal), {
          organizationId: principal.organizationId,
          action: Actions.privilegeCreate,
          target: { kind: 'privilege', id },
          details: { title },
        });
      });
    } catch (error) {
      if (isUniqueViolation(error)) throw new KeywardError('conflict', `The privilege '${id}' already exists.`);
      throw error;
    }
    return { id, title, custom: true };
  }
}
