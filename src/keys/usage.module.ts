import { Global, Module } from '@nestjs/common';
import { UsageService } from './usage.service';

/** Global so that the auth guard counts usage without importing the keys module. */
@Global()
@Module({ providers: [UsageService], exports: [UsageService] })
export class UsageModule {}
