import fc from 'fast-check';
import { http, issuedSecrets, loginAsAdmin, Session } from '../support/client';
import { rssMegabytes, startServer, TestServer } from '../support/server';

/**
 * Requests generated from both OpenAPI documents for every operation: missing, extra and
 * wrong-typed fields, boundary and oversized strings and arrays, malformed JSON, injection
 * strings, odd unicode, bad ids and duplicate credentials. The bar (quality.md): never a 5xx,
 * never a stack trace or internal name in a body, never a hang, and memory stays bounded.
 *
 * CI runs FUZZ_RUNS (default 25) cases per operation with a fixed seed; `npm run fuzz` runs more.
 */
const RUNS = Number(process.env.FUZZ_RUNS ?? 25);
const SEED = Number(process.env.FUZZ_SEED ?? 20261122);
const REQUEST_TIMEOUT_MS = 10_000;

type Schema = { type?: string; properties?: Record<string, Schema>; items?: Schema; $ref?: string; enum?: unknown[] };
type Operation = {
  parameters?: Array<{ name: string; in: string }>;
  requestBody?: { content?: Record<string, { schema?: Schema }> };
};
type OpenApiDocument = { paths: Record<string, Record<string, Operation>>; components?: { schemas?: Record<string, Schema> } };

/** What a body must never show: stack frames, source files, driver and ORM names, SQL errors. */
const LEAKS = /\bat [\w$.<>]+ \(|node_modules|\.(ts|js):\d+|QueryFailedError|TypeORM|EntityNotFound|duplicate key value|violates .* constraint|syntax error at or near|relation "|column "|pg-pool|ECONNREFUSED/;

const INJECTIONS = [
  "' OR '1'='1",
  "'; DROP TABLE api_keys; --",
  '{"$gt": ""}',
  '{"$where": "sleep(1000)"}',
  '../../etc/passwd',
  '<script>alert(1)</script>',
  '%00',
  '\u0000',
  '${jndi:ldap://x}',
  '__proto__',
  'constructor',
  '🙂'.repeat(40),
  'ǅ\u202E\uFEFF\u200B',
  '9'.repeat(400),
  '-1',
  '1e309',
];

/** Values for ids and query parameters (a URL over 16 KB is refused by the HTTP parser before the app). */
const weird = fc.oneof(
  fc.constantFrom(...INJECTIONS),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 30 }),
  fc.integer().map(String),
  fc.uuid(),
  fc.constant('x'.repeat(2_000)),
);

/** Values for body fields: the same, plus strings at and over the 64 KB body limit. */
const weirdField = fc.oneof(weird, fc.constantFrom('z'.repeat(5_000), 'z'.repeat(60_000), 'y'.repeat(70_000)));

const jsonish: fc.Arbitrary<unknown> = fc.oneof(
  weirdField,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(weird, { maxLength: 5 }),
  fc.constant(Array.from({ length: 5_000 }, (_, i) => `item${i}`)),
  fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'a', '$where'), weird, { maxKeys: 2 }),
);

type Body = { kind: 'json'; value: unknown } | { kind: 'raw'; text: string; contentType: string } | { kind: 'none' };

function bodyArbitrary(fields: string[]): fc.Arbitrary<Body> {
  const known = fields.length > 0 ? fields : ['id', 'title'];
  return fc.oneof(
    // The operation's own fields (some missing), each with a generated value, plus an unknown one.
    fc
      .record({ values: fc.dictionary(fc.constantFrom(...known), jsonish, { maxKeys: known.length }), extra: fc.option(fc.tuple(fc.string({ maxLength: 12 }), jsonish)) })
      .map(({ values, extra }) => ({ kind: 'json' as const, value: extra ? { ...values, [extra[0]]: extra[1] } : values })),
    fc.jsonValue({ maxDepth: 3 }).map((value) => ({ kind: 'json' as const, value })),
    fc.constantFrom('{', '{"title": }', '[1,2', 'null', '"text"', '{"a":1}{"b":2}', '\u0000').map((text) => ({ kind: 'raw' as const, text, contentType: 'application/json' })),
    fc.string({ maxLength: 50 }).map((text) => ({ kind: 'raw' as const, text, contentType: 'text/plain' })),
    fc.constant({ kind: 'none' as const }),
  );
}

function resolve(document: OpenApiDocument, schema: Schema | undefined): Schema | undefined {
  if (!schema?.$ref) return schema;
  return document.components?.schemas?.[schema.$ref.split('/').pop() as string];
}

describe('fuzzing from the OpenAPI documents', () => {
  let server: TestServer;
  let admin: Session;
  let apiKey: string;

  beforeAll(async () => {
    server = await startServer('fuzz', {
      env: { RATE_LIMIT_WRITES_PER_MINUTE: '1000000', RATE_LIMIT_READS_PER_MINUTE: '1000000', WEBHOOK_ALLOW_PRIVATE_TARGETS: 'true' },
    });
    admin = await loginAsAdmin(server);
    const key = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: 'Fuzzer', privileges: ['admin'] });
    apiKey = key.body.secret;
    issuedSecrets.add(apiKey);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  it('answers every generated request with a clean 2xx/4xx, in time, with bounded memory', async () => {
    const documents = [(await http(server).get('/docs/v1.json')).body, (await http(server).get('/docs/v2.json')).body] as OpenApiDocument[];
    const memoryBefore = rssMegabytes(server.pid);
    let cases = 0;
    let operations = 0;
    const statuses = new Map<number, number>();
    for (const document of documents) {
      for (const [path, methods] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(methods)) {
          if (!['get', 'post', 'put', 'patch', 'delete'].includes(method)) continue;
          // Logging out would end the session every other case uses: those cases get a session of their own.
          const endsSession = /logout/.test(path);
          operations += 1;
          const schema = resolve(document, operation.requestBody?.content?.['application/json']?.schema);
          const fields = Object.keys(schema?.properties ?? {});
          const queryNames = (operation.parameters ?? []).filter((parameter) => parameter.in === 'query').map((parameter) => parameter.name);
          const arbitrary = fc.record({
            pathValues: fc.array(weird, { minLength: 4, maxLength: 4 }),
            query: fc.dictionary(fc.constantFrom(...queryNames, 'limit', 'offset', 'cursor', 'api_key', 'session_id'), weird, { maxKeys: 3 }),
            body: bodyArbitrary(fields),
            credential: fc.constantFrom('key', 'session', 'both', 'conflicting', 'none'),
          });
          await fc.assert(
            fc.asyncProperty(arbitrary, async ({ pathValues, query, body, credential }) => {
              cases += 1;
              let index = 0;
              const concrete = path.replace(/\{[^}]+\}/g, () => encodeURIComponent(String(pathValues[index++ % 4]).slice(0, 200)));
              let request = http(server)[method as 'get'](concrete).query(query as Record<string, string>).timeout(REQUEST_TIMEOUT_MS);
              if (credential === 'key' || credential === 'both') request = request.set('X-API-Key', apiKey);
              if (credential === 'session' || credential === 'both') {
                request = request.set('X-Session-ID', endsSession ? (await loginAsAdmin(server)).sessionId : admin.sessionId);
              }
              if (credential === 'conflicting') request = request.set('X-API-Key', apiKey).set('Authorization', 'Bearer not-the-same-credential');
              if (body.kind === 'json' && method !== 'get') request = request.set('Content-Type', 'application/json').send(JSON.stringify(body.value));
              if (body.kind === 'raw' && method !== 'get') request = request.set('Content-Type', body.contentType).send(body.text);
              const response = await request;
              statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
              const text = response.text ?? '';
              if (response.status >= 500 || LEAKS.test(text)) {
                throw new Error(`${method.toUpperCase()} ${concrete} → ${response.status}: ${text.slice(0, 500)}`);
              }
            }),
            { seed: SEED, numRuns: RUNS, endOnFailure: true },
          );
          // A case may have ended every session of the admin (logout-all, a password change): start a new one.
          if ((await http(server).get('/api/v2/account').set(admin.headers)).status !== 200) admin = await loginAsAdmin(server);
        }
      }
    }
    const growth = rssMegabytes(server.pid) - memoryBefore;
    process.stdout.write(
      `fuzz: ${cases} cases over ${operations} operations (seed ${SEED}); statuses ${JSON.stringify(Object.fromEntries(statuses))}; RSS growth ${Math.round(growth)} MB\n`,
    );
    expect(operations).toBeGreaterThan(50);
    expect(cases).toBe(operations * RUNS);
    expect(growth).toBeLessThan(300);
  }, 30 * 60_000);
});
