import { randomBytes } from 'node:crypto';
import { http, issuedSecrets, login, Session } from './client';
import type { TestServer } from './server';

export interface Grant {
  privileges?: string[];
  roles?: string[];
  categories?: string[];
  groups?: string[];
}

export interface Member {
  email: string;
  password: string;
  userId: string;
}


export function uniqueEmail(prefix: string): string {
  return `${prefix}-${randomBytes(4).toString('hex')}@example.test`;
}

/** A sub-account created by `actor` under the organization it acts in (or `parentId`). */
export async function createSubAccount(server: TestServer, actor: Session, name: string, parentId?: string): Promise<string> {
  const headers = parentId ? { ...actor.headers, 'X-Organization-Id': parentId } : actor.headers;
  const response = await http(server).post('/api/v2/organizations').set(headers).send({ name });
  if (response.status !== 201) throw new Error(`sub-account ${name}: ${response.status} ${JSON.stringify(response.body)}`);
  return response.body.id;
}

/** A new user, member of `organizationId` with `grant`, created by `actor`. */
export async function createMember(server: TestServer, actor: Session, organizationId: string, grant: Grant = {}, prefix = 'member'): Promise<Member> {
  const email = uniqueEmail(prefix);
  const password = `pw-${randomBytes(12).toString('base64url')}`;
  issuedSecrets.add(password);
  const response = await http(server)
    .post(`/api/v2/organizations/${organizationId}/members`)
    .set(actor.headers)
    .send({ email, password, ...grant });
  if (response.status !== 201) throw new Error(`member ${email}: ${response.status} ${JSON.stringify(response.body)}`);
  return { email, password, userId: response.body.user_id };
}

/** A logged-in session of a new member of `organizationId` (their only organization, so they land in it). */
export async function memberSession(server: TestServer, actor: Session, organizationId: string, grant: Grant = {}, prefix = 'member'): Promise<Session & Member> {
  const member = await createMember(server, actor, organizationId, grant, prefix);
  const session = await login(server, member.email, member.password);
  return { ...session, ...member };
}
