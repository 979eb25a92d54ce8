import { Injectable } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { DataSource, EntityManager } from 'typeorm';
import { Actions } from '../audit/actions';
import { isValidTimezone } from '../audit/business-hours';
import { ActivityService, actorOf } from '../audit/activity.service';
import { isAdmin, Principal } from '../auth/principal';
import { randomBase62 } from '../common/crypto';
import { isUniqueViolation } from '../database/postgres-errors';
import { KeywardError, Messages, notFound } from '../common/errors/keyward-error';
import { decodeCursor, DEFAULT_PAGE_SIZE, Page, toPage } from '../common/pagination';
import { CreateOrganizationDto, ListOrganizationsQueryDto, mapOrganization, OrganizationDto, UpdateOrganizationDto } from './organization.dto';
import { OrganizationEntity } from './organization.entity';
import { organizationScope, OrganizationRepository } from './organization.repository';
import { slugify } from './slug';

/** A top-level organization has depth 0; sub-accounts nest at most this deep below it. */
export const MAX_ORGANIZATION_DEPTH = 5;

@Injectable()
export class OrganizationsService {
  constructor(
    @InjectDataSource() private readonly dataSource: DataSource,
    private readonly organizations: OrganizationRepository,
    private readonly activity: ActivityService,
  ) {}

  async list(principal: Principal, query: ListOrganizationsQueryDto): Promise<Page<OrganizationDto>> {
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const rows = await this.organizations.listVisible(organizationScope(principal), {
      status: query.status,
      parentId: query.parent_id,
      cursor: decodeCursor(query.cursor),
      limit,
    });
    return toPage(rows, limit, mapOrganization);
  }

  async get(principal: Principal, id: string): Promise<OrganizationEntity> {
    const organization = await this.organizations.findVisible(organizationScope(principal), id);
    if (!organization) throw notFound('Organization', id);
    return organization;
  }

  /** A sub-account directly under the organization the principal acts in. */
  async createSubAccount(principal: Principal, input: CreateOrganizationDto): Promise<OrganizationEntity> {
    return this.dataSource.transaction(async (manager) => {
      const parent = await this.organizations.findVisible(organizationScope(principal), principal.organizationId, manager);
      if (!parent) throw notFound('Organization', principal.organizationId);
      const depth = parent.ancestorIds.length + 1;
      if (depth > MAX_ORGANIZATION_DEPTH) {
        throw new KeywardError(
          'conflict',
          `Sub-accounts can nest at most ${MAX_ORGANIZATION_DEPTH} levels below a top-level organization.`,
        );
      }
      const slug = await this.chooseSlug(manager, input.slug, input.name);
      const created = await this.insertOrganization(manager, {
        name: input.name,
        slug,
        parentId: parent.id,
        ancestorIds: [...parent.ancestorIds, parent.id],
      });
      await this.activity.record(manager, actorOf(principal), {
        organizationId: parent.id,
        action: Actions.organizationCreate,
        target: { kind: 'organization', id: created.id },
        details: { name: created.name, slug: created.slug, parent_id: parent.id },
      });
      return created;
    });
  }

  async update(principal: Principal, id: string, input: UpdateOrganizationDto): Promise<OrganizationEntity> {
    return this.dataSource.transaction(async (manager) => {
      const organization = await this.organizations.findVisible(organizationScope(principal), id, manager);
      if (!organization) throw notFound('Organization', id);
      const changes: Record<string, unknown> = {};
      if (input.name !== undefined && input.name !== organization.name) {
        changes.name = input.name;
        organization.name = input.name;
      }
      if (input.slug !== undefined && input.slug !== organization.slug) {
        if (await this.organizations.slugTaken(input.slug, manager)) throw slugConflict(input.slug);
        changes.slug = input.slug;
        organization.slug = input.slug;
      }
      if (input.policies !== undefined) {
        if (!isAdmin(principal)) throw new KeywardError('access', Messages.missingPrivilege('Administrator'));
        const policies = input.policies;
        const fields = {
          rotation_reminder_days: 'rotationReminderDays',
          revoke_unused_days: 'revokeUnusedDays',
          max_key_lifetime_days: 'maxKeyLifetimeDays',
          volume_multiple: 'volumeMultiple',
        } as const;
        for (const [field, property] of Object.entries(fields)) {
          const value = policies[field as keyof typeof fields];
          if (value !== undefined && value !== organization[property]) {
            organization[property] = value;
            changes[field] = value;
          }
        }
        if (policies.business_hours !== undefined) {
          const hours = policies.business_hours;
          if (hours && !isValidTimezone(hours.timezone)) {
            throw new KeywardError('validation', `Invalid parameter: policies.business_hours.timezone: unknown time zone '${hours.timezone.slice(0, 64)}'`, {
              errors: [{ field: 'policies.business_hours.timezone', message: 'an IANA time zone such as Europe/Zurich' }],
            });
          }
          organization.businessHours = hours ? { timezone: hours.timezone, days: hours.days, start: hours.start, end: hours.end } : null;
          changes.business_hours = organization.businessHours;
        }
      }
      const statusChange = input.status !== undefined && input.status !== organization.status ? input.status : null;
      if (statusChange === 'disabled' && organization.id === principal.organizationId) {
        throw new KeywardError(
          'conflict',
          'An organization cannot be disabled from inside itself; act from a parent organization.',
        );
      }
      if (statusChange) {
        organization.status = statusChange;
        organization.disabledAt = statusChange === 'disabled' ? new Date() : null;
      }
      if (Object.keys(changes).length === 0 && !statusChange) return organization;
      await this.save(manager, organization);
      // One record per change request: a status change names it, other changes ride along.
      await this.activity.record(manager, actorOf(principal), {
        organizationId: principal.organizationId,
        action: statusChange === 'disabled' ? Actions.organizationDisable : statusChange === 'active' ? Actions.organizationEnable : Actions.organizationUpdate,
        target: { kind: 'organization', id: organization.id },
        details: changes,
      });
      return organization;
    });
  }

  async disable(principal: Principal, id: string): Promise<OrganizationEntity> {
    return this.update(principal, id, { status: 'disabled' });
  }

  /** Used once, by the first start's bootstrap. */
  async createTopLevel(manager: EntityManager, name: string): Promise<OrganizationEntity> {
    const slug = await this.chooseSlug(manager, undefined, name);
    return this.insertOrganization(manager, { name, slug, parentId: null, ancestorIds: [] });
  }

  private async chooseSlug(manager: EntityManager, requested: string | undefined, name: string): Promise<string> {
    if (requested !== undefined) {
      if (await this.organizations.slugTaken(requested, manager)) throw slugConflict(requested);
      return requested;
    }
    const base = slugify(name);
    if (!(await this.organizations.slugTaken(base, manager))) return base;
    return `${base}-${randomBase62(6).toLowerCase()}`;
  }

  private async insertOrganization(
    manager: EntityManager,
    values: Pick<OrganizationEntity, 'name' | 'slug' | 'parentId' | 'ancestorIds'>,
  ): Promise<OrganizationEntity> {
    const entity = manager.create(OrganizationEntity, { ...values, status: 'active', disabledAt: null });
    return this.save(manager, entity);
  }

  private async save(manager: EntityManager, entity: OrganizationEntity): Promise<OrganizationEntity> {
    try {
      return await manager.save(OrganizationEntity, entity);
    } catch (error) {
      if (isUniqueViolation(error)) throw slugConflict(entity.slug);
      throw error;
    }
  }
}

function slugConflict(slug: string): KeywardError {
  return new KeywardError('conflict', `The slug '${slug}' is already in use.`, {
    errors: [{ field: 'slug', message: 'already in use' }],
  });
}
