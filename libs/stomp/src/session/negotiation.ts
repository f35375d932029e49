import { STOMP_VERSIONS, type StompVersion } from '../frame/frame';

/** The newest version both sides speak; a missing `accept-version` means a STOMP 1.0 client. */
export function negotiateVersion(acceptVersion: string | undefined): StompVersion | undefined {
  if (acceptVersion === undefined) return '1.0';
  const offered = new Set(acceptVersion.split(',').map((v) => v.trim()));
  return STOMP_VERSIONS.find((version) => offered.has(version));
}

export interface HeartbeatOffer {
  /** Least interval at which the server can send heart-beats (0: it cannot). */
  outgoingMs: number;
  /** Interval at which the server wants to receive them (0: it does not). */
  incomingMs: number;
}

export interface AgreedHeartbeat {
  /** The server sends something at least this often (0: never). */
  sendEveryMs: number;
  /** The client promised to send something this often; silence past twice this drops it (0: no check). */
  expectEveryMs: number;
}

const HEART_BEAT = /^\s*(\d{1,9})\s*,\s*(\d{1,9})\s*$/;

/**
 * STOMP heart-beat negotiation: each direction runs at the larger of what the sender can do
 * and what the receiver wants, and not at all if either side says 0. Undefined on a malformed header.
 */
export function negotiateHeartbeat(
  clientHeader: string | undefined,
  server: HeartbeatOffer,
): AgreedHeartbeat | undefined {
  if (clientHeader === undefined) return { sendEveryMs: 0, expectEveryMs: 0 };
  const parsed = HEART_BEAT.exec(clientHeader);
  if (!parsed) return undefined;
  const clientCanSend = Number(parsed[1]);
  const clientWants = Number(parsed[2]);
  return {
    sendEveryMs: server.outgoingMs > 0 && clientWants > 0 ? Math.max(server.outgoingMs, clientWants) : 0,
    expectEveryMs:
      clientCanSend > 0 && server.incomingMs > 0 ? Math.max(clientCanSend, server.incomingMs) : 0,
  };
}
