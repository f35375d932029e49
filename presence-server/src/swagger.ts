import type { INestApplication } from '@nestjs/common';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import { documentBodyRefusals, documentRouteWideRefusals } from '@playlist-chat/platform';

/** Swagger UI at `/docs`, the OpenAPI JSON at `/docs-json` (the gateway aggregates it). */
export function setUpSwagger(app: INestApplication): void {
  const document = SwaggerModule.createDocument(
    app,
    new DocumentBuilder()
      .setTitle('Presence server')
      .setDescription(
        "Who is on and off in each room. Members read their room's lists and turn themselves on or off; changes reach the room as PRESENCE events through the chat server. See docs/presence.md.",
      )
      .setVersion('1.0')
      .addBearerAuth({ type: 'http', scheme: 'bearer', bearerFormat: 'JWT' })
      .build(),
  );
  documentBodyRefusals(document, 'ErrorResponseDto');
  // The public paths are the gateway's routes (gateway/src/routing/routes.ts).
  documentRouteWideRefusals(document, 'ErrorResponseDto', '/api/v1/presence');
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs-json' });
}
