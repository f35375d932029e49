export { freePort, waitUntilReady } from '../../product-process';

/**
 * `product-gateway`: the product with its STOMP clients connected through the gateway, as web
 * clients are. `baseline`: the product built from another checkout (`--baseline=`), on its chat
 * port, to pair two builds in one run. `bare-ws-stored`: bare `ws` storing each line through the
 * chat server's SQLite store before delivering it (bare-ws-server.ts).
 */
export type TargetName =
  'product' | 'product-gateway' | 'baseline' | 'bare-ws' | 'bare-ws-stored' | 'rabbitmq';

export interface PreparedRoom {
  readonly id: string;
  /** Where its lines are delivered (SUBSCRIBE destination). */
  readonly destination: string;
}

/** A frame a client sends with a receipt. */
export interface Outgoing {
  readonly destination: string;
  readonly body: string;
  readonly headers?: Record<string, string>;
}

/**
 * A STOMP-over-WebSocket server under load, in a process of its own whose CPU and memory the
 * bench reads from /proc: the product, the bare `ws` baseline or RabbitMQ Web-STOMP.
 */
export interface Target {
  readonly name: TargetName;
  readonly pid: number;
  readonly wsUrl: string;
  readonly protocols: readonly string[];
  /** Settings that differ from the defaults so the load is not refused: printed with the report. */
  readonly notes: readonly string[];
  createRooms(count: number): Promise<PreparedRoom[]>;
  /** CONNECT headers of a member (credentials). */
  connectHeaders(uid: string): Record<string, string>;
  /** What a member sends before subscribing or talking (the product's join); null when nothing. */
  join(room: PreparedRoom): Outgoing | null;
  line(room: PreparedRoom, content: string, clientMessageId: string): Outgoing;
  stop(): Promise<void>;
}
