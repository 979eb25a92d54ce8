import { Global, Module } from '@nestjs/common';
import { ActivityRepository } from './activity.repository';
import { ActivityService } from './activity.service';
import { ActivityV2Controller } from './activity.v2.controller';

@Global()
@Module({
  controllers: [ActivityV2Controller],
  providers: [ActivityService, ActivityRepository],
  exports: [ActivityService, ActivityRepository],
})
export class AuditModule {}
