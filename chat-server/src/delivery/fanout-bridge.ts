import { Injectable, Logger, type OnModuleInit } from '@nestjs/common';
import type { ChatMessage } from '@playlist-chat/contracts';
import {
  extractTraceContext,
  injectTraceContext,
  RoomFanout,
  roomChannel,
  SpanKind,
  userChannel,
  withSpan,
  withSyncSpan,
} from '@playlist-chat/platform';
import { StompBroker } from '@playlist-chat/stomp';
import { ChatEvents, type MemberDeparted, type MemberRecount } from '../domain-events/chat-events';
import { roomIdOfTopic, roomTopic, USER_EVENTS } from './destinations';
import { RoomSequencer } from './room-sequencer';
import type { UserEvent } from './user-events';

const ROOM_PREFIX = roomChannel('');
const USER_PREFIX = userChannel('');
/** First lines of user-channel payloads that tell every instance about a room the user left, instead of carrying an event. */
const END_ROOM = 'end-room:'; // exit or eviction: their subscriptions to the room end too
const LEFT_ROOM = 'left-room:'; // leave for now
const RECOUNT_ROOM = 'recount-room:'; // the presence server lost the room: announce their sessions in it again

/**
 * Joins the cross-instance RoomFanout to this instance's STOMP sessions. Room and user payloads
 * go out on `room:{id}` / `user:{uid}` and come back (here and on every other instance
 * subscribed to the channel) to be handed to local subscribers.
 *
 * Wire format on the fan-out: `{messageId} {seq}\n{json}` for a stored line, `\n{json}` for an
 * ephemeral event. The message id lets the broker replay without gap or duplicate; the seq (the
 * line's place in its room) lets `RoomSequencer` hand lines on in the room's order and fill a
 * gap from the store. On a user channel the first line may instead be `end-room:{roomId}` or
 * `left-room:{roomId}` (no body): that user exited or left the room, and every instance acts on
 * it (`member.departed`; after an exit, the end of their subscriptions to it). Or
 * `recount-room:{roomId}`: the presence server lost the room, and every instance announces that
 * user's sessions in it again (`member.recount`).
 *
 * With tracing on, a stored line's first line carries the publisher's `traceparent` as a third
 * field (`{messageId} {seq} {traceparent}`), so the receiving instances' `room fan-out receive`
 * spans join the sender's trace. Receivers read both forms; with tracing off (the default) the
 * payload is exactly the two-field form, so turn tracing on once every instance runs this code.
 */
@Injectable()
export class FanoutBridge implements OnModuleInit {
  private readonly logger = new Logger(FanoutBridge.name);
  private readonly roomSubscriptions = new Map<string, Promise<void>>();

  constructor(
    private readonly fanout: RoomFanout,
    private readonly broker: StompBroker,
    private readonly events: ChatEvents,
    private readonly sequencer: RoomSequencer,
  ) {}

  onModuleInit(): void {
    this.events.on('member.exited', ({ uid, roomId }) => this.tellEveryInstance(uid, `${END_ROOM}${roomId}`));
    this.events.on('member.left', ({ uid, roomId }) => this.tellEveryInstance(uid, `${LEFT_ROOM}${roomId}`));
    this.fanout.onMessage((channel, payload) => this.deliver(channel, payload));
    this.fanout.onResumed(() => {
      for (const roomId of this.roomSubscriptions.keys())
        this.sequencer.catchUp(roomId, this.deliverLine(roomId));
    });
    this.broker.onDestinationActive((destination) => {
      const roomId = roomIdOfTopic(destination);
      if (roomId)
        this.ensureRoom(roomId).catch((error: unknown) =>
          this.logger.error(`fan-out subscribe ${roomId} failed: ${String(error)}`),
        );
    });
    this.broker.onDestinationIdle((destination) => {
      const roomId = roomIdOfTopic(destination);
      if (roomId) this.releaseRoom(roomId);
    });
  }

  /**
   * Resolves once this instance receives everything published to the room from now on, and
   * knows where the room's order stood then. SUBSCRIBE awaits it before reading the replay
   * from the store, so nothing falls between.
   */
  ensureRoom(roomId: string): Promise<void> {
    let subscribed = this.roomSubscriptions.get(roomId);
    if (!subscribed) {
      subscribed = this.sequencer.follow(
        roomId,
        this.fanout.subscribe(roomChannel(roomId)),
        this.deliverLine(roomId),
      );
      this.roomSubscriptions.set(roomId, subscribed);
      subscribed.catch(() => this.roomSubscriptions.delete(roomId));
    }
    return subscribed;
  }

  /** A stored line (with its place in the room, `seq`) or, without one, an ephemeral event. */
  publishToRoom(message: ChatMessage, seq?: number): Promise<void> {
    return withSpan(
      'room fan-out publish',
      { kind: SpanKind.PRODUCER, attributes: { 'messaging.system': 'room-fanout' } },
      async () => {
        let header = message.messageId !== null && seq !== undefined ? `${message.messageId} ${seq}` : '';
        const { traceparent } = injectTraceContext();
        if (header && traceparent) header += ` ${traceparent}`;
        await this.fanout.publish(roomChannel(message.roomId), `${header}\n${JSON.stringify(message)}`);
      },
    );
  }

  async publishToUser(uid: string, event: UserEvent): Promise<void> {
    await this.fanout.publish(userChannel(uid), `\n${JSON.stringify(event)}`);
  }

  /**
   * A member left a room (`member.left`, `member.exited`): every instance where they are
   * connected hears it on their user channel and tells `member.departed` locally; after an
   * exit or eviction it also ends their subscriptions to the room, so nothing more reaches them.
   */
  private async tellEveryInstance(uid: string, control: string): Promise<void> {
    await this.fanout.publish(userChannel(uid), `${control}\n`);
  }

  /** The presence server lost the room: every instance where `uid` is connected announces their sessions in it again. */
  recountEverywhere(uid: string, roomId: string): Promise<void> {
    return this.tellEveryInstance(uid, `${RECOUNT_ROOM}${roomId}`);
  }

  /**
   * To this instance's subscribers of the room only, for events every instance receives on
   * its own (PRESENCE from `presence.changes`): going through the fan-out would deliver them
   * once per instance.
   */
  deliverToLocalRoom(message: ChatMessage): void {
    this.broker.publish(roomTopic(message.roomId), { body: JSON.stringify(message) });
  }

  /** To this instance's sessions of `uid` only, written before the frame being handled is answered. */
  deliverToLocalUser(uid: string, event: UserEvent): void {
    this.broker.sendToUser(uid, USER_EVENTS, { body: JSON.stringify(event) });
  }

  /** A session of `uid` opened here: its personal events must reach this instance. */
  userConnected(uid: string): Promise<void> {
    return this.fanout.subscribe(userChannel(uid));
  }

  userDisconnected(uid: string): Promise<void> {
    return this.fanout.unsubscribe(userChannel(uid));
  }

  private releaseRoom(roomId: string): void {
    const subscribed = this.roomSubscriptions.get(roomId);
    if (!subscribed) return;
    this.roomSubscriptions.delete(roomId);
    this.sequencer.forget(roomId);
    this.lineDeliverers.delete(roomId);
    subscribed
      .then(() => this.fanout.unsubscribe(roomChannel(roomId)))
      .catch((error: unknown) => this.logger.warn(`fan-out unsubscribe ${roomId} failed: ${String(error)}`));
  }

  private departed(uid: string, roomId: string, forGood: boolean): void {
    if (forGood) this.broker.endSubscriptions(uid, roomTopic(roomId));
    this.tellHere({ type: 'member.departed', roomId, uid, forGood });
  }

  private tellHere(event: MemberDeparted | MemberRecount): void {
    this.events
      .emit(event)
      .catch((error: unknown) =>
        this.logger.error(`${event.type} for ${event.roomId} failed: ${String(error)}`),
      );
  }

  private readonly lineDeliverers = new Map<string, (id: string, body: string) => void>();

  private deliverLine(roomId: string): (id: string, body: string) => void {
    let deliver = this.lineDeliverers.get(roomId);
    if (!deliver) {
      const topic = roomTopic(roomId);
      deliver = (id, body) => this.broker.publish(topic, { body, sequence: id });
      this.lineDeliverers.set(roomId, deliver);
    }
    return deliver;
  }

  private deliver(channel: string, payload: string): void {
    const split = payload.indexOf('\n');
    const sequence = payload.slice(0, split);
    const body = payload.slice(split + 1);
    if (channel.startsWith(ROOM_PREFIX)) {
      const roomId = channel.slice(ROOM_PREFIX.length);
      const space = sequence.indexOf(' ');
      if (space < 0) {
        // Ephemeral (no id), or a sender without seqs (an older instance during an upgrade).
        this.broker.publish(roomTopic(roomId), sequence ? { body, sequence } : { body });
        return;
      }
      const rest = sequence.slice(space + 1);
      const traced = rest.indexOf(' ');
      const line = {
        id: sequence.slice(0, space),
        seq: Number(traced < 0 ? rest : rest.slice(0, traced)),
        body,
      };
      if (traced < 0) {
        this.sequencer.accept(roomId, line, this.deliverLine(roomId));
        return;
      }
      // One span per payload received, none per delivery to a session (the hot path stays bare).
      withSyncSpan(
        'room fan-out receive',
        {
          kind: SpanKind.CONSUMER,
          parent: extractTraceContext({ traceparent: rest.slice(traced + 1) }),
          attributes: { 'messaging.system': 'room-fanout' },
        },
        () => this.sequencer.accept(roomId, line, this.deliverLine(roomId)),
      );
    } else if (channel.startsWith(USER_PREFIX)) {
      const uid = channel.slice(USER_PREFIX.length);
      if (sequence.startsWith(END_ROOM)) this.departed(uid, sequence.slice(END_ROOM.length), true);
      else if (sequence.startsWith(LEFT_ROOM)) this.departed(uid, sequence.slice(LEFT_ROOM.length), false);
      else if (sequence.startsWith(RECOUNT_ROOM))
        this.tellHere({ type: 'member.recount', roomId: sequence.slice(RECOUNT_ROOM.length), uid });
      else this.broker.sendToUser(uid, USER_EVENTS, { body });
    }
  }
}
