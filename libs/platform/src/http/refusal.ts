import { HttpException } from '@nestjs/common';
import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FieldProblem } from './field-problems';

/**
 * The body of every REST refusal of every app (docs/api.md, "Errors"):
 * `{ statusCode, error, code, message, errors? }`, `errors` only when fields are named.
 */
export interface RefusalBody {
  readonly statusCode: number;
  readonly error: string;
  readonly code: string;
  readonly message: string;
  readonly errors?: readonly FieldProblem[];
}

/**
 * The codes the platform itself answers with, on every app, for refusals that no app's catalogue
 * names (a missing token, an unknown route, a body the parser cannot take, an unexpected fault…).
 * Apps' own codes (`unknown-room`, `not-a-member`, …) come from their catalogues.
 */
export const PLATFORM_REFUSAL_CODES: Readonly<Record<number, string>> = {
  400: 'invalid-payload',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'not-found',
  405: 'method-not-allowed',
  408: 'request-timeout',
  413: 'payload-too-large',
  415: 'unsupported-media-type',
  421: 'unknown-host',
  429: 'rate-limited',
  431: 'headers-too-large',
  500: 'internal-error',
  502: 'bad-gateway',
  503: 'service-unavailable',
  504: 'gateway-timeout',
};

/** The platform's code for a status; a status it does not list gets its reason phrase, kebab-cased. */
export function codeForStatus(status: number): string {
  return (
    PLATFORM_REFUSAL_CODES[status] ??
    (STATUS_CODES[status] ?? (status >= 500 ? 'internal-error' : 'error'))
      .toLowerCase()
      .replace(/[^a-z0-9]+/g, '-')
  );
}

/** A refusal body with the status's reason phrase as `error`. */
export function refusalBody(
  status: number,
  code: string,
  message: string,
  errors: readonly FieldProblem[] = [],
): RefusalBody {
  const body: RefusalBody = { statusCode: status, error: STATUS_CODES[status] ?? 'Error', code, message };
  return errors.length > 0 ? { ...body, errors } : body;
}

/** An HttpException whose body is already a refusal (the platform's filter sends it unchanged). */
export function refusal(
  status: number,
  code: string,
  message: string,
  errors: readonly FieldProblem[] = [],
): HttpException {
  return new HttpException(refusalBody(status, code, message, errors), status);
}

/**
 * Writes `body` as a whole HTTP response straight to `socket` and closes it, for the answers no
 * ServerResponse exists for (what Node's HTTP parser refuses, a refused WebSocket upgrade).
 */
export function endSocketWithRefusal(
  socket: Duplex,
  body: RefusalBody,
  headers: Readonly<Record<string, string>> = {},
): void {
  const json = JSON.stringify(body);
  const lines = [
    `HTTP/1.1 ${body.statusCode} ${body.error}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(json)}`,
    'connection: close',
    ...Object.entries(headers).map(([name, value]) => `${name}: ${value}`),
  ];
  socket.end(`${lines.join('\r\n')}\r\n\r\n${json}`);
}
