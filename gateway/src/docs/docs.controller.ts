import { Controller, Get, Header, HttpException, Inject, NotFoundException, Param } from '@nestjs/common';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { GATEWAY_SETTINGS } from '../gateway.tokens';
import type { GatewaySettings } from '../gateway.settings';
import { errorBody } from '../routing/gateway-errors';
import { proxiedServices } from '../routing/routes';
import { Upstreams } from '../routing/upstreams';
import { asyncApiFile } from '../paths';
import { renderAsyncApiPage } from './asyncapi-page';
import { fetchOpenApiDocument } from './openapi-documents';
import { swaggerInitializer, swaggerPage } from './swagger-page';

/** `/docs`: one Swagger UI over every service's OpenAPI document, and the STOMP API in AsyncAPI. */
@Controller('docs')
export class DocsController {
  constructor(
    private readonly upstreams: Upstreams,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  @Get()
  @Header('content-type', 'text/html; charset=utf-8')
  page(): string {
    return swaggerPage;
  }

  @Get('swagger-initializer.js')
  @Header('content-type', 'text/javascript; charset=utf-8')
  initializer(): string {
    return swaggerInitializer;
  }

  @Get('openapi/:file')
  async openApi(@Param('file') file: string): Promise<Record<string, unknown>> {
    const service = file.replace(/\.json$/, '');
    if (!proxiedServices.includes(service)) throw new NotFoundException(`no service named ${service}`);
    const result = await fetchOpenApiDocument(
      this.upstreams,
      service,
      Math.min(this.settings.proxyTimeoutMs, 5_000),
    );
    if (!result.ok) throw new HttpException(errorBody(result.statusCode, result.message), result.statusCode);
    return result.document;
  }

  @Get('asyncapi.yaml')
  @Header('content-type', 'application/yaml; charset=utf-8')
  asyncApiYaml(): Promise<string> {
    return readFile(asyncApiFile, 'utf8');
  }

  @Get('asyncapi')
  @Header('content-type', 'text/html; charset=utf-8')
  async asyncApiPage(): Promise<string> {
    return renderAsyncApiPage(parse(await readFile(asyncApiFile, 'utf8')) as Record<string, unknown>);
  }
}
