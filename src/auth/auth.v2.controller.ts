import { Body, Delete, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { V2Controller } from '../common/http/versioned-controller';
import { originOf } from './user-principal.factory';
import { mapOrganizationSummary, mapSession, mapUserSummary, SessionListDto, TokenResponseDto, V2LoginDto, V2LoginResponseDto } from './auth.dto';
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
    setSessionCookie(request, reply, result.sessionId, result.sessionExpiresIn);
    return {
      token: result.token.token,
      expires_in: result.token.expiresIn,
      session_id: result.sessionId,
      csrf_token: result.csrfToken,
      user: mapUserSummary(result.user),
      organization: mapOrganizationSummary(result.organization),
    };
  }

  @Post('refresh')
  @HttpCode(200)
  @RequirePrivileges()
  @ApiOperation({ summary: 'A new JWT for the current one (sent as Authorization: Bearer), which stops working' })
  @ApiOkResponse({ type: TokenResponseDto })
  async refresh(@CurrentPrincipal() principal: Principal): Promise<TokenResponseDto> {
    const issued = await this.logins.refresh(principal);
    return { token: issued.token, expires_in: issued.expiresIn };
  }

  @Get('sessions')
  @RequirePrivileges()
  @ApiOperation({ summary: 'Your live sessions' })
  @ApiOkResponse({ type: SessionListDto })
  async sessions(@CurrentPrincipal() principal: Principal): Promise<SessionListDto> {
    return { data: (await this.logins.sessionsOf(principal)).map((session) => mapSession(session, principal.sessionId)), next_cursor: null };
  }

  @Delete('sessions/:id')
  @HttpCode(204)
  @RequirePrivileges()
  @ApiOperation({ summary: 'End one of your sessions' })
  @ApiNoContentResponse()
  async endSession(@CurrentPrincipal() principal: Principal, @Param('id') id: string): Promise<void> {
    await this.logins.endSession(principal, id);
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
