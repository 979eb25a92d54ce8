import { expectProblem, http, loginAsAdmin, Session } from '../support/client';
import { startServer, TestServer } from '../support/server';

describe('organizations and sub-accounts (v2)', () => {
  let server: TestServer;
  let admin: Session;

  beforeAll(async () => {
    server = await startServer('organizations');
    admin = await loginAsAdmin(server);
  });

  afterAll(async () => {
    await server?.destroy();
  });

  const create = (name: string, headers: Record<string, string> = admin.headers, slug?: string) =>
    http(server).post('/api/v2/organizations').set(headers).send(slug ? { name, slug } : { name });

  it('shows the current organization, created by the first start', async () => {
    const response = await http(server).get(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers);
    expect(response.status).toBe(200);
    expect(response.body).toMatchObject({
      id: admin.organizationId,
      name: 'Org organizations',
      slug: 'org-organizations',
      parent_id: null,
      depth: 0,
      status: 'active',
      disabled_at: null,
    });
    expect(new Date(response.body.created_at).toISOString()).toBe(response.body.created_at);
  });

  it('creates a sub-account under the current organization and records it', async () => {
    const response = await create('Acme Staging');
    expect(response.status).toBe(201);
    expect(response.body).toMatchObject({ name: 'Acme Staging', slug: 'acme-staging', parent_id: admin.organizationId, depth: 1, status: 'active' });
    const read = await http(server).get(`/api/v2/organizations/${response.body.id}`).set(admin.headers);
    expect(read.body.parent_id).toBe(admin.organizationId);
    const activity = await http(server)
      .get(`/api/v2/activity?action=organization_create&target_id=${response.body.id}`)
      .set(admin.headers);
    expect(activity.body.data).toHaveLength(1);
    expect(activity.body.data[0]).toMatchObject({
      actor: { type: 'user', id: admin.userId },
      target: { type: 'organization', id: response.body.id },
      outcome: 'success',
    });
  });

  it('refuses a slug already in use with 409 and keeps derived slugs unique', async () => {
    await create('Unique One', admin.headers, 'unique-one');
    expectProblem(await create('Another', admin.headers, 'unique-one'), 409, 'conflict');
    const first = await create('Same Name');
    const second = await create('Same Name');
    expect(second.status).toBe(201);
    expect(second.body.slug).not.toBe(first.body.slug);
    expect(second.body.slug).toMatch(/^same-name-[a-z0-9]{6}$/);
  });

  it('validates names and slugs, naming the field', async () => {
    const empty = expectProblem(await create(''), 400, 'validation');
    expect((empty.errors as Array<{ field: string }>)[0].field).toBe('name');
    const badSlug = expectProblem(await create('Fine', admin.headers, 'Not A Slug!'), 400, 'validation');
    expect(badSlug.detail).toMatch(/^Invalid parameter: slug/);
    expectProblem(await create('x'.repeat(201)), 400, 'validation');
  });

  it('nests sub-accounts at most five levels deep', async () => {
    let parentId = admin.organizationId;
    for (let depth = 1; depth <= 5; depth += 1) {
      const response = await create(`Level ${depth}`, { ...admin.headers, 'X-Organization-Id': parentId });
      expect({ depth, status: response.status }).toEqual({ depth, status: 201 });
      expect(response.body).toMatchObject({ depth, parent_id: parentId });
      parentId = response.body.id;
    }
    const tooDeep = expectProblem(await create('Level 6', { ...admin.headers, 'X-Organization-Id': parentId }), 409, 'conflict');
    expect(tooDeep.detail).toBe('Sub-accounts can nest at most 5 levels below a top-level organization.');
  });

  it('lists the organization and its sub-accounts with a stable cursor', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/v2/organizations?limit=3${cursor ? `&cursor=${cursor}` : ''}`;
      const page = await http(server).get(url).set(admin.headers);
      expect(page.status).toBe(200);
      expect(page.body.data.length).toBeLessThanOrEqual(3);
      seen.push(...page.body.data.map((organization: { id: string }) => organization.id));
      cursor = page.body.next_cursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen[0]).toBe(admin.organizationId);
    const all = await http(server).get('/api/v2/organizations?limit=200').set(admin.headers);
    expect(all.body.data.map((organization: { id: string }) => organization.id)).toEqual(seen);
    expectProblem(await http(server).get('/api/v2/organizations?limit=0').set(admin.headers), 400, 'validation');
    expectProblem(await http(server).get('/api/v2/organizations?limit=201').set(admin.headers), 400, 'validation');
    expectProblem(await http(server).get('/api/v2/organizations?cursor=garbage').set(admin.headers), 400, 'validation');
  });

  it('renames a sub-account', async () => {
    const created = await create('Before Rename');
    const response = await http(server).patch(`/api/v2/organizations/${created.body.id}`).set(admin.headers).send({ name: 'After Rename' });
    expect(response.status).toBe(200);
    expect(response.body.name).toBe('After Rename');
    expect(Date.parse(response.body.updated_at)).toBeGreaterThanOrEqual(Date.parse(created.body.updated_at));
  });

  it('disables a sub-account, records it, and stops access inside it; re-enabling restores it', async () => {
    const created = await create('To Disable');
    const inside = { ...admin.headers, 'X-Organization-Id': created.body.id };
    expect((await http(server).get(`/api/v2/organizations/${created.body.id}`).set(inside)).status).toBe(200);

    const disabled = await http(server).delete(`/api/v2/organizations/${created.body.id}`).set(admin.headers);
    expect(disabled.status).toBe(200);
    expect(disabled.body.status).toBe('disabled');
    expect(disabled.body.disabled_at).not.toBeNull();

    const refused = expectProblem(await http(server).get(`/api/v2/organizations/${created.body.id}`).set(inside), 403, 'access');
    expect(refused.detail).toBe('This organization is disabled.');
    const activity = await http(server).get(`/api/v2/activity?action=organization_disable&target_id=${created.body.id}`).set(admin.headers);
    expect(activity.body.data).toHaveLength(1);
    expect(activity.body.data[0].actor).toEqual({ type: 'user', id: admin.userId });

    const enabled = await http(server).patch(`/api/v2/organizations/${created.body.id}`).set(admin.headers).send({ status: 'active' });
    expect(enabled.body).toMatchObject({ status: 'active', disabled_at: null });
    expect((await http(server).get(`/api/v2/organizations/${created.body.id}`).set(inside)).status).toBe(200);
  });

  it('stops a sub-account of a disabled sub-account too', async () => {
    const parent = await create('Disabled Parent');
    const child = await create('Child Of Disabled', { ...admin.headers, 'X-Organization-Id': parent.body.id });
    await http(server).delete(`/api/v2/organizations/${parent.body.id}`).set(admin.headers);
    const refused = await http(server).get(`/api/v2/organizations/${child.body.id}`).set({ ...admin.headers, 'X-Organization-Id': child.body.id });
    expect(expectProblem(refused, 403, 'access').detail).toBe('This organization is disabled.');
  });

  it('does not disable the organization the caller acts in', async () => {
    const problem = expectProblem(await http(server).delete(`/api/v2/organizations/${admin.organizationId}`).set(admin.headers), 409, 'conflict');
    expect(problem.detail).toMatch(/cannot be disabled from inside itself/);
  });

  it('does not show a parent or a sibling from inside a sub-account', async () => {
    const left = await create('Left');
    const right = await create('Right');
    const insideLeft = { ...admin.headers, 'X-Organization-Id': left.body.id };
    for (const id of [admin.organizationId, right.body.id]) {
      const problem = expectProblem(await http(server).get(`/api/v2/organizations/${id}`).set(insideLeft), 404, 'notfound');
      expect(problem.detail).toBe(`Organization not found: ${id}`);
      expectProblem(await http(server).patch(`/api/v2/organizations/${id}`).set(insideLeft).send({ name: 'Hijacked' }), 404, 'notfound');
      expectProblem(await http(server).delete(`/api/v2/organizations/${id}`).set(insideLeft), 404, 'notfound');
    }
    const list = await http(server).get('/api/v2/organizations').set(insideLeft);
    expect(list.body.data.map((organization: { id: string }) => organization.id)).toEqual([left.body.id]);
    const unchanged = await http(server).get(`/api/v2/organizations/${right.body.id}`).set(admin.headers);
    expect(unchanged.body).toMatchObject({ name: 'Right', status: 'active' });
  });

  it('answers a malformed or unknown id with 404', async () => {
    for (const id of ['not-a-uuid', "1' OR '1'='1", '00000000-0000-4000-8000-000000000000']) {
      const response = await http(server).get(`/api/v2/organizations/${encodeURIComponent(id)}`).set(admin.headers);
      expectProblem(response, 404, 'notfound');
    }
  });

  it('refuses X-Organization-Id for an organization the user has no part in', async () => {
    const problem = expectProblem(
      await http(server).get('/api/v2/organizations').set({ ...admin.headers, 'X-Organization-Id': '00000000-0000-4000-8000-000000000000' }),
      403,
      'access',
    );
    expect(problem.detail).toBe('You do not have access to organization 00000000-0000-4000-8000-000000000000.');
  });
});
