import { Injectable } from '@nestjs/common';
import { PassportStrategy } from '@nestjs/passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { Principal } from '../auth/principal';
import { CredentialRequest } from '../auth/strategies';
import { KeywardError } from '../common/errors/keyward-error';
import { ServiceTokenAuthenticator, TokenMessages } from './service-token-authenticator';

/** `Authorization: Bearer kst_...` → the principal of the token's owner in its organization. */
@Injectable()
export class ServiceTokenStrategy extends PassportStrategy(CustomStrategy, 'service-token') {
  constructor(private readonly tokens: ServiceTokenAuthenticator) {
    super();
  }

  async validate(request: CredentialRequest): Promise<Principal> {
    const value = request.keywardCredential?.value;
    if (!value) throw new KeywardError('session', TokenMessages.invalid);
    return this.tokens.authenticate(value, request);
  }
}
