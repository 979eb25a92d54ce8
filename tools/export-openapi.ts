/**
 * Writes the two OpenAPI documents the built server publishes, and the ruleset to lint them with,
 * to dist/openapi/ (for `npm run lint:api`). They are generated from the running application, so
 * a server is started on a fresh embedded database for it.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { startServer } from './server-process';

async function main(): Promise<void> {
  // Under dist/ (ignored by git): rulesets' `**` globs do not enter dot folders such as .tmp.
  const out = join(__dirname, '..', 'openapi');
  mkdirSync(out, { recursive: true });
  delete process.env.DATABASE_URL;
  delete process.env.REDIS_URL;
  const server = await startServer('openapi');
  try {
    const outputOnly: string[] = [];
    for (const version of ['v1', 'v2']) {
      const document = await (await fetch(`${server.url}/docs/${version}.json`)).json();
      writeFileSync(join(out, `${version}.json`), `${JSON.stringify(document, null, 2)}\n`);
      outputOnly.push(...outputOnlySchemas(document).map((name) => `${version}.json#/components/schemas/${name}`));
    }
    writeFileSync(join(out, '.spectral.yaml'), rulesetFor(outputOnly));
  } finally {
    await server.destroy();
  }
  process.stdout.write(`OpenAPI documents written to ${out}\n`);
}

// eslint-disable-next-line @typescript-eslint/no-explicit-any
type Json = any;

/** The $refs under `node`, as schema names. */
function refsIn(node: Json, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((item) => refsIn(item, found));
  else if (node && typeof node === 'object') {
    for (const [key, value] of Object.entries(node)) {
      if (key === '$ref' && typeof value === 'string') found.add(value.split('/').pop() as string);
      else refsIn(value, found);
    }
  }
  return found;
}

/** Schemas used only in responses: what the server sends, not what it accepts. */
function outputOnlySchemas(document: Json): string[] {
  const schemas: Record<string, Json> = document.components?.schemas ?? {};
  const inputs = new Set<string>();
  for (const methods of Object.values(document.paths ?? {}) as Json[]) {
    for (const operation of Object.values(methods) as Json[]) {
      refsIn([operation.requestBody, operation.parameters], inputs);
    }
  }
  // Nested inputs are inputs too.
  for (let grew = true; grew; ) {
    grew = false;
    for (const name of [...inputs]) {
      for (const nested of refsIn(schemas[name])) if (!inputs.has(nested)) (inputs.add(nested), (grew = true));
    }
  }
  return Object.keys(schemas).filter((name) => !inputs.has(name));
}

/** Exceptions for named parts of the documents, each with its reason. */
const EXCEPTIONS = `
  # ?api_key= is part of the xyOps-compatible contract (api-v1.md); the access log redacts it, and
  # the documents recommend X-API-Key.
  - files:
      - "v1.json#/components/securitySchemes/api_key_query"
      - "v2.json#/components/securitySchemes/api_key_query"
    rules:
      owasp:api2:2023-no-api-keys-in-url: "off"
  # Public by design: logging in, and the v1 ping that xyOps clients call before they hold a key.
  # Login is limited per address and per account (429 with Retry-After), not by the per-principal
  # counters that RateLimit-* headers describe.
  - files:
      - "v1.json#/paths/~1api~1user~1login"
      - "v1.json#/paths/~1api~1app~1ping~1v1"
      - "v2.json#/paths/~1api~1v2~1auth~1login"
    rules:
      owasp:api2:2023-write-restricted: "off"
      owasp:api4:2023-rate-limit: "off"
  # Health checks are for load balancers and are not rate limited.
  - files:
      - "v2.json#/paths/~1health~1live"
      - "v2.json#/paths/~1health~1ready"
    rules:
      owasp:api4:2023-rate-limit: "off"`;

/**
 * The repository's ruleset, plus the exceptions above, plus: the OWASP API4 limits (maxLength,
 * maxItems, a format) are demanded of what the service accepts. Schemas used only in responses
 * describe what it sends, whose sizes follow from those inputs, so they are exempt.
 */
function rulesetFor(outputOnly: string[]): string {
  const files = outputOnly.map((pointer) => `      - "${pointer}"`).join('\n');
  const responses = outputOnly.length === 0 ? '' : `
  - files:
${files}
    rules:
      owasp:api4:2023-string-limit: "off"
      owasp:api4:2023-string-restricted: "off"
      owasp:api4:2023-array-limit: "off"
      owasp:api4:2023-integer-limit-legacy: "off"
      owasp:api4:2023-integer-format: "off"`;
  return `extends:\n  - ../../.spectral.yaml\noverrides:${EXCEPTIONS}${responses}\n`;
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
