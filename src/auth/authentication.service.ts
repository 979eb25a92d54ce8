import { Injectable } from '@nestjs/common';
import passport from 'passport';
import { Strategy as CustomStrategy } from 'passport-custom';
import { KeywardError, Messages } from '../common/errors/keyward-error';
import { Credential, strategyFor } from './credentials';
import { Principal } from './principal';
import { CredentialRequest, JwtStrategy } from './strategies';

/**
 * Turns a credential into the principal through its Passport strategy; decides nothing about
 * privileges. A credential no strategy accepts is answered with the contract's error for its kind.
 */
@Injectable()
export class AuthenticationService {
  /**
   * The principal, synchronously when the strategy can answer without waiting (a cached API key),
   * else a promise. A refusal is thrown, or rejects the promise.
   */
  authenticate(credential: Credential, request: CredentialRequest): Principal | Promise<Principal> {
    const strategy = strategyFor(credential, request.raw?.socket);
    request.keywardCredential = credential;
    const registered = registeredStrategy(strategy);
    // The hot path: a credential resolved by a custom strategy (API key, service token, session)
    // or a JWT whose signature was already verified. Both decide exactly as through Passport
    // (which would only call the same `validate`), without Passport's per-request work: a strategy
    // object with bound action functions and seven properties added to the request.
    if (registered instanceof CustomStrategy) return runCustom(strategy, registered as unknown as ValidatingStrategy, request);
    if (registered instanceof JwtStrategy) {
      const cached = registered.fromVerifiedCache(request);
      if (cached !== null) return cached;
    }
    return runStrategy(strategy, request);
  }
}

type Validated = Principal | null | false | undefined;

interface ValidatingStrategy {
  validate(request: CredentialRequest): Validated | Promise<Validated>;
}

/** The strategy Passport would run under `name` (strategies register themselves when Nest creates them). */
function registeredStrategy(name: string): unknown {
  return (passport as unknown as { _strategy(name: string): unknown })._strategy(name);
}

/** What passport-custom and @nestjs/passport do with `validate`: its error, or no principal, refuses. */
function runCustom(strategy: string, registered: ValidatingStrategy, request: CredentialRequest): Principal | Promise<Principal> {
  const accept = (principal: Validated): Principal => {
    if (!principal) throw refusal(strategy);
    return principal;
  };
  const validated = registered.validate(request);
  return validated instanceof Promise ? validated.then(accept) : accept(validated);
}

function refusal(strategy: string): KeywardError {
  return new KeywardError('session', strategy === 'api-key' ? Messages.invalidApiKey : Messages.sessionInvalid);
}

function runStrategy(strategy: string, request: CredentialRequest): Promise<Principal> {
  return new Promise((resolve, reject) => {
    const callback = (error: unknown, principal: Principal | false) => {
      if (error) reject(error);
      else if (!principal) reject(refusal(strategy));
      else resolve(principal);
    };
    passport.authenticate(strategy, { session: false }, callback)(request, {}, reject);
  });
}
