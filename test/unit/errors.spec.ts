import { apiVersionOf } from '../../src/common/errors/api-version';
import { describeError, ErrorCode } from '../../src/common/errors/error-catalog';
import { renderProblem, renderV1Error } from '../../src/common/errors/error-rendering';
import { KeywardError, Messages } from '../../src/common/errors/keyward-error';

const ALL_CODES: ErrorCode[] = [
  'credential_refused',
  'api', 'validation', 'session', 'login', 'access', 'notfound', 'conflict', 'rate',
  'payload_too_large', 'unsupported_media_type', 'method_not_allowed', 'unavailable', 'internal',
];

describe('error catalog', () => {
  it('maps the xyOps codes to the statuses of api-v1.md', () => {
    expect(describeError('api').v1Status).toBe(400);
    expect(describeError('session').v1Status).toBe(403);
    expect(describeError('access').v1Status).toBe(403);
    expect(describeError('notfound').v1Status).toBe(404);
    expect(describeError('rate').v1Status).toBe(429);
    expect(describeError('login').v1Status).toBe(401);
  });

  it('uses 401 for a missing credential in v2 and 403 for a missing privilege', () => {
    expect(describeError('session').v2Status).toBe(401);
    expect(describeError('access').v2Status).toBe(403);
    expect(describeError('conflict').v2Status).toBe(409);
  });

  it('only ever gives a v1 client a code of the xyOps list', () => {
    for (const code of ALL_CODES) {
      expect(['api', 'session', 'access', 'notfound', 'rate', 'login', 'internal']).toContain(describeError(code).v1Code);
    }
  });
});

describe('renderers', () => {
  const error = new KeywardError('session', Messages.noCredential);

  it('renders v1 as { code, description }', () => {
    expect(renderV1Error(error)).toMatchObject({
      status: 403,
      body: { code: 'session', description: 'No Session ID or API Key could be found' },
    });
  });

  it('renders v2 as a problem with the same text as detail', () => {
    const rendered = renderProblem(error, '/api/v2/organizations', 'req-1');
    expect(rendered.contentType).toMatch(/^application\/problem\+json/);
    expect(rendered.body).toMatchObject({
      status: 401,
      code: 'session',
      detail: 'No Session ID or API Key could be found',
      instance: '/api/v2/organizations',
    });
  });

  it('adds Retry-After to a rate error', () => {
    const rate = new KeywardError('rate', Messages.apiKeyRateLimited(3), { retryAfter: 1 });
    expect(renderV1Error(rate).headers['retry-after']).toBe('1');
    expect(renderV1Error(rate).body.description).toBe('API Key has exceeded rate limit (3/sec)');
  });

  it('writes the privilege message of the contract', () => {
    expect(Messages.missingPrivilege('Run Jobs')).toBe("You do not have the 'Run Jobs' privilege required to perform this action.");
    expect(Messages.categoryRestricted('production')).toBe(
      'You do not have the required account privileges to access category ID production.',
    );
  });
});

describe('apiVersionOf', () => {
  it('knows the v1 paths', () => {
    expect(apiVersionOf('/api/app/get_api_keys/v1')).toBe('v1');
    expect(apiVersionOf('/api/user/login')).toBe('v1');
    expect(apiVersionOf('/api/v2/api-keys')).toBe('v2');
    expect(apiVersionOf('/health/ready')).toBe('v2');
  });
});
