import { Global, Module, type DynamicModule, type Provider } from '@nestjs/common';
import type { ChatSettings } from '../config/chat.settings';
import { DeliveryModule } from '../delivery/delivery.module';
import { RoomStoreModule } from '../room-store/room-store.module';
import { BusDevicePresence } from './device-presence.bus';
import { NoDevicePresence } from './device-presence.none';
import { DevicePresence } from './device-presence.port';
import { OffMembers } from './off-members';
import { OfflineNotifier } from './offline-notifier';
import { LocalPresenceGate } from './presence-gate.local';
import { PresenceGate } from './presence-gate.port';
import { ServerPresenceGate } from './presence-gate.server';
import { HttpPresenceLookup } from './presence-lookup.http';
import { InProcessPresenceLookup } from './presence-lookup.in-process';
import { PresenceLookup, PresenceQueries } from './presence-lookup.port';
import { PresenceRelay } from './presence-relay';
import { RosterResync } from './roster-resync';

/** Settings are validated when loaded, so this only runs if a new mode was added without a case. */
function unknownMode(value: never): never {
  throw new Error(`CHAT_PRESENCE=${String(value)} has no adapter`);
}

/** The presence server in this process when there is one, else the instances discovery lists. */
function lookupAdapter(inProcess: PresenceQueries | undefined): Provider[] {
  if (!inProcess) return [{ provide: PresenceLookup, useClass: HttpPresenceLookup }];
  return [
    { provide: PresenceQueries, useValue: inProcess },
    { provide: PresenceLookup, useClass: InProcessPresenceLookup },
  ];
}

/** The adapters CHAT_PRESENCE picks for the presence ports. */
function presenceAdapters(
  mode: ChatSettings['presence'],
  inProcess: PresenceQueries | undefined,
): Provider[] {
  switch (mode) {
    case 'server':
      return [
        ...lookupAdapter(inProcess),
        ServerPresenceGate,
        { provide: PresenceGate, useExisting: ServerPresenceGate },
        PresenceRelay,
        RosterResync,
        OffMembers,
        OfflineNotifier,
        BusDevicePresence,
        { provide: DevicePresence, useExisting: BusDevicePresence },
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
 * answers (`PresenceLookup`: over HTTP, or in process in a single node), its `presence.changes` relayed to this instance's subscribers, device events on
 * `chat.devices`, and push hand-off of new lines for members who are off
 * (`chat.notifications`); `none`: everyone may chat and no events. Global, bound once for the app.
 */
@Global()
@Module({})
export class PresenceModule {
  /** `inProcess`: a presence server running in this process (single node), asked without HTTP. */
  static forRoot(mode: ChatSettings['presence'], inProcess?: PresenceQueries): DynamicModule {
    return {
      module: PresenceModule,
      imports: [DeliveryModule, RoomStoreModule],
      providers: presenceAdapters(mode, inProcess),
      exports: [PresenceGate, DevicePresence],
    };
  }
}
