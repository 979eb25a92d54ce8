import { Global, Module } from '@nestjs/common';
import { DetectorsService } from '../audit/detectors.service';
import { UsageService } from './usage.service';

/** Global so that the auth guard counts usage without importing the keys module. */
@Global()
@Module({ providers: [UsageService, DetectorsService], exports: [UsageService] })
export class UsageModule {}
