import { Injectable, Logger } from '@nestjs/common';
import { toChatMessage } from '../message-store/chat-message.mapper';
import { MessageStore } from '../message-store/message-store.port';

/** A stored line as it arrives from the fan-out: its id, its place in the room, its JSON. */
export interface SequencedLine {
  readonly id: string;
  readonly seq: number;
  readonly body: string;
}

type Deliver = (id: string, body: string) => void;

interface RoomOrder {
  /** The last line handed on (or, once anchored, committed before this instance followed the room). */
  lastId: string | null;
  lastSeq: number;
  /**
   * Whether `lastSeq` is where the room stood when this instance began following it. Without an
   * anchor (the store could not say), the first line to arrive is handed on whatever its place.
   */
  anchored: boolean;
  /** Lines that arrived while a gap was being filled (or the anchor read), handed on after it. */
  readonly held: SequencedLine[];
  repairing: boolean;
}

const bySeq = (a: SequencedLine, b: SequencedLine): number => a.seq - b.seq;

const REPAIR_BATCH = 500;

/**
 * Hands on each room's stored lines in the room's order (its `seq`), each once, whatever order
 * the fan-out brought them in: Redis pub/sub may drop messages (a restart) and does not order
 * two publishers. A line that repeats or comes after one already handed on is dropped; a line
 * that skips a place starts a repair: what the store holds after the last line handed on is
 * read and handed on first (a line is published only after it is committed, so the store has
 * every line the gap hides), then what arrived meanwhile.
 */
@Injectable()
export class RoomSequencer {
  private readonly logger = new Logger(RoomSequencer.name);
  private readonly rooms = new Map<string, RoomOrder>();

  constructor(private readonly messages: MessageStore) {}

  /**
   * This instance begins following the room: once `subscribed` (the fan-out subscription) is in
   * place, the room's last committed place is read, and lines are handed on from the one after
   * it, in order. Two instances' first lines can cross on the way; without knowing where the
   * room stood, the later one would go first and the earlier be dropped as a late copy. What
   * was committed before is the subscribers' replay (`last-message-id`), not ours.
   */
  async follow(roomId: string, subscribed: Promise<void>, deliver: Deliver): Promise<void> {
    const order: RoomOrder = { lastId: null, lastSeq: 0, anchored: true, held: [], repairing: true };
    this.rooms.set(roomId, order);
    try {
      await subscribed;
    } catch (error) {
      if (this.rooms.get(roomId) === order) this.rooms.delete(roomId);
      throw error;
    }
    try {
      const position = await this.messages.position(roomId);
      order.lastId = position.messageId;
      order.lastSeq = position.seq;
    } catch (error) {
      order.anchored = false;
      this.logger.error(`reading where room ${roomId} stands failed: ${String(error)}`);
    }
    if (this.rooms.get(roomId) !== order) return; // forgotten meanwhile
    order.repairing = false;
    for (const line of order.held.splice(0).sort(bySeq)) this.accept(roomId, line, deliver);
  }

  accept(roomId: string, line: SequencedLine, deliver: Deliver): void {
    let order = this.rooms.get(roomId);
    if (!order) {
      order = { lastId: null, lastSeq: 0, anchored: false, held: [], repairing: false };
      this.rooms.set(roomId, order);
    }
    if (order.repairing) order.held.push(line);
    else this.take(roomId, order, line, deliver);
  }

  /**
   * The fan-out was cut off (and is back): lines of the room published meanwhile may never
   * arrive, and no later line may come to show the gap, so read what the store has after the
   * last line handed on (or the anchor). A room with neither has nothing to compare with: its
   * subscribers came with `last-message-id` replays.
   */
  catchUp(roomId: string, deliver: Deliver): void {
    const order = this.rooms.get(roomId);
    if (!order || order.repairing || (!order.anchored && order.lastId === null)) return;
    order.repairing = true;
    void this.repair(roomId, order, deliver);
  }

  /** Nobody here follows the room any more: its order starts afresh with the next subscriber. */
  forget(roomId: string): void {
    this.rooms.delete(roomId);
  }

  private take(roomId: string, order: RoomOrder, line: SequencedLine, deliver: Deliver): void {
    if (order.lastId !== null && line.id <= order.lastId) {
      order.lastSeq = Math.max(order.lastSeq, line.seq); // a late copy of a line the store already gave
      return;
    }
    if ((!order.anchored && order.lastId === null) || line.seq === order.lastSeq + 1) {
      deliver(line.id, line.body);
      order.lastId = line.id;
      order.lastSeq = line.seq;
      return;
    }
    order.held.push(line);
    order.repairing = true;
    void this.repair(roomId, order, deliver);
  }

  private async repair(roomId: string, order: RoomOrder, deliver: Deliver): Promise<void> {
    try {
      for (;;) {
        const batch = await this.messages.listAfter(roomId, order.lastId, REPAIR_BATCH);
        for (const message of batch) {
          deliver(message.messageId, JSON.stringify(toChatMessage(message)));
          order.lastId = message.messageId;
        }
        if (batch.length < REPAIR_BATCH) break;
      }
    } catch (error) {
      // The held lines still go out below; what is missing, a resubscribe replays.
      this.logger.error(`filling a gap in room ${roomId} from the store failed: ${String(error)}`);
    }
    order.repairing = false;
    const held = order.held.splice(0).sort(bySeq);
    for (const line of held) {
      if (order.lastId !== null && line.id <= order.lastId) {
        order.lastSeq = Math.max(order.lastSeq, line.seq);
        continue;
      }
      deliver(line.id, line.body);
      order.lastId = line.id;
      order.lastSeq = line.seq;
    }
  }
}
