import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { connectionFingerprint } from '../common/crypto';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { Principal } from '../auth/principal';
import { CredentialRequest } from '../auth/strategies';
import { originOf } from '../auth/user-principal.factory';
import { ApiKeyAuthenticator } from './api-key-authenticator';

/** An API key (X-API-Key, ?api_key, JSON api_key, or a bearer value that is neither JWT nor service token). */
@Injectable()
export class ApiKeyStrategy extends PassportStrategy(CustomStrategy, 'api-key') {
  constructor(private readonly keys: ApiKeyAuthenticator) {
    super();
  }

  /** Synchronous when the key's state is cached (see ApiKeyAuthenticator.authenticate). */
  validate(request: CredentialRequest): Principal | Promise<Principal> {
    const value = request.keywardCredential?.value;
    if (!value) throw new KeywardError('session', Messages.invalidApiKey);
    const authenticated = this.keys.authenticate(value, connectionFingerprint(request.raw?.socket, value), originOf(request));
    return authenticated instanceof Promise ? authenticated.then((key) => key.principal) : authenticated.principal;
  }
}
