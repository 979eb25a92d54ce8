import { Body, HttpCode, Post, Req, Res } from '@nestjs/common';
import { ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { V2Controller } from '../common/http/versioned-controller';
import { originOf } from './authentication.service';
import { mapOrganizationSummary, mapUserSummary, V2LoginDto, V2LoginResponseDto } from './auth.dto';
import { CurrentPrincipal, Public, RequirePrivileges } from './decorators';
import { LoginService } from './login.service';
import { Principal } from './principal';
import { clearSessionCookie, setSessionCookie } from './session-cookie';

@V2Controller('auth', 'Authentication')
export class AuthV2Controller {
  constructor(private readonly logins: LoginService) {}

  @Post('login')
  @HttpCode(200)
  @Public()
  @ApiOperation({ summary: 'Log in with email and password' })
  @ApiOkResponse({ type: V2LoginResponseDto })
  async login(
    @Body() body: V2LoginDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<V2LoginResponseDto> {
    const result = await this.logins.login(body.email, body.password, originOf(request));
    setSessionCookie(request, reply, result.sessionId, result.expiresIn);
    return {
      session_id: result.sessionId,
      csrf_token: result.csrfToken,
      expires_in: result.expiresIn,
      user: mapUserSummary(result.user),
      organization: mapOrganizationSummary(result.organization),
    };
  }

  @Post('logout')
  @HttpCode(204)
  @RequirePrivileges()
  @ApiOperation({ summary: 'End this session' })
  async logout(
    @CurrentPrincipal() principal: Principal,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<void> {
    await this.logins.logout(principal);
    clearSessionCookie(request, reply);
  }

  @Post('logout-all')
  @HttpCode(204)
  @RequirePrivileges()
  @ApiOperation({ summary: 'End every session of the calling user' })
  async logoutAll(@CurrentPrincipal() principal: Principal): Promise<void> {
    await this.logins.logoutAll(principal);
  }
}
