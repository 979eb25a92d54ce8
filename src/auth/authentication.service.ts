import { Injectable } from '@nestjs/common';
import type { FastifyRequest } from 'fastify';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { AccessService } from './access.service';
import { Credential } from './credentials';
import { Principal, RequestOrigin } from './principal';
import { SessionService } from './session.service';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

export function originOf(request: FastifyRequest): RequestOrigin {
  const userAgent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof userAgent === 'string' ? userAgent : null, requestId: String(request.id) };
}

/** Turns a credential into the principal; decides nothing about privileges. */
@Injectable()
export class AuthenticationService {
  constructor(
    private readonly sessions: SessionService,
    private readonly access: AccessService,
  ) {}

  async authenticate(credential: Credential, request: FastifyRequest): Promise<Principal> {
    switch (credential.kind) {
      case 'session':
        return this.fromSession(credential.value, request);
      case 'api_key':
        throw new KeywardError('session', Messages.invalidApiKey);
      case 'bearer':
        throw JWT_SHAPE.test(credential.value)
          ? new KeywardError('session', Messages.sessionInvalid)
          : new KeywardError('session', Messages.invalidApiKey);
    }
  }

  private async fromSession(sessionId: string, request: FastifyRequest): Promise<Principal> {
    const live = await this.sessions.resolve(sessionId);
    if (!live) throw new KeywardError('session', Messages.sessionInvalid);
    const { session } = live;
    const requested = request.headers['x-organization-id'];
    const organizationId = typeof requested === 'string' && requested !== '' ? requested : session.organizationId;
    const access = await this.access.forUser(session.userId, organizationId);
    return {
      kind: 'user',
      id: session.userId,
      userId: session.userId,
      organizationId: access.organizationId,
      privileges: access.privileges,
      categories: access.categories,
      groups: access.groups,
      sessionId: session.id,
      origin: originOf(request),
    };
  }
}
