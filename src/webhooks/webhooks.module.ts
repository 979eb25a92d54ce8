import { Module } from '@nestjs/common';
import { DeliveryService } from './delivery.service';
import { WebhooksService } from './webhooks.service';
import { WebhooksV2Controller } from './webhooks.v2.controller';

@Module({
  controllers: [WebhooksV2Controller],
  providers: [DeliveryService, WebhooksService],
})
export class WebhooksModule {}
