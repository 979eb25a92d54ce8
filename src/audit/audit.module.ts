import { Global, Module } from '@nestjs/common';
import { ActivityRepository } from './activity.repository';
import { ActivityService } from './activity.service';
import { ActivityV1Controller } from './activity.v1.controller';
import { ActivityV2Controller } from './activity.v2.controller';
import { IntegrityService } from './integrity.service';

@Global()
@Module({
  controllers: [ActivityV1Controller, ActivityV2Controller],
  providers: [ActivityService, ActivityRepository, IntegrityService],
  exports: [ActivityService, ActivityRepository],
})
export class AuditModule {}
