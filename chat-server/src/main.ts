import { ConfigError } from '@playlist-chat/platform';
import { startChatServer } from './index';

/** Runs the chat server on its own (the single-node launcher in gateway/ starts it in-process instead). */
async function main(): Promise<void> {
  const server = await startChatServer(process.env);
  const stop = (signal: string) => {
    console.log(`${signal}: stopping the chat server`);
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    server.close().then(
      () => process.exit(0),
      (error: unknown) => {
        console.error(error);
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', () => stop('SIGINT'));
  process.once('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error: unknown) => {
  console.error(error instanceof ConfigError ? error.message : error);
  process.exit(1);
});
