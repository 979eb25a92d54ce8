import { accessDenial, assertWithinScope, normalizePrivileges, privilegesObject, Scope, unionScope } from '../../src/auth/grants';
import { privilegeTitle } from '../../src/auth/privileges';

const scope = (privileges: string[], categories: string[] = [], groups: string[] = []): Scope => ({
  privileges: new Set(privileges),
  categories,
  groups,
});
const title = (id: string) => privilegeTitle(id);

describe('accessDenial', () => {
  it('names the missing privilege by its title', () => {
    expect(accessDenial(scope([]), { privilege: 'run_jobs' }, title)).toBe(
      "You do not have the 'Run Jobs' privilege required to perform this action.",
    );
    expect(accessDenial(scope(['run_jobs']), { privilege: 'run_jobs' }, title)).toBeNull();
  });

  it('checks categories and groups, where empty means unrestricted', () => {
    expect(accessDenial(scope([], ['staging']), { category: 'production' }, title)).toBe(
      'You do not have the required account privileges to access category ID production.',
    );
    expect(accessDenial(scope([], ['staging']), { category: 'staging' }, title)).toBeNull();
    expect(accessDenial(scope([], [], ['web']), { group: 'db' }, title)).toBe(
      'You do not have the required account privileges to access group ID db.',
    );
    expect(accessDenial(scope([]), { category: 'anything', group: 'any' }, title)).toBeNull();
  });

  it('lets admin through every privilege and restriction', () => {
    expect(accessDenial(scope(['admin'], ['staging'], ['web']), { privilege: 'run_jobs', category: 'production', group: 'db' }, title)).toBeNull();
  });
});

describe('assertWithinScope', () => {
  it('refuses a privilege the granter lacks', () => {
    expect(() => assertWithinScope(scope(['run_jobs']), { privileges: ['abort_jobs'], categories: [], groups: [] }, title)).toThrow(
      "You do not have the 'Abort Jobs' privilege required to perform this action.",
    );
  });

  it('keeps a restricted granter within a non-empty subset of their categories and groups', () => {
    const granter = scope(['run_jobs'], ['a', 'b'], ['g']);
    expect(() => assertWithinScope(granter, { privileges: ['run_jobs'], categories: ['a'], groups: ['g'] }, title)).not.toThrow();
    expect(() => assertWithinScope(granter, { privileges: [], categories: ['c'], groups: ['g'] }, title)).toThrow('category ID c');
    expect(() => assertWithinScope(granter, { privileges: [], categories: [], groups: ['g'] }, title)).toThrow('unrestricted category');
    expect(() => assertWithinScope(granter, { privileges: [], categories: ['a'], groups: ['h'] }, title)).toThrow('group ID h');
  });

  it('lets admin grant anything', () => {
    expect(() => assertWithinScope(scope(['admin'], ['a']), { privileges: ['admin'], categories: [], groups: [] }, title)).not.toThrow();
  });
});

describe('unionScope', () => {
  it('unites direct grants with enabled roles only', () => {
    const result = unionScope({ privileges: ['a'], categories: ['x'], groups: [] }, [
      { enabled: true, privileges: ['b'], categories: ['y'], groups: ['g'] },
      { enabled: false, privileges: ['c'], categories: ['z'], groups: ['h'] },
    ]);
    expect([...result.privileges].sort()).toEqual(['a', 'b']);
    expect([...result.categories].sort()).toEqual(['x', 'y']);
    expect(result.groups).toEqual(['g']);
  });
});

describe('privilege formats', () => {
  it('reads xyOps objects and arrays, and writes objects', () => {
    expect(normalizePrivileges({ run_jobs: 1, abort_jobs: 0, create_events: true })).toEqual(['create_events', 'run_jobs']);
    expect(normalizePrivileges(['b', 'a', 'a'])).toEqual(['a', 'b']);
    expect(normalizePrivileges(undefined)).toEqual([]);
    expect(privilegesObject(['run_jobs'])).toEqual({ run_jobs: 1 });
  });
});
