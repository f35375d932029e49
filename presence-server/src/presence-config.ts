import {
  authSettings,
  loadSettings,
  loadSettingsGroups,
  platformSettings,
  telemetrySettings,
  type AuthOptions,
  type Env,
  type PlatformSettings,
} from '@playlist-chat/platform';
import { presenceSettings, type PresenceSettings } from './presence.settings';

/** Every settings group the presence server reads, validated once at start-up; injectable by class. */
export class PresenceConfig {
  constructor(
    readonly presence: PresenceSettings,
    readonly platform: PlatformSettings,
    readonly auth: AuthOptions,
  ) {}
}

/** Loads and checks all groups; throws one ConfigError naming every bad variable. */
export function loadPresenceConfig(env: Env): PresenceConfig {
  const { presence, platform, auth } = loadSettingsGroups(
    {
      presence: () => loadSettings(presenceSettings, env),
      platform: () => loadSettings(platformSettings, env),
      auth: () => loadSettings(authSettings, env),
      // Read by ./telemetry at import, which leaves a bad one to this list.
      telemetry: () => loadSettings(telemetrySettings, env),
    },
    // The platform group only sees an explicit PRESENCE_STORE=redis; the cluster default needs the same check.
    (groups) =>
      groups.presence?.store === 'redis' && groups.platform?.redisUrl === ''
        ? [
            'REDIS_URL is required when PRESENCE_STORE is redis (Redis URL (redis://host:port/db) for fan-out and presence)',
          ]
        : [],
  );
  return new PresenceConfig(presence, platform, { ...auth, mode: platform.mode, dataDir: platform.dataDir });
}
