import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { PresenceError } from './presence-error';

interface HttpResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

/** PresenceError → status from the catalogue, body `{ statusCode, error, code, message, errors? }`. */
@Catch(PresenceError)
export class PresenceErrorFilter implements ExceptionFilter<PresenceError> {
  catch(error: PresenceError, host: ArgumentsHost): void {
    const body: Record<string, unknown> = {
      statusCode: error.status,
      error: STATUS_CODES[error.status],
      code: error.code,
      message: error.message,
    };
    if (error.fields.length > 0) body.errors = error.fields;
    host.switchToHttp().getResponse<HttpResponse>().status(error.status).json(body);
  }
}
