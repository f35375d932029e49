import { Controller, Get, Header, HttpException, Inject, NotFoundException, Param } from '@nestjs/common';
import { UncheckedInput } from '@playlist-chat/platform';
import { readFile } from 'node:fs/promises';
import { parse } from 'yaml';
import { GATEWAY_SETTINGS } from '../gateway.tokens';
import type { GatewaySettings } from '../gateway.settings';
import { errorBody } from '../routing/gateway-errors';
import { CHAT_SERVER, proxiedServices } from '../routing/routes';
import { Upstreams } from '../routing/upstreams';
import { asyncApiFile } from '../paths';
import { renderAsyncApiPage } from './asyncapi-page';
import { fetchOpenApiDocument } from './openapi-documents';
import { swaggerInitializer, swaggerPage } from './swagger-page';

/**
 * `/docs`: one Swagger UI over every service's OpenAPI document, and the STOMP API in AsyncAPI.
 * Its query is not checked: Swagger UI keeps its state there (`?urls.primaryName=…`).
 */
@UncheckedInput()
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
  openApi(@Param('file') file: string): Promise<Record<string, unknown>> {
    const service = file.replace(/\.json$/, '');
    if (!proxiedServices.includes(service)) throw new NotFoundException(`no service named ${service}`);
    return openApiDocumentOf(this.upstreams, service, this.settings);
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

/**
 * `/docs-json`: the chat server's OpenAPI document (the API of docs/api.md), as the chat server
 * itself serves it at `/docs-json`, with its `servers` pointed at this gateway. Each service's
 * document is also at `/docs/openapi/{chat-server,presence-server}.json`.
 */
@UncheckedInput()
@Controller()
export class DocsJsonController {
  constructor(
    private readonly upstreams: Upstreams,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {}

  @Get('docs-json')
  openApi(): Promise<Record<string, unknown>> {
    return openApiDocumentOf(this.upstreams, CHAT_SERVER, this.settings);
  }
}

async function openApiDocumentOf(
  upstreams: Upstreams,
  service: string,
  settings: GatewaySettings,
): Promise<Record<string, unknown>> {
  const result = await fetchOpenApiDocument(upstreams, service, Math.min(settings.proxyTimeoutMs, 5_000));
  if (!result.ok) throw new HttpException(errorBody(result.statusCode, result.message), result.statusCode);
  return result.document;
}
