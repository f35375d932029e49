import { randomBytes } from 'node:crypto';
import { instanceName, type PlatformSettings } from '@playlist-chat/platform';
import { CHAT_SERVICE } from './service-name';

/**
 * This running chat server, as other services see it in events: device ids of its STOMP
 * sessions and its own consumer group on `presence.changes`. A random suffix keeps two
 * instances apart even when they share a host, a pid and an INSTANCE_ID (tests, restarts).
 */
export class ChatInstance {
  constructor(readonly id: string) {}

  static create(platform: Pick<PlatformSettings, 'instanceId'>): ChatInstance {
    return new ChatInstance(`${instanceName(platform, CHAT_SERVICE)}-${randomBytes(3).toString('hex')}`);
  }
}
