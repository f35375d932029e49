import { Injectable } from '@nestjs/common';
import { ReadinessIndicator, ServiceRegistry } from '@playlist-chat/platform';
import { CHAT_SERVER } from '../routing/routes';

/** The gateway can route only while discovery answers: ready = the registry answers a lookup. */
@Injectable()
export class RegistryReadiness extends ReadinessIndicator {
  readonly name = 'registry';

  constructor(private readonly registry: ServiceRegistry) {
    super();
  }

  async check(): Promise<void> {
    await this.registry.healthy(CHAT_SERVER);
  }
}
