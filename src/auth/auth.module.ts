import { Module } from '@nestjs/common';
import { APP_GUARD } from '@nestjs/core';
import { AccessService } from './access.service';
import { AuthGuard } from './auth.guard';
import { AuthV1Controller } from './auth.v1.controller';
import { AuthV2Controller } from './auth.v2.controller';
import { AuthenticationService } from './authentication.service';
import { LoginService } from './login.service';
import { PasswordService } from './password.service';
import { SessionService } from './session.service';

@Module({
  controllers: [AuthV1Controller, AuthV2Controller],
  providers: [
    AccessService,
    AuthenticationService,
    LoginService,
    PasswordService,
    SessionService,
    { provide: APP_GUARD, useClass: AuthGuard },
  ],
  exports: [AccessService, AuthenticationService, PasswordService, SessionService],
})
export class AuthModule {}
