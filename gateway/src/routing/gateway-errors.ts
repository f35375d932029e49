import { STATUS_CODES, type ServerResponse } from 'node:http';
import type { Duplex } from 'node:stream';

/** The JSON error body of every response the gateway makes itself (same shape as the services' errors). */
export interface GatewayErrorBody {
  readonly statusCode: number;
  readonly error: string;
  readonly message: string;
}

export function errorBody(statusCode: number, message: string): GatewayErrorBody {
  return { statusCode, error: STATUS_CODES[statusCode] ?? 'Error', message };
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
export function refuseUpgrade(
  socket: Duplex,
  body: GatewayErrorBody,
  headers: Record<string, string> = {},
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
