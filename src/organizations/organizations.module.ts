import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { AccountV2Controller } from './account.v2.controller';
import { BootstrapService } from './bootstrap.service';
import { OrganizationRepository } from './organization.repository';
import { OrganizationsService } from './organizations.service';
import { OrganizationsV2Controller } from './organizations.v2.controller';
import { MembersService } from './members.service';
import { MembersV2Controller } from './members.v2.controller';
import { PrivilegeCatalogService } from './privilege-catalog.service';
import { PrivilegesV2Controller } from './privileges.v2.controller';
import { RolesService } from './roles.service';
import { RolesV1Controller } from './roles.v1.controller';
import { RolesV2Controller } from './roles.v2.controller';
import { UsersService } from './users.service';
import { UsersV2Controller } from './users.v2.controller';

@Module({
  imports: [AuthModule],
  controllers: [
    AccountV2Controller,
    OrganizationsV2Controller,
    MembersV2Controller,
    RolesV1Controller,
    RolesV2Controller,
    PrivilegesV2Controller,
    UsersV2Controller,
  ],
  providers: [
    OrganizationRepository,
    OrganizationsService,
    BootstrapService,
    MembersService,
    PrivilegeCatalogService,
    RolesService,
    UsersService,
  ],
  exports: [OrganizationRepository, OrganizationsService, BootstrapService, PrivilegeCatalogService, RolesService],
})
export class OrganizationsModule {}
