import { Inject, Injectable } from '@nestjs/common';
import { ReadinessIndicator, ServiceRegistry } from '@playlist-chat/platform';
import { GATEWAY_SETTINGS } from '../gateway.tokens';
import type { GatewaySettings } from '../gateway.settings';
import { proxiedServices } from '../routing/routes';

/**
 * The gateway can route only while discovery answers: ready = the registry answers a lookup for
 * every service it routes to, and names a healthy instance of each one GATEWAY_READINESS_SERVICES
 * lists (both on a single node, where this is the node's Health URL). The report counts each
 * service's healthy instances either way.
 */
@Injectable()
export class RegistryReadiness extends ReadinessIndicator {
  readonly name = 'registry';

  constructor(
    private readonly registry: ServiceRegistry,
    @Inject(GATEWAY_SETTINGS) private readonly settings: GatewaySettings,
  ) {
    super();
  }

  async check(): Promise<Readonly<Record<string, string>>> {
    const report: Record<string, string> = {};
    const missing: string[] = [];
    for (const service of proxiedServices) {
      const healthy = (await this.registry.healthy(service)).length;
      report[service] = `${healthy} healthy`;
      if (healthy === 0 && this.settings.readinessServices.includes(service)) missing.push(service);
    }
    if (missing.length > 0) throw new Error(`no healthy ${missing.join(' or ')} instance`);
    return report;
  }
}
