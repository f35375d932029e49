/** Commands a client may send; anything else the parser lets through is counted as `other`. */
const CLIENT_COMMANDS = new Set([
  'CONNECT',
  'STOMP',
  'SEND',
  'SUBSCRIBE',
  'UNSUBSCRIBE',
  'ACK',
  'NACK',
  'BEGIN',
  'COMMIT',
  'ABORT',
  'DISCONNECT',
]);

/**
 * Frames received and sent by command, as plain counters read at scrape time (the app turns
 * them into `stomp_frames_received_total` / `stomp_frames_sent_total`). MESSAGE deliveries,
 * the hot path, are one field increment each.
 */
export class FrameCounts {
  private readonly receivedBy = new Map<string, number>();
  private readonly sentBy = new Map<string, number>();
  /** MESSAGE frames written to sockets (kept apart from `sentBy`: one increment per delivery). */
  messagesSent = 0;

  received(command: string): void {
    const key = CLIENT_COMMANDS.has(command) ? command : 'other';
    this.receivedBy.set(key, (this.receivedBy.get(key) ?? 0) + 1);
  }

  sent(command: 'CONNECTED' | 'RECEIPT' | 'ERROR'): void {
    this.sentBy.set(command, (this.sentBy.get(command) ?? 0) + 1);
  }

  /** Totals so far, by command. */
  snapshot(): { received: Record<string, number>; sent: Record<string, number> } {
    return {
      received: Object.fromEntries(this.receivedBy),
      sent: { ...Object.fromEntries(this.sentBy), MESSAGE: this.messagesSent },
    };
  }
}
