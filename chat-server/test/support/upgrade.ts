import { once } from 'node:events';
import WebSocket from 'ws';

/** Opens a WebSocket to `url` and resolves with it, or with the HTTP status the upgrade was refused with. */
export async function upgrade(
  url: string,
  headers: Record<string, string> = {},
): Promise<WebSocket | number> {
  const socket = new WebSocket(url, ['v12.stomp'], { headers });
  socket.on('error', () => {});
  return Promise.race([
    once(socket, 'open').then(() => socket),
    once(socket, 'unexpected-response').then(([, response]) => {
      socket.terminate();
      return (response as { statusCode: number }).statusCode;
    }),
  ]);
}

/** The HTTP status a WebSocket upgrade was refused with (0 when it was accepted; the socket is then closed). */
export async function upgradeStatus(url: string, headers: Record<string, string> = {}): Promise<number> {
  const result = await upgrade(url, headers);
  if (typeof result === 'number') return result;
  result.terminate();
  return 0;
}
