import { Body, Delete, Get, HttpCode, Param, Patch, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiNoContentResponse, ApiOkResponse, ApiOperation } from '@nestjs/swagger';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { V2Controller } from '../common/http/versioned-controller';
import { Page } from '../common/pagination';
import { AddMemberDto, mapMember, MemberDto, MemberPageDto, UpdateMemberDto } from './member.dto';
import { MembersService } from './members.service';

@V2Controller('organizations/:id/members', 'Members')
export class MembersV2Controller {
  constructor(private readonly members: MembersService) {}

  @Get()
  @RequirePrivileges('manage_members')
  @ApiOperation({ summary: 'Members of the organization (the current one or a sub-account)' })
  @ApiOkResponse({ type: MemberPageDto })
  async list(@CurrentPrincipal() principal: Principal, @Param('id') organizationId: string): Promise<Page<MemberDto>> {
    return { data: (await this.members.list(principal, organizationId)).map(mapMember), next_cursor: null };
  }

  @Post()
  @RequirePrivileges('manage_members')
  @ApiOperation({ summary: 'Add an existing user, or create one, as a member' })
  @ApiCreatedResponse({ type: MemberDto })
  async add(@CurrentPrincipal() principal: Principal, @Param('id') organizationId: string, @Body() body: AddMemberDto): Promise<MemberDto> {
    return mapMember(await this.members.add(principal, organizationId, body));
  }

  @Get(':userId')
  @RequirePrivileges('manage_members')
  @ApiOperation({ summary: 'One member' })
  @ApiOkResponse({ type: MemberDto })
  async get(@CurrentPrincipal() principal: Principal, @Param('id') organizationId: string, @Param('userId') userId: string): Promise<MemberDto> {
    return mapMember(await this.members.get(principal, organizationId, userId));
  }

  @Patch(':userId')
  @RequirePrivileges('manage_members')
  @ApiOperation({ summary: "Change a member's privileges, roles and restrictions" })
  @ApiOkResponse({ type: MemberDto })
  async update(
    @CurrentPrincipal() principal: Principal,
    @Param('id') organizationId: string,
    @Param('userId') userId: string,
    @Body() body: UpdateMemberDto,
  ): Promise<MemberDto> {
    return mapMember(await this.members.update(principal, organizationId, userId, body));
  }

  @Delete(':userId')
  @HttpCode(204)
  @RequirePrivileges('manage_members')
  @ApiOperation({ summary: 'Remove a member (their sessions in this organization end)' })
  @ApiNoContentResponse()
  async remove(@CurrentPrincipal() principal: Principal, @Param('id') organizationId: string, @Param('userId') userId: string): Promise<void> {
    await this.members.remove(principal, organizationId, userId);
  }
}
