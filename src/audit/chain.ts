import { createHash } from 'node:crypto';

/** The fields of an activity record that its hash covers. */
export interface ChainedFields {
  id: string;
  organizationId: string;
  actorKind: string;
  actorId: string | null;
  action: string;
  targetKind: string | null;
  targetId: string | null;
  outcome: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  details: unknown;
  createdAt: Date;
}

/** JSON with object keys sorted at every level: the same bytes for the same content, whatever the key order. */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value ?? null);
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  const entries = Object.entries(value as Record<string, unknown>)
    .filter(([, item]) => item !== undefined)
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return `{${entries.map(([key, item]) => `${JSON.stringify(key)}:${canonicalJson(item)}`).join(',')}}`;
}

/** Details as the database will give them back (jsonb): plain JSON values only. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function normalizeDetails(details: Record<string, unknown> | undefined): Record<string, any> {
  return JSON.parse(JSON.stringify(details ?? {}));
}

/** SHA-256 over the previous record's hash and the canonical serialisation of this one. */
export function chainHash(record: ChainedFields, previousHash: Buffer | null): Buffer {
  const canonical = canonicalJson({
    id: record.id,
    organization_id: record.organizationId,
    actor_kind: record.actorKind,
    actor_id: record.actorId,
    action: record.action,
    target_kind: record.targetKind,
    target_id: record.targetId,
    outcome: record.outcome,
    ip: record.ip,
    user_agent: record.userAgent,
    request_id: record.requestId,
    details: record.details,
    created_at: record.createdAt.toISOString(),
  });
  return createHash('sha256')
    .update(previousHash ?? Buffer.alloc(32))
    .update(canonical)
    .digest();
}

/** The hashed fields of a raw activity_records row (snake_case, as a plain query returns it). */
export function chainedFieldsOfRow(row: Record<string, unknown>): ChainedFields {
  return {
    id: row.id as string,
    organizationId: row.organization_id as string,
    actorKind: row.actor_kind as string,
    actorId: row.actor_id as string | null,
    action: row.action as string,
    targetKind: row.target_kind as string | null,
    targetId: row.target_id as string | null,
    outcome: row.outcome as string,
    ip: row.ip as string | null,
    userAgent: row.user_agent as string | null,
    requestId: row.request_id as string | null,
    details: row.details,
    createdAt: row.created_at as Date,
  };
}
