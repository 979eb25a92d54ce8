import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { SERVICE_TOKEN_PREFIX } from '../keys/api-key-format';
import { Credential } from './credentials';
import { Principal } from './principal';
import { CredentialRequest } from './strategies';

const JWT_SHAPE = /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*$/;

/**
 * The Passport strategy that resolves a credential. A bearer value is a service token by its
 * prefix, a JWT by its shape, and an API key otherwise.
 */
export function strategyFor(credential: Credential): 'session' | 'jwt' | 'service-token' | 'api-key' {
  if (credential.kind === 'session') return 'session';
  if (credential.kind === 'bearer' && credential.value.startsWith(SERVICE_TOKEN_PREFIX)) return 'service-token';
  if (credential.kind === 'bearer' && JWT_SHAPE.test(credential.value)) return 'jwt';
  return 'api-key';
}

/**
 * Turns a credential into the principal through its Passport strategy; decides nothing about
 * privileges. A credential no strategy accepts is answered with the contract's error for its kind.
 */
@Injectable()
export class AuthenticationService {
  async authenticate(credential: Credential, request: CredentialRequest): Promise<Principal> {
    const strategy = strategyFor(credential);
    request.keywardCredential = credential;
    return runStrategy(strategy, request);
  }
}

function runStrategy(strategy: string, request: CredentialRequest): Promise<Principal> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, principal: Principal | false) => {
      if (error) reject(error);
      else if (!principal) reject(new KeywardError('session', strategy === 'api-key' ? Messages.invalidApiKey : Messages.sessionInvalid));
      else resolve(principal);
    };
    passport.authenticate(strategy, { session: false }, callback)(request, {}, reject);
  });
}
