export { freePort } from '../../product-process';

export type TargetName = 'product' | 'bare-ws' | 'rabbitmq';

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

/** Polls `ready` until it answers true or `timeoutMs` passes. */
export async function waitUntil(
  what: string,
  ready: () => Promise<boolean>,
  timeoutMs: number,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    let answer = false;
    try {
      answer = await ready();
    } catch (error) {
      // Not listening yet is expected; a process that is gone is not.
      if (error instanceof Error && error.message.includes('exited')) throw error;
    }
    if (answer) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`${what} not ready after ${timeoutMs} ms`);
}
