import { Catch, type ArgumentsHost, type ExceptionFilter } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import { CHAT_ERRORS, ChatError } from './chat-error';

interface HttpResponse {
  status(code: number): HttpResponse;
  json(body: unknown): void;
}

/** ChatError → HTTP status from the catalogue, body `{ statusCode, error, code, message, errors? }`. */
@Catch(ChatError)
export class ChatErrorFilter implements ExceptionFilter<ChatError> {
  catch(error: ChatError, host: ArgumentsHost): void {
    const status = CHAT_ERRORS[error.code].status;
    const body: Record<string, unknown> = {
      statusCode: status,
      error: STATUS_CODES[status],
      code: error.code,
      message: error.message,
    };
    if (error.fields.length > 0) body.errors = error.fields;
    host.switchToHttp().getResponse<HttpResponse>().status(status).json(body);
  }
}
