import { randomUUID } from 'node:crypto';
import { http, issuedSecrets, loginAsAdmin, Session, missingPrivilege } from '../support/client';
import { startServer, TestServer } from '../support/server';

type Operation = { 'x-required-privileges'?: string[] };
type OpenApiDocument = { paths: Record<string, Record<string, Operation>> };

const missing = missingPrivilege;

/**
 * Generated from the route metadata, not from a hand list: for every operation of both documents
 * that requires privileges, an API key holding every privilege but the required one gets the exact
 * access error, and one holding it gets past the privilege check. A new route is covered as soon
 * as it declares what it requires.
 */
describe('privilege matrix', () => {
  let server: TestServer;
  let admin: Session;
  let catalog: Array<{ id: string; title: string }>;
  const keys = new Map<string, string>();

  beforeAll(async () => {
    server = await startServer('privilege-matrix', { env: { RATE_LIMIT_WRITES_PER_MINUTE: '100000', RATE_LIMIT_READS_PER_MINUTE: '100000' } });
    admin = await loginAsAdmin(server);
    catalog = (await http(server).get('/api/v2/privileges').set(admin.headers)).body.data;
  });

  afterAll(async () => {
    await server?.destroy();
  });

  /** An API key with every built-in privilege except `without` (and never admin unless asked for). */
  const keyHolding = async (label: string, privileges: string[]): Promise<string> => {
    const known = keys.get(label);
    if (known) return known;
    const response = await http(server).post('/api/v2/api-keys').set(admin.headers).send({ title: `Matrix ${label}`, privileges });
    if (response.status !== 201) throw new Error(`key ${label}: ${response.status} ${JSON.stringify(response.body)}`);
    issuedSecrets.add(response.body.secret);
    keys.set(label, response.body.secret);
    return response.body.secret;
  };

  const allBut = (privilege: string) => catalog.map((entry) => entry.id).filter((id) => id !== privilege && id !== 'admin');

  const call = (method: string, path: string, key: string) => {
    const concrete = path.replace(/\{[^}]+\}/g, () => randomUUID());
    const request = http(server)[method as 'get' | 'post' | 'patch' | 'delete' | 'put'](concrete).set('X-API-Key', key);
    return method === 'get' || method === 'delete' ? request : request.send({});
  };

  const messageOf = (body: { detail?: string; description?: string }) => body.detail ?? body.description;

  it('refuses every operation to a principal without its privilege, with the exact message, and lets one with it through', async () => {
    const documents = [(await http(server).get('/docs/v1.json')).body, (await http(server).get('/docs/v2.json')).body] as OpenApiDocument[];
    const checked: string[] = [];
    const failures: string[] = [];
    for (const document of documents) {
      for (const [path, operations] of Object.entries(document.paths)) {
        for (const [method, operation] of Object.entries(operations)) {
          const required = operation['x-required-privileges'];
          if (!required || required.length === 0) continue;
          for (const privilege of required) {
            const title = catalog.find((entry) => entry.id === privilege)?.title ?? privilege;
            const name = `${method.toUpperCase()} ${path} needs ${privilege}`;
            const without = await call(method, path, await keyHolding(`without ${privilege}`, allBut(privilege)));
            if (without.status !== 403 || messageOf(without.body) !== missing(title)) {
              failures.push(`${name}: without it got ${without.status} ${JSON.stringify(without.body)}`);
            }
            const holding = privilege === 'admin' ? ['admin'] : [...allBut(''), privilege];
            const withIt = await call(method, path, await keyHolding(`with ${privilege}`, holding));
            if (withIt.status === 403 && messageOf(withIt.body) === missing(title)) failures.push(`${name}: refused even with it`);
            if (withIt.status >= 500) failures.push(`${name}: with it got ${withIt.status}`);
            checked.push(name);
          }
        }
      }
    }
    process.stdout.write(`privilege matrix: ${checked.length} operation/privilege pairs checked\n`);
    expect(failures).toEqual([]);
    // Both documents declare privileges: a matrix of a handful would mean the metadata went missing.
    expect(checked.length).toBeGreaterThan(40);
  });
});
