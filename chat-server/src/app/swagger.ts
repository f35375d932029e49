import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { documentBodyRefusals, documentRouteWideRefusals } from '@playlist-chat/platform';

/** Swagger UI at `/docs`, the OpenAPI JSON at `/docs-json` (the gateway aggregates it). */
export function setUpSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Chat server')
      .setDescription(
        'Rooms, history and search over REST. Live chat is STOMP 1.2 over WebSocket at /ws-chat: see docs/api.md and /docs/asyncapi on the gateway.',
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  documentBodyRefusals(document, 'ErrorView');
  // The public paths are the gateway's routes (gateway/src/routing/routes.ts).
  documentRouteWideRefusals(document, 'ErrorView', '/v1/api');
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
