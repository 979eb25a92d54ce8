import { lookup } from 'node:dns';
import { request as httpRequest } from 'node:http';
import { request as httpsRequest } from 'node:https';
import type { LookupFunction } from 'node:net';
import { isPublicAddress } from './webhook-rules';

export interface SendResult {
  status: number | null;
  durationMs: number;
  error: string | null;
}

/**
 * The address check happens where the connection is made: a host name resolving to a private
 * address (at save or later, DNS rebinding) is refused unless private targets are allowed.
 */
function guardedLookup(allowPrivate: boolean): LookupFunction {
  return (hostname, options, callback) => {
    lookup(hostname, { ...options, all: true }, (error, addresses) => {
      if (error) return callback(error, '', 4);
      const list = addresses as Array<{ address: string; family: number }>;
      const allowed = allowPrivate ? list : list.filter((entry) => isPublicAddress(entry.address));
      if (allowed.length === 0) return callback(new Error('the host resolves to a private, loopback or link-local address'), '', 4);
      if ((options as { all?: boolean }).all) return (callback as unknown as (e: null, a: typeof allowed) => void)(null, allowed);
      callback(null, allowed[0].address, allowed[0].family);
    });
  };
}

/** One POST, no redirects followed, a hard timeout; never throws. */
export function sendWebhook(url: string, headers: Record<string, string>, body: string, options: { allowPrivate: boolean; timeoutMs: number }): Promise<SendResult> {
  const started = Date.now();
  return new Promise((resolve) => {
    const target = new URL(url);
    const send = target.protocol === 'https:' ? httpsRequest : httpRequest;
    const outgoing = send(
      target,
      {
        method: 'POST',
        headers: { ...headers, 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), 'user-agent': 'Keyward-Webhooks/1.0' },
        lookup: guardedLookup(options.allowPrivate),
        timeout: options.timeoutMs,
      },
      (response) => {
        response.resume();
        response.on('end', () => resolve({ status: response.statusCode ?? null, durationMs: Date.now() - started, error: null }));
      },
    );
    outgoing.on('timeout', () => outgoing.destroy(new Error(`no answer within ${options.timeoutMs} ms`)));
    outgoing.on('error', (error) => resolve({ status: null, durationMs: Date.now() - started, error: error.message.slice(0, 300) }));
    outgoing.end(body);
  });
}
