import { Controller, Get, Inject } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { Public } from '../auth/decorators';
import { API_DOCUMENTS } from './docs.tokens';
import type { ApiDocuments } from './openapi';

/** The raw OpenAPI documents; the Swagger UI at /docs loads both. */
@ApiExcludeController()
@Controller('docs')
export class DocsController {
  constructor(@Inject(API_DOCUMENTS) private readonly documents: { current: ApiDocuments | null }) {}

  @Get('v1.json')
  @Public()
  v1() {
    return this.documents.current?.v1;
  }

  @Get('v2.json')
  @Public()
  v2() {
    return this.documents.current?.v2;
  }
}
