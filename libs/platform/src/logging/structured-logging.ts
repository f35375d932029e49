import type { INestApplication } from '@nestjs/common';
import { Logger } from 'nestjs-pino';

/**
 * Routes Nest's own logging through the app's `LoggingModule` (create the app with
 * `{ bufferLogs: true }` so start-up lines are kept until this runs). An unexpected error's
 * stack is on Nest's `ExceptionsHandler` line, which carries the request's `req.id` like every
 * line written while handling it; nestjs-pino's LoggerErrorInterceptor, which copied it onto the
 * request line too, is left out: as the app's only interceptor it put an rxjs pipeline on every
 * request (about 25 µs of CPU each, docs/performance.md "REST").
 */
export function useStructuredLogging(app: INestApplication): void {
  app.useLogger(app.get(Logger));
  app.flushLogs();
}
