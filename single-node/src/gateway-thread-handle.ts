import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { ConfigError, type Env, type RunningService } from '@playlist-chat/platform';
import { GATEWAY } from '@playlist-chat/gateway';
import type { FromGatewayThread, ToGatewayThread } from './gateway-thread.messages';

/** The built worker entry: the tests run this package's TypeScript, a worker always runs the build. */
const ENTRY = join(__dirname, '..', 'dist', 'gateway-thread.js');

/**
 * Starts the gateway on a worker thread of this process and resolves once it listens; rejects
 * with the gateway's own start-up error (a ConfigError naming the bad settings stays one).
 *
 * The thread has its own event loop, so the gateway's share of every request and of every
 * relayed WebSocket frame (parsing, proxying, its logging and metrics) runs beside the chat
 * server instead of on its core. It finds the chat and presence servers at their URLs (the
 * static registry, which polls their /health/ready). Log lines go to the process's stdout like
 * the other apps'. `onFailure` is told if the thread dies while running (an uncaught error).
 */
export async function startGatewayThread(
  env: Env,
  upstreams: { readonly chat: string; readonly presence: string },
  onFailure: (error: Error) => void,
  /** The worker's script; tests give a stand-in. */
  entry: string = ENTRY,
): Promise<RunningService> {
  const worker = new Worker(entry, {
    workerData: {
      ...env,
      SERVICE_REGISTRY: 'static',
      STATIC_SERVICES: `chat-server=${upstreams.chat};presence-server=${upstreams.presence}`,
    } satisfies Env,
  });
  let stopping = false;
  const gone = new Promise<number>((resolve) => worker.once('exit', resolve));

  const first = await Promise.race([
    nextMessage(worker),
    new Promise<never>((_, reject) => worker.once('error', reject)),
    gone.then((code) => {
      throw new Error(`the gateway thread exited with ${code} before it listened`);
    }),
  ]);
  if (first.type !== 'listening') {
    await worker.terminate();
    if (first.type === 'failed')
      throw first.problems ? new ConfigError(first.problems) : new Error(first.error);
    throw new Error(`the gateway thread said "${first.type}" before it listened`);
  }

  worker.on('error', (error: Error) => onFailure(error));
  void gone.then((code) => {
    if (!stopping) onFailure(new Error(`the gateway thread exited with ${code}`));
  });

  const close = async () => {
    stopping = true;
    // A thread already gone posts nothing back: `gone` has resolved, and the race ends at once.
    worker.postMessage({ type: 'close' } satisfies ToGatewayThread);
    const reply = await Promise.race([nextMessage(worker), gone.then(() => undefined)]);
    await worker.terminate();
    if (reply?.type === 'closed' && reply.error)
      throw new Error(`the gateway did not stop cleanly: ${reply.error}`);
  };
  let closing: Promise<void> | undefined;
  return { name: GATEWAY, url: first.url, port: first.port, close: () => (closing ??= close()) };
}

function nextMessage(worker: Worker): Promise<FromGatewayThread> {
  return new Promise((resolve) => worker.once('message', resolve));
}
