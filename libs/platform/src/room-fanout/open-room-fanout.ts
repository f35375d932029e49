import type { PlatformSettings } from '../config/platform.settings';
import type { PortHandle } from '../service/port-handle';
import { InMemoryRoomFanout, sharedInMemoryFanoutHub } from './room-fanout.memory';
import type { RoomFanout } from './room-fanout.port';
import { RedisRoomFanout } from './room-fanout.redis';

/** The one place ROOM_FANOUT becomes an adapter. */
export function openRoomFanout(settings: PlatformSettings): PortHandle<RoomFanout> {
  switch (settings.fanout) {
    case 'memory': {
      // Each app has its own handler and subscriptions, on the process-wide hub.
      const fanout = new InMemoryRoomFanout(sharedInMemoryFanoutHub());
      return { port: fanout, release: () => fanout.close() };
    }
    case 'redis': {
      const fanout = new RedisRoomFanout(settings.redisUrl);
      return { port: fanout, release: () => fanout.close() };
    }
  }
}
