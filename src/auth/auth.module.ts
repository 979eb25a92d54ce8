import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { PassportModule } from '@nestjs/passport';
import { AccessService } from './access.service';
import { JwksController } from './jwks.controller';
import { AuthGuard } from './auth.guard';
import { AuthV1Controller } from './auth.v1.controller';
import { AuthV2Controller } from './auth.v2.controller';
import { AuthenticationService } from './authentication.service';
import { JwtKeysService } from './jwt-keys.service';
import { JwtService } from './jwt.service';
import { LoginService } from './login.service';
import { PasswordService } from './password.service';
import { SessionService } from './session.service';
import { JwtStrategy, SessionStrategy } from './strategies';
import { UserPrincipalFactory } from './user-principal.factory';

@Module({
  imports: [PassportModule],
  controllers: [AuthV1Controller, AuthV2Controller, JwksController],
  providers: [
    AccessService,
    AuthenticationService,
    JwtKeysService,
    JwtService,
    JwtStrategy,
    LoginService,
    PasswordService,
    SessionService,
    SessionStrategy,
    UserPrincipalFactory,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AccessService, AuthenticationService, PasswordService, SessionService, UserPrincipalFactory, JwtService],
})
export class AuthModule {}
