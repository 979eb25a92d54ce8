/** Query parameters that carry credentials or secrets; their values never reach a log line. */
const SECRET_PARAMETERS = new Set([
  'api_key',
  'session_id',
  'token',
  'access_token',
  'key',
  'secret',
  'password',
  'csrf_token',
]);

/** The URL with the value of every credential-bearing query parameter replaced. */
export function redactUrl(url: string): string {
  const queryStart = url.indexOf('?');
  if (queryStart === -1) return url;
  const query = url
    .slice(queryStart + 1)
    .split('&')
    .map((pair) => {
      const equals = pair.indexOf('=');
      const rawName = equals === -1 ? pair : pair.slice(0, equals);
      let name = rawName;
      try {
        name = decodeURIComponent(rawName.replace(/\+/g, ' '));
      } catch {
        // An undecodable name is logged as sent; its value is redacted below to be safe.
        return `${rawName}=[REDACTED]`;
      }
      return SECRET_PARAMETERS.has(name.toLowerCase()) ? `${rawName}=[REDACTED]` : pair;
    })
    .join('&');
  return `${url.slice(0, queryStart)}?${query}`;
}

/** Header names whose values are credentials; removed from anything that is logged. */
export const REDACTED_HEADER_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'req.headers["x-api-key"]',
  'req.headers["x-session-id"]',
  'req.headers["x-csrf-token"]',
  'res.headers["set-cookie"]',
];
