import { randomBytes } from 'node:crypto';
import { instanceName, type PlatformSettings } from '@playlist-chat/platform';
import { CHAT_SERVICE } from './service-name';

/**
 * This running chat server, as other services see it.
 * - `id`: in device ids of its STOMP sessions and as lease owner; a random suffix keeps two
 *   runs apart even when they share a host, a pid and an INSTANCE_ID (tests, restarts).
 * - `name`: stable across restarts when INSTANCE_ID is set (else the same as `id`, since two
 *   instances may share a host and a pid in tests): names its own consumer group on
 *   `presence.changes`, so a restarted instance reuses its group instead of leaving one more
 *   behind after a crash (a clean stop removes it either way).
 */
export class ChatInstance {
  constructor(
    readonly id: string,
    readonly name: string = id,
  ) {}

  static create(platform: Pick<PlatformSettings, 'instanceId'>): ChatInstance {
    const id = `${instanceName(platform, CHAT_SERVICE)}-${randomBytes(3).toString('hex')}`;
    return new ChatInstance(id, platform.instanceId !== '' ? instanceName(platform, CHAT_SERVICE) : id);
  }
}
