import { Controller, Get } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from './decorators';
import { JwtKeysService } from './jwt-keys.service';

/** Public keys for services that verify Keyward's JWTs themselves. */
@ApiExcludeController()
@Controller('.well-known')
export class JwksController {
  constructor(private readonly keys: JwtKeysService) {}

  @Get('jwks.json')
  @Public()
  jwks() {
    return this.keys.jwks();
  }
}
