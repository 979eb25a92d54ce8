import { KeywardError, Messages } from '../common/errors/keyward-error';
import { ADMIN_PRIVILEGE } from './privileges';

/** What a principal (or a key, token or role) may do. Empty category/group lists mean unrestricted. */
export interface Scope {
  privileges: ReadonlySet<string>;
  categories: readonly string[];
  groups: readonly string[];
}

export interface AccessNeed {
  privilege?: string;
  category?: string;
  group?: string;
}

export type TitleOf = (privilege: string) => string;

/**
 * The contract's access message when `scope` does not meet `need`, or null when it does. `admin`
 * implies every privilege and bypasses category and group restrictions.
 */
export function accessDenial(scope: Scope, need: AccessNeed, titleOf: TitleOf): string | null {
  const admin = scope.privileges.has(ADMIN_PRIVILEGE);
  if (need.privilege !== undefined && !admin && !scope.privileges.has(need.privilege)) {
    return Messages.missingPrivilege(titleOf(need.privilege));
  }
  if (admin) return null;
  if (need.category !== undefined && scope.categories.length > 0 && !scope.categories.includes(need.category)) {
    return Messages.categoryRestricted(need.category);
  }
  if (need.group !== undefined && scope.groups.length > 0 && !scope.groups.includes(need.group)) {
    return Messages.groupRestricted(need.group);
  }
  return null;
}

export function assertAccess(scope: Scope, need: AccessNeed, titleOf: TitleOf): void {
  const denial = accessDenial(scope, need, titleOf);
  if (denial) throw new KeywardError('access', denial);
}

export interface Grant {
  privileges: readonly string[];
  categories: readonly string[];
  groups: readonly string[];
}

/**
 * Nobody grants more than they hold: every privilege must be the granter's own, and a granter
 * restricted to categories or groups can only grant a non-empty subset of them (an empty list
 * would mean "unrestricted", which is wider).
 */
export function assertWithinScope(granter: Scope, grant: Grant, titleOf: TitleOf): void {
  if (granter.privileges.has(ADMIN_PRIVILEGE)) return;
  for (const privilege of grant.privileges) {
    if (!granter.privileges.has(privilege)) {
      throw new KeywardError('access', Messages.missingPrivilege(titleOf(privilege)));
    }
  }
  assertSubset(granter.categories, grant.categories, 'category', Messages.categoryRestricted);
  assertSubset(granter.groups, grant.groups, 'group', Messages.groupRestricted);
}

function assertSubset(
  own: readonly string[],
  requested: readonly string[],
  noun: 'category' | 'group',
  message: (id: string) => string,
): void {
  if (own.length === 0) return;
  if (requested.length === 0) {
    throw new KeywardError(
      'access',
      `You are restricted to certain ${noun === 'category' ? 'categories' : 'groups'} and cannot grant unrestricted ${noun} access.`,
    );
  }
  for (const id of requested) {
    if (!own.includes(id)) throw new KeywardError('access', message(id));
  }
}

/** Effective scope = union of the direct grant and every enabled role's. */
export function unionScope(direct: Grant, roles: ReadonlyArray<Grant & { enabled: boolean }>): Scope {
  const privileges = new Set(direct.privileges);
  const categories = new Set(direct.categories);
  const groups = new Set(direct.groups);
  for (const role of roles) {
    if (!role.enabled) continue;
    role.privileges.forEach((privilege) => privileges.add(privilege));
    role.categories.forEach((category) => categories.add(category));
    role.groups.forEach((group) => groups.add(group));
  }
  return { privileges, categories: [...categories], groups: [...groups] };
}

/**
 * v1 takes privileges as an object (`{ "run_jobs": 1 }`, any truthy value grants) or an array;
 * v2 as an array. Either way, a sorted list without duplicates.
 */
export function normalizePrivileges(input: unknown): string[] {
  if (Array.isArray(input)) return [...new Set(input.map(String))].sort();
  if (typeof input === 'object' && input !== null) {
    return Object.entries(input as Record<string, unknown>)
      .filter(([, granted]) => Boolean(granted))
      .map(([privilege]) => privilege)
      .sort();
  }
  return [];
}

/** v1 renders privileges as `{ "run_jobs": 1 }`. */
export function privilegesObject(privileges: readonly string[]): Record<string, 1> {
  return Object.fromEntries(privileges.map((privilege) => [privilege, 1 as const]));
}
