import type { ServiceRegistry } from '@playlist-chat/platform';

/**
 * Lists `id` as an instance of `service` at 127.0.0.1:`port`, healthy at once. The registry checks
 * its `/health` only every `healthCheckIntervalMs` (default 10 minutes), so an instance that is
 * gone, hung or misbehaving stays listed and only a test's own traffic reaches it.
 */
export function listInstance(
  registry: ServiceRegistry,
  {
    id,
    service,
    port,
    healthCheckIntervalMs = 600_000,
  }: { id: string; service: string; port: number; healthCheckIntervalMs?: number },
): Promise<void> {
  return registry.register({
    id,
    service,
    host: '127.0.0.1',
    port,
    healthCheckUrl: `http://127.0.0.1:${port}/health`,
    healthCheckIntervalMs,
  });
}
