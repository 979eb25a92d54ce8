import { createHmac, randomBytes } from 'node:crypto';
import ipaddr from 'ipaddr.js';
import { parseAddress } from '../common/cidr';

/** Only ordinary public unicast addresses: not private, loopback, link-local, unique-local, CGNAT, reserved... */
export function isPublicAddress(address: string): boolean {
  const parsed = parseAddress(address);
  if (!parsed) return false;
  return parsed.range() === 'unicast';
}

/** Why a webhook URL is refused, or null. `allowPrivate` admits http and local targets (tests, development). */
export function webhookUrlProblem(raw: string, allowPrivate: boolean): string | null {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    return 'url must be an absolute URL';
  }
  if (url.protocol !== 'https:' && !(allowPrivate && url.protocol === 'http:')) return 'url must use https';
  if (url.username || url.password) return 'url must not contain credentials';
  const host = url.hostname.replace(/^\[|\]$/g, '');
  if (ipaddr.isValid(host) && !allowPrivate && !isPublicAddress(host)) return 'url must not point to a private, loopback or link-local address';
  if (!allowPrivate && /^(localhost|.*\.localhost|.*\.local|.*\.internal)$/i.test(host)) return 'url must not point to a local host name';
  return null;
}

/** `whsec_` + 32 random bytes, base64 (the Standard Webhooks secret format). */
export function generateSigningSecret(): string {
  return `whsec_${randomBytes(32).toString('base64')}`;
}

/** Standard Webhooks: `v1,` + base64 HMAC-SHA-256 over `id.timestamp.body`, keyed with the secret's bytes. */
export function signWebhook(secret: string, id: string, timestamp: number, body: string): string {
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  return `v1,${createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest('base64')}`;
}

/** Seconds before each retry: about a day in all (22.7 h) before a delivery is marked failed. */
export const RETRY_SCHEDULE_SECONDS = [5, 30, 120, 600, 1800, 3600, 10800, 21600, 43200];

/** Delay before retry number `retry` (1-based) with ±20 % jitter, or null when retries are exhausted. */
export function retryDelayMs(retry: number, scale: number, random: () => number = Math.random): number | null {
  const base = RETRY_SCHEDULE_SECONDS[retry - 1];
  if (base === undefined) return null;
  return Math.round(base * 1000 * scale * (0.8 + 0.4 * random()));
}

/** Whether a webhook subscribed to `events` wants `type`: exact, `family.*`, or `*`. */
export function subscribes(events: readonly string[], type: string): boolean {
  return events.some((event) => event === '*' || event === type || (event.endsWith('.*') && type.startsWith(event.slice(0, -1))));
}
