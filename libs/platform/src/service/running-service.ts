/** A started app (chat server, presence server, gateway), as the single-node launcher and tests hold it. */
export interface RunningService {
  /** Logical service name, as registered in discovery: `chat-server`, `presence-server`, `gateway`. */
  readonly name: string;
  /** Base URL it listens on, e.g. `http://127.0.0.1:18000` (real port when started with port 0). */
  readonly url: string;
  readonly port: number;
  /** Graceful stop: deregister, stop taking connections, finish in-flight work, release resources. */
  close(): Promise<void>;
}
