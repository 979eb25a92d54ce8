/** The privilege catalog: ids and human titles. Titles appear in the exact access error. */
export const MANAGEMENT_PRIVILEGES = {
  admin: 'Administrator',
  view_api_keys: 'View API Keys',
  create_api_keys: 'Create API Keys',
  edit_api_keys: 'Edit API Keys',
  delete_api_keys: 'Delete API Keys',
  verify_api_keys: 'Verify API Keys',
  create_service_tokens: 'Create Service Tokens',
  delete_service_tokens: 'Delete Service Tokens',
  manage_members: 'Manage Members',
  manage_sub_accounts: 'Manage Sub-Accounts',
  create_roles: 'Create Roles',
  edit_roles: 'Edit Roles',
  delete_roles: 'Delete Roles',
  view_activity: 'View Activity',
  manage_webhooks: 'Manage Webhooks',
  register_servers: 'Register Servers',
} as const;

/** The xyOps families (seed documents), in the `verb_nouns` form, for other services to verify. */
const PLATFORM_FAMILIES: Array<[string, string]> = [
  ['alerts', 'Alerts'],
  ['buckets', 'Buckets'],
  ['categories', 'Categories'],
  ['channels', 'Channels'],
  ['events', 'Events'],
  ['groups', 'Groups'],
  ['monitors', 'Monitors'],
  ['plugins', 'Plugins'],
  ['tags', 'Tags'],
  ['tickets', 'Tickets'],
  ['web_hooks', 'Web Hooks'],
];

function platformPrivileges(): Record<string, string> {
  const catalog: Record<string, string> = {};
  for (const [noun, title] of PLATFORM_FAMILIES) {
    catalog[`create_${noun}`] = `Create ${title}`;
    catalog[`edit_${noun}`] = `Edit ${title}`;
    catalog[`delete_${noun}`] = `Delete ${title}`;
  }
  catalog.run_jobs = 'Run Jobs';
  catalog.abort_jobs = 'Abort Jobs';
  catalog.edit_jobs = 'Edit Jobs';
  catalog.delete_jobs = 'Delete Jobs';
  return catalog;
}

export const BUILT_IN_PRIVILEGES: Readonly<Record<string, string>> = Object.freeze({
  ...MANAGEMENT_PRIVILEGES,
  ...platformPrivileges(),
});

export type ManagementPrivilege = keyof typeof MANAGEMENT_PRIVILEGES;

export const ADMIN_PRIVILEGE: ManagementPrivilege = 'admin';

/** The title of a built-in privilege, or the id itself for an unknown one. */
export function privilegeTitle(id: string, custom?: Readonly<Record<string, string>>): string {
  return BUILT_IN_PRIVILEGES[id] ?? custom?.[id] ?? id;
}
