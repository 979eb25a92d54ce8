import { Actions } from '../audit/actions';

/** Every event a webhook can subscribe to. */
export const WEBHOOK_EVENTS = [
  'api_key.created',
  'api_key.revoked',
  'api_key.rotated',
  'api_key.rotation_due',
  'api_key.expiring',
  'service_token.created',
  'service_token.updated',
  'service_token.rotated',
  'service_token.revoked',
  'member.added',
  'member.updated',
  'member.removed',
  'security.auth_failure',
  'security.rate_limited',
  'security.token_reuse',
  'security.lockout',
  'security.new_ip',
  'security.volume',
  'security.failure_burst',
  'security.after_hours',
  'webhook.test',
] as const;

/** The activity actions that are also webhook events. */
export const EVENT_OF_ACTION: Readonly<Record<string, string>> = {
  [Actions.apiKeyCreate]: 'api_key.created',
  [Actions.apiKeyDelete]: 'api_key.revoked',
  [Actions.apiKeyRotate]: 'api_key.rotated',
  [Actions.apiKeyRotationDue]: 'api_key.rotation_due',
  [Actions.apiKeyExpiring]: 'api_key.expiring',
  [Actions.serviceTokenCreate]: 'service_token.created',
  [Actions.serviceTokenUpdate]: 'service_token.updated',
  [Actions.serviceTokenRotate]: 'service_token.rotated',
  [Actions.serviceTokenRevoke]: 'service_token.revoked',
  [Actions.memberAdd]: 'member.added',
  [Actions.memberUpdate]: 'member.updated',
  [Actions.memberRemove]: 'member.removed',
  [Actions.authFailure]: 'security.auth_failure',
  [Actions.rateLimited]: 'security.rate_limited',
  [Actions.tokenReuse]: 'security.token_reuse',
  [Actions.userLockout]: 'security.lockout',
  [Actions.securityNewIp]: 'security.new_ip',
  [Actions.securityVolume]: 'security.volume',
  [Actions.securityFailureBurst]: 'security.failure_burst',
  [Actions.securityAfterHours]: 'security.after_hours',
};

/** A subscription entry: a known event, a family (`api_key.*`) or `*`. */
export function isKnownSubscription(entry: string): boolean {
  if (entry === '*') return true;
  if (entry.endsWith('.*')) return WEBHOOK_EVENTS.some((event) => event.startsWith(entry.slice(0, -1)));
  return (WEBHOOK_EVENTS as readonly string[]).includes(entry);
}
