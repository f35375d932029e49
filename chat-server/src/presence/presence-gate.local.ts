// Single process only, and presence-free: use the presence-server adapter (CHAT_PRESENCE=server) for on/off states and a cluster.
import { Injectable } from '@nestjs/common';
import { StompBroker } from '@playlist-chat/stomp';
import { roomTopic } from '../delivery/destinations';
import { PresenceGate, type ChatPermission } from './presence-gate.port';

/** Every member may chat; "online" means a live subscription to the room on this instance. */
@Injectable()
export class LocalPresenceGate extends PresenceGate {
  constructor(private readonly broker: StompBroker) {
    super();
  }

  async maySend(): Promise<boolean> {
    return true;
  }

  async checkOnJoin(): Promise<ChatPermission> {
    return { mayChat: true, source: 'no-presence' };
  }

  async anyoneOnline(roomId: string): Promise<boolean> {
    return this.broker.hasSubscribers(roomTopic(roomId));
  }
}
