import { Injectable } from '@nestjs/common';
import { DevicePresence } from './device-presence.port';

/** CHAT_PRESENCE=none: nobody keeps presence, so nothing is tracked or told. */
@Injectable()
export class NoDevicePresence extends DevicePresence {
  connected(): void {}

  async joined(): Promise<void> {}

  async subscribed(): Promise<void> {}

  async unsubscribed(): Promise<void> {}

  async disconnected(): Promise<void> {}
}
