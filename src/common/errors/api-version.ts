export type ApiVersion = 'v1' | 'v2';

/** v1 is the xyOps surface (`/api/app/NAME/v1`, `/api/user/NAME`); everything else speaks v2. */
export function apiVersionOf(url: string): ApiVersion {
  return url.startsWith('/api/app/') || url.startsWith('/api/user/') ? 'v1' : 'v2';
}
