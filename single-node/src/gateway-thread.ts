// The single node's gateway on a thread of its own: the worker's entry point (started by
// startGatewayThread in gateway-thread-handle.ts, which tells it when to stop).
import './telemetry';
import { parentPort, workerData } from 'node:worker_threads';
import { ConfigError, type Env, type RunningService } from '@playlist-chat/platform';
import { startGateway } from '@playlist-chat/gateway';
import type { FromGatewayThread, ToGatewayThread } from './gateway-thread.messages';

const port = parentPort;
if (!port) throw new Error('gateway-thread.js runs as a worker thread (see startGatewayThread)');
const post = (message: FromGatewayThread) => port.postMessage(message);

startGateway(workerData as Env).then(
  (gateway: RunningService) => {
    port.on('message', (message: ToGatewayThread) => {
      if (message.type !== 'close') return;
      gateway.close().then(
        () => post({ type: 'closed' }),
        (error: unknown) => post({ type: 'closed', error: describe(error) }),
      );
    });
    post({ type: 'listening', url: gateway.url, port: gateway.port });
  },
  (error: unknown) =>
    post({
      type: 'failed',
      error: describe(error),
      problems: error instanceof ConfigError ? error.problems : undefined,
    }),
);

function describe(error: unknown): string {
  return error instanceof Error ? (error.stack ?? error.message) : String(error);
}
