import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { BootstrapService } from './bootstrap.service';
import { OrganizationRepository } from './organization.repository';
import { OrganizationsService } from './organizations.service';
import { OrganizationsV2Controller } from './organizations.v2.controller';

@Module({
  imports: [AuthModule],
  controllers: [OrganizationsV2Controller],
  providers: [OrganizationRepository, OrganizationsService, BootstrapService],
  exports: [OrganizationRepository, OrganizationsService, BootstrapService],
})
export class OrganizationsModule {}
