import type { INestApplication } from '@nestjs/common';
import { Logger, LoggerErrorInterceptor } from 'nestjs-pino';

/**
 * Routes Nest's own logging through the app's `LoggingModule` (create the app with
 * `{ bufferLogs: true }` so start-up lines are kept until this runs) and puts the error of a
 * failed request on its log line.
 */
export function useStructuredLogging(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.useGlobalInterceptors(new LoggerErrorInterceptor());
  app.flushLogs();
}
