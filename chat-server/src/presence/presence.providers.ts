import type { Provider } from '@nestjs/common';
import type { ChatSettings } from '../chat.settings';
import { DevicePresence } from './device-presence';
import { LocalPresenceGate } from './presence-gate.local';
import { PresenceGate } from './presence-gate.port';
import { ServerPresenceGate } from './presence-gate.server';
import { PresenceLookup } from './presence-lookup';
import { PresenceRelay } from './presence-relay';

/** Settings are validated when loaded, so this only runs if a new mode was added without a case. */
function unknownMode(value: never): never {
  throw new Error(`CHAT_PRESENCE=${String(value)} has no adapter`);
}

/**
 * The presence providers CHAT_PRESENCE asks for. `server`: the presence-server gate, its
 * lookups and the relay of `presence.changes`, and device events; `none`: the local gate
 * (everyone may chat) and no events. DevicePresence is bound in both, silent under `none`.
 */
export function presenceProviders(mode: ChatSettings['presence']): Provider[] {
  switch (mode) {
    case 'server':
      return [
        PresenceLookup,
        ServerPresenceGate,
        { provide: PresenceGate, useExisting: ServerPresenceGate },
        PresenceRelay,
        DevicePresence,
      ];
    case 'none':
      return [{ provide: PresenceGate, useClass: LocalPresenceGate }, DevicePresence];
    default:
      return unknownMode(mode);
  }
}
