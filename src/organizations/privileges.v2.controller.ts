import { Body, Get, Post } from '@nestjs/common';
import { ApiCreatedResponse, ApiOkResponse, ApiOperation, ApiProperty } from '@nestjs/swagger';
import { IsString, Matches, MaxLength, MinLength } from 'class-validator';
import { CurrentPrincipal, RequirePrivileges } from '../auth/decorators';
import { Principal } from '../auth/principal';
import { PRIVILEGE_ID } from '../common/http/validators';
import { V2Controller } from '../common/http/versioned-controller';
import { PrivilegeCatalogService } from './privilege-catalog.service';

export class PrivilegeDto {
  @ApiProperty({ example: 'run_jobs' }) id: string;
  @ApiProperty({ example: 'Run Jobs' }) title: string;
  @ApiProperty({ description: "True for the organization's own privileges" }) custom: boolean;
}

export class PrivilegeListDto {
  @ApiProperty({ type: [PrivilegeDto] }) data: PrivilegeDto[];
  @ApiProperty({ nullable: true, type: String }) next_cursor: null;
}

export class CreatePrivilegeDto {
  @ApiProperty({ example: 'deploy_apps', description: 'Lowercase letters, digits and underscores' })
  @IsString()
  @MaxLength(64)
  @Matches(PRIVILEGE_ID, { message: 'id must be a lowercase id such as deploy_apps' })
  id: string;

  @ApiProperty({ example: 'Deploy Apps', maxLength: 100 }) @IsString() @MinLength(1) @MaxLength(100) title: string;
}

@V2Controller('privileges', 'Privileges')
export class PrivilegesV2Controller {
  constructor(private readonly catalog: PrivilegeCatalogService) {}

  @Get()
  @RequirePrivileges()
  @ApiOperation({ summary: 'The privilege catalog: built-in privileges and the organization\'s own' })
  @ApiOkResponse({ type: PrivilegeListDto })
  async list(@CurrentPrincipal() principal: Principal): Promise<PrivilegeListDto> {
    return { data: await this.catalog.list(principal.organizationId), next_cursor: null };
  }

  @Post()
  @RequirePrivileges('admin')
  @ApiOperation({ summary: 'Add a custom privilege to the organization' })
  @ApiCreatedResponse({ type: PrivilegeDto })
  create(@CurrentPrincipal() principal: Principal, @Body() body: CreatePrivilegeDto): Promise<PrivilegeDto> {
    return this.catalog.create(principal, body.id, body.title);
  }
}
