import { hostname } from 'node:os';
import type { PlatformSettings } from '../config/platform.settings';

/**
 * Name of this instance of `service` in logs and discovery: `${service}-${INSTANCE_ID}` when
 * INSTANCE_ID is set, else `${service}-${host}-${pid}`. The service prefix keeps the names of
 * the three apps of a single-node process apart.
 */
export function instanceName(settings: Pick<PlatformSettings, 'instanceId'>, service: string): string {
  const suffix = settings.instanceId !== '' ? settings.instanceId : `${hostname()}-${process.pid}`;
  return `${service}-${suffix}`;
}
