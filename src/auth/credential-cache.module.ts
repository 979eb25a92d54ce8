import { Global, Module } from '@nestjs/common';
import { CredentialCache } from './credential-cache';

/** Global: the activity log marks changes for invalidation, the strategies read through it. */
@Global()
@Module({ providers: [CredentialCache], exports: [CredentialCache] })
export class CredentialCacheModule {}
