/** Activity actions: xyOps names where one exists, Keyward's own otherwise. One list, no literals elsewhere. */
export const Actions = {
  organizationCreate: 'organization_create',
  organizationUpdate: 'organization_update',
  organizationDisable: 'organization_disable',
  organizationEnable: 'organization_enable',
  userLogin: 'user_login',
  userLoginFailure: 'user_login_failure',
  userLogout: 'user_logout',
  userLogoutAll: 'user_logout_all',
  systemBootstrap: 'system_bootstrap',
} as const;

export type Action = (typeof Actions)[keyof typeof Actions];
