import { Global, Module } from '@nestjs/common';
import { ActivityRepository } from './activity.repository';
import { ActivityService } from './activity.service';
import { ActivityV1Controller } from './activity.v1.controller';
import { ActivityV2Controller } from './activity.v2.controller';
import { IntegrityService } from './integrity.service';
import { SecurityEventsService } from './security-events.service';
import { RetentionService } from './retention.service';

@Global()
@Module({
  controllers: [ActivityV1Controller, ActivityV2Controller],
  providers: [ActivityService, ActivityRepository, IntegrityService, SecurityEventsService, RetentionService],
  exports: [ActivityService, ActivityRepository, SecurityEventsService],
})
export class AuditModule {}
