import 'reflect-metadata';
import { Logger } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import type { NestExpressApplication } from '@nestjs/platform-express';
import {
  AllowedHosts,
  loadSettings,
  loadSettingsGroups,
  MetricsRegistry,
  openServiceRegistry,
  TrustedProxies,
  platformSettings,
  telemetrySettings,
  serveAndRegister,
  ServiceRegistry,
  useRestConventions,
  useStructuredLogging,
  type Env,
  type RunningService,
} from '@playlist-chat/platform';
import { join } from 'node:path';
import { gatewaySettings, gatewaySettingsProblems } from './gateway.settings';
import { GatewayModule } from './gateway.module';
import { packageDir, webClientDir } from './paths';
import { EdgeRouter } from './routing/edge-router';
import { ForwardingMetrics } from './routing/forwarding-metrics';
import { HttpProxy } from './routing/http-proxy';
import { Upstreams } from './routing/upstreams';
import { WebSocketProxy } from './routing/websocket-proxy';
import { corsOptions } from './traffic/cors-options';
import { InFlightRequests } from './traffic/in-flight';
import { securityHeaders, securityHeaderValues } from './traffic/security-headers';

export const GATEWAY = 'gateway';

export interface GatewayOptions {
  /** The registry to route by; default: the one DEPLOYMENT_MODE/SERVICE_REGISTRY selects (in single node, the process-wide one). */
  readonly registry?: ServiceRegistry;
}

/**
 * Starts the gateway: routes `/v1/api/**` and `/ws-chat` to chat-server instances and
 * `/api/v1/presence/**` to presence-server instances found in the ServiceRegistry, serves `/docs`,
 * `/health/*` and the web client at `/`, and registers itself as `gateway`. Throws a ConfigError
 * naming every bad variable before anything starts.
 */
export async function startGateway(
  env: Env = process.env,
  options: GatewayOptions = {},
): Promise<RunningService> {
  const { settings, platform } = loadSettingsGroups(
    {
      settings: () => loadSettings(gatewaySettings, env),
      platform: () => loadSettings(platformSettings, env),
      // Read by ./telemetry at import, which leaves a bad one to this list.
      telemetry: () => loadSettings(telemetrySettings, env),
    },
    ({ settings, platform }) => gatewaySettingsProblems(settings, platform),
  );
  const registryHandle = options.registry
    ? { port: options.registry, release: async () => {} }
    : openServiceRegistry(platform);
  const registry = registryHandle.port;
  const upstreams = new Upstreams(registry, settings.ejectMs);

  const app = await NestFactory.create<NestExpressApplication>(
    GatewayModule.forRoot({ settings, platform, registry, upstreams }),
    {
      bodyParser: false, // bodies stream through to the services untouched
      bufferLogs: true,
    },
  );
  useStructuredLogging(app);
  // The gateway parses no body (they stream on to the services, which refuse what is not JSON).
  const answerHeaders = securityHeaderValues();
  useRestConventions(app, { jsonBodies: false, answerHeaders });
  const inFlight = new InFlightRequests();
  const proxies = new TrustedProxies(settings.trustedProxies);
  const metrics = new ForwardingMetrics(app.get(MetricsRegistry));
  const webSocketProxy = new WebSocketProxy(upstreams, settings, proxies, metrics, answerHeaders);
  const hosts = new AllowedHosts(settings.allowedHosts, gatewaySettings.allowedHosts.env);
  const edge = new EdgeRouter(
    new HttpProxy(upstreams, settings, proxies, metrics),
    webSocketProxy,
    settings,
    proxies,
    hosts,
  );

  app.use(inFlight.middleware);
  app.use(securityHeaders(answerHeaders));
  // Before any route: a page on a rebinding domain gets nothing from this gateway, dev tokens included.
  app.use(hosts.middleware);
  if (settings.corsOrigins.length > 0) app.enableCors(corsOptions(settings.corsOrigins));
  app.use(edge.http);
  app.useStaticAssets(webClientDir, { index: 'index.html' });
  app.useStaticAssets(join(packageDir('@stomp/stompjs'), 'bundles'), { prefix: '/vendor/stompjs/' });
  app.useStaticAssets(packageDir('swagger-ui-dist'), { prefix: '/docs/ui/', index: false });
  const server = app.getHttpServer();
  server.on('upgrade', edge.upgrade);

  return serveAndRegister(app, {
    service: GATEWAY,
    port: settings.port,
    host: settings.host,
    settings: { host: gatewaySettings.host.env, port: gatewaySettings.port.env },
    platform,
    registry,
    healthCheckIntervalMs: settings.healthCheckIntervalMs,
    // After leaving discovery: stop accepting, let in-flight requests finish (bounded), then cut what is left.
    beforeAppClose: async () => {
      server.close();
      server.closeIdleConnections();
      const drained = await inFlight.drain(settings.drainTimeoutMs);
      if (!drained)
        new Logger('Gateway').warn(
          `${inFlight.size} request(s) still running after ${settings.drainTimeoutMs} ms; cutting them`,
        );
      webSocketProxy.closeAll();
      server.closeAllConnections();
      edge.close();
      upstreams.close();
    },
    afterAppClose: () => registryHandle.release(),
  });
}
