import { Injectable } from '@nestjs/common';
import type { MemberPresenceStatus } from '@playlist-chat/contracts';
import { errorMessage, withTimeout } from '@playlist-chat/platform';
import { ChatConfig } from '../config/chat-config';
import {
  LookupFailures,
  PresenceLookup,
  PresenceQueries,
  type RoomPresenceSummary,
} from './presence-lookup.port';

/**
 * The lookup when a presence server runs in this process (single node): its service is asked
 * directly. Same answers as over HTTP without a request through the presence server's HTTP
 * stack on every join (a join allocated ~23 KB and a request's CPU for it). No internal token:
 * the caller is this process. CHAT_PRESENCE_TIMEOUT_MS still bounds each answer (the presence
 * store may be Redis), and a failure or timeout answers `null` like the HTTP adapter.
 */
@Injectable()
export class InProcessPresenceLookup extends PresenceLookup {
  private readonly failures = new LookupFailures();

  constructor(
    private readonly presence: PresenceQueries,
    private readonly config: ChatConfig,
  ) {
    super();
  }

  memberStatus(roomId: string, uid: string): Promise<MemberPresenceStatus | null> {
    return this.answer('status', () => this.presence.status(roomId, uid));
  }

  async offMembers(roomId: string): Promise<string[] | null> {
    const list = await this.answer('off members', () => this.presence.members(roomId, 'off'));
    return list && list.members.map((member) => member.uid);
  }

  roomSummary(roomId: string): Promise<RoomPresenceSummary | null> {
    return this.answer('room summary', () => this.presence.summary(roomId));
  }

  private async answer<T>(what: string, ask: () => Promise<T>): Promise<T | null> {
    try {
      return await withTimeout(ask(), this.config.chat.presenceTimeoutMs);
    } catch (error) {
      this.failures.record(`in-process ${what}: ${errorMessage(error)}`);
      return null;
    }
  }
}
