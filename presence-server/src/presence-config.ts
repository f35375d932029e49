import {
  authSettings,
  ConfigError,
  loadSettings,
  platformSettings,
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
  const problems: string[] = [];
  const load = <T>(read: () => T): T | undefined => {
    try {
      return read();
    } catch (error) {
      if (!(error instanceof ConfigError)) throw error;
      problems.push(...error.problems);
      return undefined;
    }
  };
  const presence = load(() => loadSettings(presenceSettings, env));
  const platform = load(() => loadSettings(platformSettings, env));
  const auth = load(() => loadSettings(authSettings, env));
  // The platform group only sees an explicit PRESENCE_STORE=redis; the cluster default needs the same check.
  if (presence?.store === 'redis' && platform && platform.redisUrl === '') {
    problems.push(
      'REDIS_URL is required when PRESENCE_STORE is redis (Redis URL (redis://host:port/db) for fan-out and presence)',
    );
  }
  if (problems.length > 0 || !presence || !platform || !auth) throw new ConfigError(problems);
  return new PresenceConfig(presence, platform, { ...auth, mode: platform.mode, dataDir: platform.dataDir });
}
