/** Activity actions: xyOps names where one exists, Keyward's own otherwise. One list, no literals elsewhere. */
export const Actions = {
  organizationCreate: 'organization_create',
  organizationUpdate: 'organization_update',
  organizationDisable: 'organization_disable',
  organizationEnable: 'organization_enable',
  userCreate: 'user_create',
  userUpdate: 'user_update',
  userLogin: 'user_login',
  userLoginFailure: 'user_login_failure',
  userLockout: 'user_lockout',
  userLogout: 'user_logout',
  userLogoutAll: 'user_logout_all',
  userPasswordChange: 'user_password_change',
  userTokenRefresh: 'user_token_refresh',
  sessionRevoke: 'session_revoke',
  tokenReuse: 'auth_token_reuse',
  memberAdd: 'member_add',
  memberUpdate: 'member_update',
  memberRemove: 'member_remove',
  roleCreate: 'role_create',
  roleUpdate: 'role_update',
  roleDelete: 'role_delete',
  privilegeCreate: 'privilege_create',
  systemBootstrap: 'system_bootstrap',
} as const;

export type Action = (typeof Actions)[keyof typeof Actions];
