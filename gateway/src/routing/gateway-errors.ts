import { codeForStatus, endSocketWithRefusal, refusalBody, type RefusalBody } from '@playlist-chat/platform';
import type { ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/**
 * The JSON error body of every response the gateway makes itself: the services' refusal shape
 * `{ statusCode, error, code, message }`, with the platform's code for the status
 * (`rate-limited`, `payload-too-large`, `bad-gateway`, `service-unavailable`, `gateway-timeout`, …).
 */
export type GatewayErrorBody = RefusalBody;

export function errorBody(statusCode: number, message: string): GatewayErrorBody {
  return refusalBody(statusCode, codeForStatus(statusCode), message);
}

export const noHealthyInstance = (service: string): GatewayErrorBody =>
  errorBody(503, `no healthy ${service} instance`);

export function sendError(
  res: ServerResponse,
  body: GatewayErrorBody,
  headers: Record<string, string> = {},
): void {
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const json = JSON.stringify(body);
  res.writeHead(body.statusCode, {
    ...headers,
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(json),
  });
  res.end(json);
}

/** The same answer on a socket whose HTTP upgrade we refuse (no ServerResponse exists for upgrades). */
export const refuseUpgrade = (
  socket: Duplex,
  body: GatewayErrorBody,
  headers: Readonly<Record<string, string>> = {},
): void => endSocketWithRefusal(socket, body, headers);
