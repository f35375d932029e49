import { gaugeReadAtScrape, type MetricsRegistry } from '@playlist-chat/platform';
import { Counter } from 'prom-client';

/**
 * Why an attempt to forward to an instance failed: `unreachable` (no connection was made),
 * `timeout` (no answer, or a stalled one, within GATEWAY_PROXY_TIMEOUT_MS), `error` (the
 * connection broke, or anything else).
 */
export type ForwardingFailure = 'unreachable' | 'timeout' | 'error';

/** Why an instance was set aside for GATEWAY_EJECT_MS. */
export type EjectionReason = 'unreachable' | 'timeout';

/**
 * What the gateway's forwarding did, for Prometheus. Only failures, retries and ejections are
 * counted on the way (rare, so a request that goes well pays nothing); open tunnels are read at
 * each scrape. Labels are the target service (`upstream`; `service` is the gateway's own, as on
 * every series) and a reason: bounded, no instance ids (they change with every restart).
 */
export class ForwardingMetrics {
  private readonly failures: Counter<'upstream' | 'reason'>;
  private readonly retries: Counter<'upstream'>;
  private readonly ejections: Counter<'upstream' | 'reason'>;

  constructor(private readonly registry: MetricsRegistry) {
    this.failures = new Counter({
      name: 'gateway_upstream_failures_total',
      help: 'Attempts to forward a request or a WebSocket upgrade to an instance that failed, by target service (upstream) and reason (unreachable, timeout, error)',
      labelNames: ['upstream', 'reason'],
      registers: [registry],
    });
    this.retries = new Counter({
      name: 'gateway_upstream_retries_total',
      help: 'Requests sent again to another instance after an attempt failed, by target service (upstream)',
      labelNames: ['upstream'],
      registers: [registry],
    });
    this.ejections = new Counter({
      name: 'gateway_instance_ejections_total',
      help: 'Times an instance was set aside for GATEWAY_EJECT_MS, by target service (upstream) and reason (unreachable, timeout)',
      labelNames: ['upstream', 'reason'],
      registers: [registry],
    });
  }

  /** `gateway_websocket_tunnels`, read from the WebSocket proxy at each scrape. */
  countTunnels(openTunnels: () => number): void {
    gaugeReadAtScrape(
      this.registry,
      { name: 'gateway_websocket_tunnels', help: 'Client WebSockets tunnelled to chat-server instances now' },
      openTunnels,
    );
  }

  failed(service: string, reason: ForwardingFailure): void {
    this.failures.inc({ upstream: service, reason });
  }

  retried(service: string): void {
    this.retries.inc({ upstream: service });
  }

  ejected(service: string, reason: EjectionReason): void {
    this.ejections.inc({ upstream: service, reason });
  }
}
