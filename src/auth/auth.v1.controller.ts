import { Get, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { V1Controller, V1Params, v1Ok } from '../common/http/versioned-controller';
import { originOf } from './user-principal.factory';
import { V1LoginDto } from './auth.dto';
import { CurrentPrincipal, Public, RequirePrivileges } from './decorators';
import { LoginService } from './login.service';
import { Principal } from './principal';
import { clearSessionCookie, setSessionCookie } from './session-cookie';

@V1Controller('v1: Users and sessions')
export class AuthV1Controller {
  constructor(private readonly logins: LoginService) {}

  @Post('user/login')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Log in (xyOps): starts a session and sets the session_id cookie' })
  async login(
    @V1Params() params: V1LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const result = await this.logins.login(params.username ?? params.email ?? '', params.password, originOf(request));
    setSessionCookie(request, reply, result.sessionId, result.sessionExpiresIn);
    return v1Ok({
      session_id: result.sessionId,
      csrf_token: result.csrfToken,
      token: result.token.token,
      expires_in: result.token.expiresIn,
      user: {
        id: result.user.id,
        username: result.user.email,
        email: result.user.email,
        full_name: result.user.name,
        active: result.user.active ? 1 : 0,
      },
    });
  }

  @Post('user/refresh')
  @HttpCode(200)
  @RequirePrivileges()
  @ApiOperation({ summary: 'A new JWT for the current one (Authorization: Bearer), which stops working' })
  async refresh(@CurrentPrincipal() principal: Principal) {
    const issued = await this.logins.refresh(principal);
    return v1Ok({ token: issued.token, expires_in: issued.expiresIn });
  }

  @Post('user/logout')
  @HttpCode(200)
  @RequirePrivileges()
  @ApiOperation({ summary: 'End this session' })
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    await this.logins.logout(principal);
    clearSessionCookie(request, reply);
    return v1Ok();
  }

  @Post('app/logout_all/v1')
  @HttpCode(200)
  @RequirePrivileges()
  @ApiOperation({ summary: 'End every session of the calling user' })
  async logoutAll(@CurrentPrincipal() principal: Principal) {
    const ended = await this.logins.logoutAll(principal);
    return v1Ok({ sessions_ended: ended });
  }

  @Get('app/ping/v1')
  @Public()
  @ApiOperation({ summary: 'Liveness of the v1 API' })
  ping() {
    return v1Ok();
  }

  @Post('app/ping/v1')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Liveness of the v1 API' })
  pingPost() {
    return v1Ok();
  }
}
