import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { ChatSettings } from '../config/chat.settings';
import { DeliveryModule } from '../delivery/delivery.module';
import { BusDevicePresence } from './device-presence.bus';
import { NoDevicePresence } from './device-presence.none';
import { DevicePresence } from './device-presence.port';
import { OffMembers } from './off-members';
import { OfflineNotifier } from './offline-notifier';
import { LocalPresenceGate } from './presence-gate.local';
import { PresenceGate } from './presence-gate.port';
import { ServerPresenceGate } from './presence-gate.server';
import { PresenceLookup } from './presence-lookup';
import { PresenceRelay } from './presence-relay';

/** Settings are validated when loaded, so this only runs if a new mode was added without a case. */
function unknownMode(value: never): never {
  throw new Error(`CHAT_PRESENCE=${String(value)} has no adapter`);
}

/** The adapters CHAT_PRESENCE picks for the two presence ports. */
function presenceAdapters(mode: ChatSettings['presence']): Provider[] {
  switch (mode) {
    case 'server':
      return [
        PresenceLookup,
        ServerPresenceGate,
        { provide: PresenceGate, useExisting: ServerPresenceGate },
        PresenceRelay,
        OffMembers,
        OfflineNotifier,
        { provide: DevicePresence, useClass: BusDevicePresence },
      ];
    case 'none':
      return [
        { provide: PresenceGate, useClass: LocalPresenceGate },
        { provide: DevicePresence, useClass: NoDevicePresence },
      ];
    default:
      return unknownMode(mode);
  }
}

/**
 * Presence as the chat server sees it: `PresenceGate` (may this member chat here? is anyone
 * on?) and `DevicePresence` (which sessions are in which rooms). `server`: the presence server's
 * answers, its `presence.changes` relayed to this instance's subscribers, device events on
 * `chat.devices`, and push hand-off of new lines for members who are off
 * (`chat.notifications`); `none`: everyone may chat and no events. Global, bound once for the app.
 */
@Global()
@Module({})
export class PresenceModule {
  static forRoot(mode: ChatSettings['presence']): DynamicModule {
    return {
      module: PresenceModule,
      imports: [DeliveryModule],
      providers: presenceAdapters(mode),
      exports: [PresenceGate, DevicePresence],
    };
  }
}
