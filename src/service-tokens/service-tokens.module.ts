import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { KeysModule } from '../keys/keys.module';
import { OrganizationsModule } from '../organizations/organizations.module';
import { ServiceTokenAuthenticator } from './service-token-authenticator';
import { ServiceTokenStrategy } from './service-token.strategy';
import { ServiceTokensService } from './service-tokens.service';
import { ServiceTokensV2Controller } from './service-tokens.v2.controller';

@Module({
  imports: [AuthModule, OrganizationsModule, KeysModule],
  controllers: [ServiceTokensV2Controller],
  providers: [ServiceTokenAuthenticator, ServiceTokenStrategy, ServiceTokensService],
})
export class ServiceTokensModule {}
