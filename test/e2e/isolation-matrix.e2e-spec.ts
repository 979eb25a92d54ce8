import { randomUUID } from 'node:crypto';
import { createServer, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Response } from 'supertest';
import { http, issuedSecrets, loginAsAdmin, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';
import { changedRows, rowSnapshot } from '../support/storage';
import { createSubAccount, memberSession, uniqueEmail } from '../support/tenants';

type Schema = {
  $ref?: string;
  type?: string;
  format?: string;
  enum?: unknown[];
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
};
type Parameter = { name: string; in: string; required?: boolean; schema?: Schema };
type Operation = { parameters?: Parameter[]; requestBody?: { content?: Record<string, { schema?: Schema }> } };
type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

/** The kinds of object a tenant owns that an operation can name by id. */
type Kind = 'organization' | 'member' | 'role' | 'session' | 'api_key' | 'service_token' | 'webhook';
type Objects = Record<Kind, string>;

/** Where an operation names an object: which input, and what kind of object it is. */
interface IdInput {
  name: string;
  in: 'path' | 'query' | 'body';
  kind: Kind;
  /** The object the call acts on (path ids, a v1 call's `id`); else a reference or a filter. */
  primary: boolean;
  array: boolean;
}

/** A v2 path segment before `{param}` names the kind of the id. */
const KIND_OF_SEGMENT: Record<string, Kind> = {
  organizations: 'organization',
  members: 'member',
  roles: 'role',
  sessions: 'session',
  'api-keys': 'api_key',
  'service-tokens': 'service_token',
  webhooks: 'webhook',
};

/** Query and body inputs that refer to objects by id, by name. */
const KIND_OF_REFERENCE: Record<string, Kind> = { roles: 'role', parent_id: 'organization', actor_id: 'member', target_id: 'api_key' };

/**
 * Inputs that look like ids but name no object another tenant could own, each with the reason. A
 * new id-like input must be added to KIND_OF_REFERENCE or here, or the matrix fails.
 */
const NOT_OBJECT_REFERENCES: Record<string, string> = {
  'POST /api/v2/privileges body id': 'the id of the custom privilege being created, a name chosen by the caller, not a reference',
};

/**
 * Operations whose answer to a parent organization's principal the contract makes different:
 * a sub-account and its memberships are the parent's to see and administer
 * (api-v2.md: "the caller's organization and its sub-accounts"; product.md: "Admins of an ancestor
 * organization may administer its sub-accounts"). Every other route is called by the parent too.
 */
const PARENT_MAY_REACH = (route: string) => route.includes('/api/v2/organizations/{id}');

/** Calls the contract refuses before looking the id up: a service token cannot change service tokens. */
const REFUSED_BEFORE_LOOKUP = (kind: string, route: string) =>
  kind === 'service token' && (route === 'PATCH /api/v2/service-tokens/{id}' || route === 'POST /api/v2/service-tokens/{id}/rotate');

/**
 * Generated from both OpenAPI documents: every operation that takes an object id (in its path, a
 * v1 call's `id`, a reference such as `roles`, or a filter such as `target_id`) is called with the
 * ids of another organization, through each kind of credential (session, JWT, API key, service
 * token), and with the ids of a sub-account by its parent's API key and service token. Each answer
 * must be exactly what a random, non-existent id gets (so nothing tells the two apart), a primary
 * id must be answered not-found, and no row of any table may change except the caller's own
 * bookkeeping (last use, usage counts, its own organization's activity).
 */
describe('generated tenant-isolation matrix', () => {
  let server: TestServer;
  let root: Session;
  const tenants: Record<'a' | 'b' | 'b1', Objects & { adminUserId: string }> = {} as never;
  const principals: Record<'a' | 'b', Array<{ kind: string; headers: Record<string, string> }>> = { a: [], b: [] };

  /** A webhook receiver on loopback that accepts everything, so deliveries settle before the snapshots. */
  let receiver: Server;
  let receiverUrl: string;

  const delivered = async (admin: Session, webhookId: string) => {
    for (let attempt = 0; attempt < 100; attempt += 1) {
      const deliveries = await http(server).get(`/api/v2/webhooks/${webhookId}/deliveries`).set(admin.headers);
      if (deliveries.body.data?.[0]?.status === 'delivered') return;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    throw new Error(`the test delivery of webhook ${webhookId} did not arrive`);
  };

  /** One of every object in `organizationId`, made by its own admin. */
  const populate = async (organizationId: string, label: string): Promise<Objects & { adminUserId: string; admin: Session }> => {
    const admin = await memberSession(server, root, organizationId, { privileges: ['admin'] }, `admin-${label}`);
    const as = (path: string, body: object) => http(server).post(path).set(admin.headers).send(body);
    const role = await as('/api/v2/roles', { title: `${label} role`, privileges: ['run_jobs'] });
    const member = await memberSession(server, admin, organizationId, { privileges: ['run_jobs'], roles: [role.body.id] }, `member-${label}`);
    const sessions = await http(server).get('/api/v2/auth/sessions').set(member.headers);
    const key = await as('/api/v2/api-keys', { title: `${label} key`, privileges: ['run_jobs'], roles: [role.body.id] });
    const token = await as('/api/v2/service-tokens', { name: `${label} token` });
    const webhook = await as('/api/v2/webhooks', { url: receiverUrl, events: ['api_key.rotation_due'] });
    await as('/api/v2/privileges', { id: `custom_${label}`, title: `Custom ${label}` });
    await http(server).post(`/api/v2/webhooks/${webhook.body.webhook.id}/test`).set(admin.headers);
    await delivered(admin, webhook.body.webhook.id);
    for (const secret of [key.body.secret, token.body.secret, webhook.body.secret]) issuedSecrets.add(secret);
    const objects = {
      organization: organizationId,
      member: member.userId,
      role: role.body.id,
      session: sessions.body.data[0].id,
      api_key: key.body.api_key.id,
      service_token: token.body.service_token.id,
      webhook: webhook.body.webhook.id,
      adminUserId: admin.userId,
    };
    for (const [kind, id] of Object.entries(objects)) if (typeof id !== 'string') throw new Error(`${label} ${kind} was not created`);
    return { ...objects, admin };
  };

  /** The organization's admin through each kind of credential. */
  const credentialsOf = async (admin: Session, label: string) => {
    const key = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: `${label} admin key`, privileges: ['admin'] });
    const token = await http(server).post('/api/v2/service-tokens').set(admin.headers).send({ name: `${label} admin token` });
    issuedSecrets.add(key.body.secret);
    issuedSecrets.add(token.body.secret);
    return {
      credentialIds: [key.body.api_key.id, token.body.service_token.id],
      principals: [
        { kind: 'session', headers: admin.headers },
        { kind: 'jwt', headers: { Authorization: `Bearer ${admin.token}` } },
        { kind: 'api key', headers: { 'X-API-Key': key.body.secret } },
        { kind: 'service token', headers: { Authorization: `Bearer ${token.body.secret}` } },
      ],
    };
  };

  /** What identifies each calling side's own rows: its organization, admin user and credentials. */
  const callerIds: Record<'a' | 'b', string[]> = { a: [], b: [] };

  beforeAll(async () => {
    receiver = createServer((_, response) => response.writeHead(204).end());
    await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
    receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    server = await startServer('isolation-matrix', {
      env: { WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true', RATE_LIMIT_WRITES_PER_MINUTE: '100000', RATE_LIMIT_READS_PER_MINUTE: '100000' },
    });
    root = await loginAsAdmin(server);
    const aId = await createSubAccount(server, root, 'Tenant A');
    const bId = await createSubAccount(server, root, 'Tenant B');
    const b1Id = await createSubAccount(server, root, 'Tenant B1', bId);
    const a = await populate(aId, 'a');
    const b = await populate(bId, 'b');
    const b1 = await populate(b1Id, 'b1');
    Object.assign(tenants, { a, b, b1 });
    const ofA = await credentialsOf(a.admin, 'a');
    const ofB = await credentialsOf(b.admin, 'b');
    principals.a = ofA.principals;
    principals.b = ofB.principals;
    callerIds.a = [aId, a.adminUserId, ...ofA.credentialIds];
    callerIds.b = [bId, b.adminUserId, ...ofB.credentialIds];
  });

  afterAll(async () => {
    await server?.destroy();
    receiver?.close();
  });

  const resolve = (document: OpenApiDocument, schema: Schema | undefined): Schema | undefined =>
    schema?.$ref ? document.components?.schemas?.[schema.$ref.split('/').pop() as string] : schema;

  /** A value the validators accept, so that the call reaches the lookup. */
  const validString = (schema: Schema, name: string): string | undefined => {
    if (schema.enum) return undefined;
    if (schema.format === 'email') return uniqueEmail('intruder');
    if (schema.format === 'uri' || name === 'url') return 'http://127.0.0.1:9/stolen';
    if (schema.format === 'password' || name === 'password') return 'intruder-password-1234';
    if (schema.format || schema.pattern) return undefined;
    return 'Stolen'.padEnd(schema.minLength ?? 0, '!').slice(0, schema.maxLength ?? 100);
  };

  interface Case {
    route: string;
    method: string;
    path: string;
    inputs: IdInput[];
    body: Record<string, unknown> | undefined;
  }

  /** Every operation of a document with the inputs that name objects. */
  const casesOf = (document: OpenApiDocument, unhandled: string[]): Case[] => {
    const cases: Case[] = [];
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const [method, operation] of Object.entries(operations)) {
        const route = `${method.toUpperCase()} ${path}`;
        const inputs: IdInput[] = [];
        const consider = (name: string, where: 'path' | 'query' | 'body', schema: Schema | undefined) => {
          const array = schema?.type === 'array';
          const idLike = where === 'path' || /(^id$|_id$|_ids$)/.test(name) || name in KIND_OF_REFERENCE || schema?.format === 'uuid' || schema?.items?.format === 'uuid';
          if (!idLike) return;
          if (NOT_OBJECT_REFERENCES[`${route} ${where} ${name}`]) return;
          let kind: Kind | undefined;
          let primary = false;
          if (where === 'path') {
            const segments = path.split('/');
            kind = KIND_OF_SEGMENT[segments[segments.indexOf(`{${name}}`) - 1]];
            primary = true;
          } else if (name === 'id' && path.startsWith('/api/app/')) {
            // A v1 call names its object in `id`: the call's name says which kind.
            kind = /_api_key(_usage)?\/v1$/.test(path) ? 'api_key' : /_role\/v1$/.test(path) ? 'role' : undefined;
            primary = true;
          } else kind = KIND_OF_REFERENCE[name];
          if (!kind) unhandled.push(`${route} ${where} ${name}`);
          else inputs.push({ name, in: where, kind, primary, array });
        };
        for (const parameter of operation.parameters ?? []) {
          if (parameter.in === 'path' || parameter.in === 'query') consider(parameter.name, parameter.in, resolve(document, parameter.schema));
        }
        const bodySchema = resolve(document, operation.requestBody?.content?.['application/json']?.schema);
        let body: Record<string, unknown> | undefined;
        if (bodySchema?.properties) {
          body = {};
          for (const [name, raw] of Object.entries(bodySchema.properties)) {
            const schema = resolve(document, raw) ?? {};
            consider(name, 'body', schema);
            if (inputs.some((input) => input.in === 'body' && input.name === name)) continue;
            if (schema.type === 'string') {
              const value = validString(schema, name);
              if (value !== undefined) body[name] = value;
            } else if (schema.type === 'boolean') body[name] = false;
          }
        }
        if (inputs.length > 0) cases.push({ route, method, path, inputs, body });
      }
    }
    return cases;
  };

  /**
   * The variants of one case: every id foreign at once, and (with several) each one foreign while
   * the others name the caller's own objects (optional references are then left out).
   */
  const variantsOf = (inputs: IdInput[]): Array<Set<IdInput>> => {
    const all = [new Set(inputs)];
    return inputs.length > 1 ? [...all, ...inputs.map((input) => new Set([input]))] : all;
  };

  const callWith = (item: Case, values: Map<IdInput, string>, headers: Record<string, string>) => {
    let path = item.path;
    const query: Record<string, string> = {};
    const body: Record<string, unknown> = { ...(item.body ?? {}) };
    for (const input of item.inputs) {
      const value = values.get(input);
      if (input.in === 'path') path = path.replace(`{${input.name}}`, value as string);
      else if (value === undefined) continue;
      else if (input.in === 'query') query[input.name] = value;
      else body[input.name] = input.array ? [value] : value;
    }
    const request = http(server)[item.method as 'get' | 'post' | 'patch' | 'delete'](path).query(query).set(headers);
    return item.method === 'get' || item.method === 'delete' ? request : request.send(body);
  };

  /** The answer with the id and the request id taken out, for comparing two answers. */
  const normalized = (response: Response, id: string) => {
    const text = (response.text ?? '').split(id).join('<id>').replace(/"request_id":"[^"]*"/g, '"request_id":"<request>"');
    return { status: response.status, type: response.headers['content-type'], body: text };
  };

  /** Runs every case against `target`'s objects through each principal; returns what failed. */
  const runMatrix = async (
    cases: Case[],
    callers: Array<{ kind: string; headers: Record<string, string> }>,
    own: Objects,
    target: Objects,
    skip: (route: string) => boolean,
  ): Promise<{ calls: number; failures: string[] }> => {
    const failures: string[] = [];
    let calls = 0;
    for (const { kind, headers } of callers) {
      for (const item of cases) {
        if (skip(item.route)) continue;
        for (const foreign of variantsOf(item.inputs)) {
          const values = new Map<IdInput, string>();
          const random = new Map<IdInput, string>();
          for (const input of item.inputs) {
            const mine = input.primary ? own[input.kind] : undefined;
            values.set(input, foreign.has(input) ? target[input.kind] : (mine as string));
            random.set(input, foreign.has(input) ? randomUUID() : (mine as string));
          }
          const foreignIds = [...foreign].map((input) => target[input.kind]);
          const randomIds = [...foreign].map((input) => random.get(input) as string);
          const answer = await callWith(item, values, headers);
          const baseline = await callWith(item, random, headers);
          calls += 2;
          const label = `${kind} ${item.route} [${[...foreign].map((input) => input.name).join(', ')} foreign]`;
          let got = normalized(answer, foreignIds[0]);
          let expected = normalized(baseline, randomIds[0]);
          for (let i = 1; i < foreignIds.length; i += 1) {
            got = { ...got, body: got.body.split(foreignIds[i]).join('<id>') };
            expected = { ...expected, body: expected.body.split(randomIds[i]).join('<id>') };
          }
          if (JSON.stringify(got) !== JSON.stringify(expected)) {
            failures.push(`${label}: answered ${answer.status} ${answer.text.slice(0, 160)}; a random id got ${baseline.status} ${baseline.text.slice(0, 160)}`);
            continue;
          }
          const primaryForeign = [...foreign].some((input) => input.primary);
          const code = answer.body?.code;
          if (primaryForeign) {
            const refused = REFUSED_BEFORE_LOOKUP(kind, item.route) ? answer.status === 403 && code === 'access' : answer.status === 404 && code === 'notfound';
            if (!refused) failures.push(`${label}: answered ${answer.status} ${answer.text.slice(0, 160)}, not not-found`);
          } else if (item.method !== 'get' && answer.status < 400) {
            failures.push(`${label}: a write naming a foreign object succeeded: ${answer.status}`);
          }
        }
      }
    }
    return { calls, failures };
  };

  it('answers every operation that takes an id, with another tenant\'s ids, as if the object did not exist, and changes nothing of theirs', async () => {
    const documents = [(await http(server).get('/docs/v1.json')).body, (await http(server).get('/docs/v2.json')).body] as OpenApiDocument[];
    const unhandled: string[] = [];
    const cases = documents.flatMap((document) => casesOf(document, unhandled));
    expect(unhandled).toEqual([]);

    const before = await rowSnapshot(server);
    const fromA = await runMatrix(cases, principals.a, tenants.a, tenants.b, () => false);
    const fromAIntoSub = await runMatrix(cases, principals.a, tenants.a, tenants.b1, () => false);
    const afterA = await rowSnapshot(server);
    // The parent's API key and service token are bound to the parent; its admin's session and JWT
    // act in the parent unless X-Organization-Id says otherwise: none reaches the sub-account's objects.
    const fromParent = await runMatrix(cases, principals.b, tenants.b, tenants.b1, PARENT_MAY_REACH);
    const afterParent = await rowSnapshot(server);

    const operations = new Set(cases.map((item) => item.route));
    const v1 = [...operations].filter((route) => route.includes('/api/app/')).length;
    process.stdout.write(
      `isolation matrix: ${operations.size} operations (${v1} v1, ${operations.size - v1} v2), ` +
        `${fromA.calls + fromAIntoSub.calls + fromParent.calls} calls (half of them the random-id baselines), 4 credential kinds; ` +
        `the parent's principals skip ${[...operations].filter(PARENT_MAY_REACH).length} sub-account routes the contract gives them\n`,
    );
    expect([...fromA.failures, ...fromAIntoSub.failures, ...fromParent.failures]).toEqual([]);

    // Nothing of the targets changed: every changed row is the callers' own bookkeeping (it names
    // the caller's organization, user or credential) and names none of the targets' objects.
    const idsOf = (objects: Objects) => Object.values(objects).filter((value): value is string => typeof value === 'string');
    const foreignChanges = (rows: ReturnType<typeof changedRows>, callers: string[], targets: string[]) =>
      rows.filter(({ row }) => !callers.some((id) => row.includes(id)) || targets.some((id) => row.includes(id)));
    expect(foreignChanges(changedRows(before, afterA), callerIds.a, [...idsOf(tenants.b), ...idsOf(tenants.b1)])).toEqual([]);
    expect(foreignChanges(changedRows(afterA, afterParent), callerIds.b, idsOf(tenants.b1))).toEqual([]);
    // The matrix is generated: if the documents lost their ids, it would check nothing.
    expect(operations.size).toBeGreaterThan(40);
    // About 1,300 calls and three stop-start snapshots: 30-40 s on this machine alone.
  }, 240_000);
});
