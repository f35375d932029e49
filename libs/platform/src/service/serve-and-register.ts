import { networkInterfaces } from 'node:os';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger, type INestApplication } from '@nestjs/common';
import type { PlatformSettings } from '../config/platform.settings';
import { ConfigError } from '../config/settings';
import { ServiceRegistry } from '../service-registry/service-registry.port';
import { weakEtag } from '../http/weak-etag';
import { instanceName } from './instance-name';
import type { RunningService } from './running-service';

export interface ServeAndRegisterOptions {
  /** Logical name in discovery and logs: `chat-server`, `presence-server`, `gateway`. */
  readonly service: string;
  /** Port to listen on; 0 takes any free one (the real one is registered and returned). */
  readonly port: number;
  /** Interface to listen on; a wildcard (`0.0.0.0`, `::`, empty) is reached locally at 127.0.0.1. */
  readonly host: string;
  /** The variables `host` and `port` came from, named when listening fails (e.g. `CHAT_HOST`, `CHAT_PORT`). */
  readonly settings: { readonly host: string; readonly port: string };
  readonly platform: Pick<PlatformSettings, 'instanceId' | 'advertiseHost'>;
  /** Registry to join; default: the app's own `ServiceRegistry` provider. */
  readonly registry?: ServiceRegistry;
  /** How often discovery polls `/health/ready`; default: the registry's. */
  readonly healthCheckIntervalMs?: number;
  /** Appended to the start-up log line, e.g. `STOMP at /ws-chat, docs at /docs`. */
  readonly describe?: string;
  /** Runs on close after leaving discovery and before the app closes: drain what the app does not own. */
  readonly beforeAppClose?: () => Promise<void>;
  /** Runs on close after the app closed: release what was opened outside it. */
  readonly afterAppClose?: () => Promise<void>;
}

const wildcardHosts = ['0.0.0.0', '::', ''];

/** The Express settings made here (the app is Nest on Express). */
interface ExpressSettings {
  disable(setting: string): void;
  set(setting: string, value: unknown): void;
  readonly router?: { caseSensitive?: boolean };
}

/** How long requests still running when an app closes may take before their connections are cut. */
const HTTP_CLOSE_GRACE_MS = 3_000;

/**
 * The common tail of every app's start-up: listen, register in discovery as
 * `<instance name>-<port>` with `/health/ready` as its check, and hand back a RunningService.
 * Its `close()` leaves discovery first (a failure there is logged, not fatal), so no new
 * traffic is routed here while the app stops; calling it again returns the same stop.
 */
export async function serveAndRegister(
  app: INestApplication,
  options: ServeAndRegisterOptions,
): Promise<RunningService> {
  const { service, host, platform } = options;
  const express = app.getHttpAdapter().getInstance() as Partial<ExpressSettings>;
  // No `X-Powered-By: Express`: it tells an attacker what to try, and the gateway would pass it on.
  express.disable?.('x-powered-by');
  // The same weak ETags as Express's default, computed without copying the body first.
  express.set?.('etag', weakEtag);
  // Paths are case-sensitive, as the gateway forwards them (/V1/… is not /v1/…). Express reads
  // the setting when it makes its router, which the apps' `app.use` did already; the router's own
  // flag covers the routes Nest adds to it at listen (middleware paths keep theirs).
  express.set?.('case sensitive routing', true);
  if (express.router) express.router.caseSensitive = true;
  await app.listen(options.port, host).catch((error: unknown) => {
    throw listenProblem(error, options);
  });

  const port = ((app.getHttpServer() as Server).address() as AddressInfo).port;
  const url = `http://${wildcardHosts.includes(host) ? '127.0.0.1' : host}:${port}`;
  const registry = options.registry ?? app.get<ServiceRegistry>(ServiceRegistry);
  // The port keeps apart instances that share a host and process (tests, several apps per node).
  const id = `${instanceName(platform, service)}-${port}`;
  await registry.register({
    id,
    service,
    host: advertisedHost(platform.advertiseHost),
    port,
    healthCheckUrl: `http://${advertisedHost(platform.advertiseHost)}:${port}/health/ready`,
    healthCheckIntervalMs: options.healthCheckIntervalMs,
  });
  const logger = new Logger(service);
  logger.log(`${id} listening on ${url}${options.describe ? ` (${options.describe})` : ''}`);

  const server = app.getHttpServer() as Server;
  let closing: Promise<void> | undefined;
  // Node's server.close() waits for every keep-alive connection to go idle, and a client that
  // keeps one busy (discovery's health checks, every few seconds) kept the process from ever
  // stopping. Once stopping, every answer closes its connection, and what is still open after
  // HTTP_CLOSE_GRACE_MS is cut.
  server.on('request', (_request: IncomingMessage, response: ServerResponse) => {
    if (closing) response.setHeader('connection', 'close');
  });
  const close = async () => {
    await registry
      .deregister(id)
      .catch((error: unknown) => logger.warn(`deregistering ${id} failed: ${String(error)}`));
    await options.beforeAppClose?.();
    const cut = setTimeout(() => server.closeAllConnections(), HTTP_CLOSE_GRACE_MS);
    try {
      await app.close();
    } finally {
      clearTimeout(cut);
    }
    await options.afterAppClose?.();
  };
  return { name: service, url, port, close: () => (closing ??= close()) };
}

/**
 * A failed listen as the settings to change: a host that does not resolve or is not this
 * machine's, or a port another process holds, is the operator's choice, not the app's fault.
 */
function listenProblem(error: unknown, options: ServeAndRegisterOptions): unknown {
  const { host, port } = options.settings;
  const where = `${options.host}:${options.port}`;
  const problems: Record<string, string> = {
    ENOTFOUND: `${host}: "${options.host}" does not resolve to an address of this machine`,
    EAI_AGAIN: `${host}: "${options.host}" does not resolve to an address of this machine`,
    EADDRNOTAVAIL: `${host}: "${options.host}" is not an address of this machine`,
    EADDRINUSE: `${port}: ${where} is in use by another process`,
    EACCES: `${port}: listening on ${where} is not permitted (ports under 1024 need privileges)`,
  };
  const problem = problems[(error as NodeJS.ErrnoException | undefined)?.code ?? ''];
  return problem ? new ConfigError([problem]) : error;
}

/**
 * The address others reach this instance at. `auto`: the first non-loopback IPv4 address, so that
 * replicas started from one configuration (docker compose --scale) each advertise their own.
 */
export function advertisedHost(setting: string): string {
  if (setting !== 'auto') return setting;
  for (const addresses of Object.values(networkInterfaces())) {
    const address = addresses?.find((candidate) => candidate.family === 'IPv4' && !candidate.internal);
    if (address) return address.address;
  }
  return '127.0.0.1';
}
