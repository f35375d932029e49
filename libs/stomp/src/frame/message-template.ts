import { isUtf8 } from 'node:buffer';
import type { StompVersion } from './frame';
import { escapeHeader } from './header-escape';
import { webSocketFrame } from './websocket-frame';

/** What a subscription contributes to a MESSAGE frame: its encoded `subscription` header line. */
export interface MessageTarget {
  readonly version: StompVersion;
  /** `MESSAGE\nsubscription:<id>\n`, encoded once when the subscription is made. */
  readonly messagePrefix: Buffer;
  /** Unique per distinct `messagePrefix` (version + id), used to share whole frames. */
  readonly prefixKey: string;
}

/** Headers a publisher may not set: the library owns them. */
const RESERVED = new Set([
  'subscription',
  'message-id',
  'ack',
  'destination',
  'content-length',
  'content-type',
]);
const VERSION_SLOT: Record<StompVersion, number> = { '1.2': 0, '1.1': 1, '1.0': 2 };

export interface MessageContent {
  readonly body: string | Buffer;
  readonly contentType?: string;
  readonly headers?: Readonly<Record<string, string>>;
}

/**
 * One MESSAGE, encoded for fan-out. Everything but the per-subscriber `subscription` (and `ack`)
 * header is encoded once per STOMP version into a shared tail:
 * `message-id`, `destination`, `content-type`, `content-length`, extra headers, body, NUL.
 * A send is then `prefix + tail`; subscribers with the same prefix (stompjs numbers its
 * subscriptions `sub-0`, `sub-1`, … so most share one) get the very same Buffer.
 */
export class MessageTemplate {
  /** True when the body is not valid UTF-8 and so must travel as a binary WebSocket message. */
  readonly binary: boolean;
  private readonly bodyBytes: Buffer;
  private readonly contentType: string;
  private readonly tails: (Buffer | undefined)[] = [undefined, undefined, undefined];
  private readonly frames = new Map<string, Buffer>();
  private readonly webSocketFrames = new Map<string, Buffer>();

  constructor(
    readonly destination: string,
    readonly messageId: string,
    private readonly content: MessageContent,
    readonly sequence?: string,
  ) {
    this.bodyBytes = typeof content.body === 'string' ? Buffer.from(content.body, 'utf8') : content.body;
    const text = typeof content.body === 'string' || isUtf8(this.bodyBytes);
    this.binary = !text;
    this.contentType = content.contentType ?? defaultContentType(this.bodyBytes, text);
  }

  /** The whole frame for `target`. Shared with other targets of the same prefix: never mutate it. */
  frameFor(target: MessageTarget): Buffer {
    let frame = this.frames.get(target.prefixKey);
    if (frame === undefined) {
      frame = Buffer.concat([target.messagePrefix, this.tail(target.version)]);
      this.frames.set(target.prefixKey, frame);
    }
    return frame;
  }

  /**
   * `frameFor(target)` inside a whole WebSocket frame (see `webSocketFrame`), shared the same
   * way: what a socket is written for a subscription without acks.
   */
  webSocketFrameFor(target: MessageTarget): Buffer {
    let frame = this.webSocketFrames.get(target.prefixKey);
    if (frame === undefined) {
      frame = webSocketFrame([target.messagePrefix, this.tail(target.version)], this.binary);
      this.webSocketFrames.set(target.prefixKey, frame);
    }
    return frame;
  }

  /** The frame with an `ack` header, for `client` and `client-individual` subscriptions (never shared). */
  frameWithAck(target: MessageTarget, ackId: string): Buffer {
    const ackLine = Buffer.from(`ack:${escapeHeader(ackId, target.version)}\n`, 'utf8');
    return Buffer.concat([target.messagePrefix, ackLine, this.tail(target.version)]);
  }

  private tail(version: StompVersion): Buffer {
    const slot = VERSION_SLOT[version];
    const cached = this.tails[slot];
    if (cached !== undefined) return cached;
    let head =
      `message-id:${escapeHeader(this.messageId, version)}\n` +
      `destination:${escapeHeader(this.destination, version)}\n` +
      `content-type:${escapeHeader(this.contentType, version)}\n` +
      `content-length:${this.bodyBytes.length}\n`;
    const extra = this.content.headers;
    if (extra) {
      for (const name of Object.keys(extra)) {
        if (!RESERVED.has(name))
          head += `${escapeHeader(name, version)}:${escapeHeader(extra[name], version)}\n`;
      }
    }
    head += '\n';
    const headLength = Buffer.byteLength(head, 'utf8');
    const tail = Buffer.allocUnsafe(headLength + this.bodyBytes.length + 1);
    tail.write(head, 0, 'utf8');
    this.bodyBytes.copy(tail, headLength);
    tail[tail.length - 1] = 0;
    this.tails[slot] = tail;
    return tail;
  }
}

/** `MESSAGE\nsubscription:<id>\n` for a subscription of `version`. */
export function encodeMessagePrefix(subscriptionId: string, version: StompVersion): Buffer {
  return Buffer.from(`MESSAGE\nsubscription:${escapeHeader(subscriptionId, version)}\n`, 'utf8');
}

function defaultContentType(body: Buffer, text: boolean): string {
  if (!text) return 'application/octet-stream';
  let i = 0;
  while (i < body.length && (body[i] === 0x20 || body[i] === 0x0a || body[i] === 0x0d || body[i] === 0x09))
    i += 1;
  return body[i] === 0x7b || body[i] === 0x5b ? 'application/json' : 'text/plain';
}
