import { Module } from '@nestjs/common';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ApiKeyAuthenticator } from './api-key-authenticator';
import { ApiKeyStrategy } from './api-key.strategy';
import { ApiKeysService } from './api-keys.service';
import { ApiKeysV1Controller } from './api-keys.v1.controller';
import { ApiKeysV2Controller } from './api-keys.v2.controller';
import { KeyHygieneService } from './key-hygiene.service';

@Module({
  imports: [OrganizationsModule],
  controllers: [ApiKeysV1Controller, ApiKeysV2Controller],
  providers: [ApiKeyAuthenticator, ApiKeyStrategy, ApiKeysService, KeyHygieneService],
  exports: [ApiKeyAuthenticator, ApiKeysService],
})
export class KeysModule {}
