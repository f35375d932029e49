import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { CatalogueError } from './catalogue-error';

interface HttpResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

/**
 * Any app's CatalogueError → its catalogue status and the body every REST refusal has:
 * `{ statusCode, error, code, message, errors? }` (`errors` only when fields were named).
 */
@Catch(CatalogueError)
export class CatalogueErrorFilter implements ExceptionFilter<CatalogueError> {
  catch(error: CatalogueError, host: ArgumentsHost): void {
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
