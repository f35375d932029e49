/** STOMP protocol versions this library speaks, newest first. */
export const STOMP_VERSIONS = ['1.2', '1.1', '1.0'] as const;
export type StompVersion = (typeof STOMP_VERSIONS)[number];

/** Header names mapped to values, already unescaped. Repeated names keep the first value. */
export type StompHeaders = Record<string, string>;

/** One parsed or to-be-encoded frame. */
export interface StompFrame {
  readonly command: string;
  readonly headers: StompHeaders;
  readonly body: Buffer;
}

/**
 * CONNECT and CONNECTED headers are never escaped: the version (and so the escaping rules)
 * is not known until they have been exchanged.
 */
export function isUnescapedCommand(command: string): boolean {
  return command === 'CONNECT' || command === 'CONNECTED';
}

export const EMPTY_BODY: Buffer = Buffer.alloc(0);
