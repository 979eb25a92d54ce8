import { createParamDecorator, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { CurrentPrincipal, Public, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { V2Controller } from '../common/http/versioned-controller';
import { accountOf } from '../organizations/account.v2.controller';

/**
 * A stand-in principal shaped like the bench's API key (same kinds of ids, same privilege), so
 * that both twins answer bodies of the same length. It names nothing that exists.
 */
const STAND_IN: Principal = {
  kind: 'api_key',
  id: '00000000-0000-4000-8000-000000000000',
  userId: null,
  organizationId: '00000000-0000-4000-8000-000000000001',
  privileges: new Set(['view_api_keys']),
  categories: [],
  groups: [],
  authenticatedBy: 'api_key',
  apiKeyId: '00000000-0000-4000-8000-000000000000',
  origin: { ip: '127.0.0.1', userAgent: null, requestId: '' },
};

/** The public twin's parameter: a custom parameter like @CurrentPrincipal, so both run the same pipe. */
const StandInPrincipal = createParamDecorator((): Principal => STAND_IN);

/**
 * `npm run bench` compares an authenticated GET with an unauthenticated one. These twins differ in
 * nothing else: one controller (the v2 validation pipe), one custom parameter each, the same
 * handler body (GET /api/v2/account's) of the same length. The authenticated one goes through the
 * global guard's whole hot path (find the credential, hash it, look it up, check its state,
 * rate-limit, check the privilege, count usage, rate-limit headers); the public one through the
 * same guard's public exit. Mounted only with BENCH_ROUTES=true.
 */
@ApiExcludeController()
@V2Controller('bench', 'Bench')
export class BenchController {
  @Get('public')
  @Public()
  publicTwin(@StandInPrincipal() principal: Principal) {
    return accountOf(principal);
  }

  @Get('authenticated')
  @RequirePrivileges()
  authenticatedTwin(@CurrentPrincipal() principal: Principal) {
    return accountOf(principal);
  }
}
