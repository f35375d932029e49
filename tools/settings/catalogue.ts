import { authSettings } from '../../libs/platform/src/auth/auth.settings';
import { platformSettings } from '../../libs/platform/src/config/platform.settings';
import { telemetrySettings } from '../../libs/platform/src/telemetry/telemetry.settings';
import { loadSettings, type Env, type SettingsSpec } from '../../libs/platform/src/config/settings';
import { chatSettings, loadChatSettings } from '../../chat-server/src/config/chat.settings';
import { storageSettings } from '../../chat-server/src/config/storage.settings';
import { stompSettings } from '../../chat-server/src/config/stomp-limits.settings';
import { presenceSettings } from '../../presence-server/src/presence.settings';
import { gatewaySettings } from '../../gateway/src/gateway.settings';
import { singleNodeSettings } from '../../single-node/src/single-node.settings';

export type GroupName =
  | 'Platform'
  | 'Telemetry'
  | 'Auth'
  | 'Chat server'
  | 'STOMP endpoint'
  | 'Storage'
  | 'Presence server'
  | 'Gateway'
  | 'Single node';

export interface SettingsGroup {
  readonly group: GroupName;
  /** Which processes read the group, for the docs. */
  readonly readBy: string;
  readonly spec: SettingsSpec;
  /** How the apps load the group, including rules that span groups; throws ConfigError. */
  readonly load: (env: Env) => unknown;
}

/**
 * Every settings group of the repository, in the order `.env` and `docs/configuration.md`
 * list them. A variable shared by several groups is the same setting object in each.
 */
export const catalogue: readonly SettingsGroup[] = [
  {
    group: 'Platform',
    readBy: 'every app',
    spec: platformSettings,
    load: (env) => loadSettings(platformSettings, env),
  },
  {
    group: 'Telemetry',
    readBy: 'every app (its entry point, before anything else loads)',
    spec: telemetrySettings,
    load: (env) => loadSettings(telemetrySettings, env),
  },
  {
    group: 'Auth',
    readBy: 'chat server, presence server',
    spec: authSettings,
    load: (env) => loadSettings(authSettings, env),
  },
  {
    group: 'Chat server',
    readBy: 'chat server',
    spec: chatSettings,
    load: loadChatSettings,
  },
  {
    group: 'STOMP endpoint',
    readBy: 'chat server (per-session limits of /ws-chat)',
    spec: stompSettings,
    load: (env) => loadSettings(stompSettings, env),
  },
  {
    group: 'Storage',
    readBy: 'chat server',
    spec: storageSettings,
    load: (env) => loadSettings(storageSettings, env),
  },
  {
    group: 'Presence server',
    readBy: 'presence server',
    spec: presenceSettings,
    load: (env) => loadSettings(presenceSettings, env),
  },
  {
    group: 'Gateway',
    readBy: 'gateway (and `npm start`)',
    spec: gatewaySettings,
    load: (env) => loadSettings(gatewaySettings, env),
  },
  {
    group: 'Single node',
    readBy: '`npm start` only',
    spec: singleNodeSettings,
    load: (env) => loadSettings(singleNodeSettings, env),
  },
];

/** The two deployment modes every mode-dependent default is evaluated for. */
export const singleNodeEnv: Env = {};
export const clusterEnv: Env = { DEPLOYMENT_MODE: 'cluster' };

/**
 * Environments under which each `requiredWhen` rule is asked for its reason, to list in the
 * docs when a variable is required: both modes, and each adapter switch turned on alone.
 * A new conditional variable needs a switch here (the catalogue test says so).
 */
export const requirementProbes: readonly Env[] = [
  singleNodeEnv,
  clusterEnv,
  { ...clusterEnv, AUTH_DEV_TOKENS: 'true' },
  { EVENT_BUS: 'kafka' },
  { EVENT_BUS: 'redis' },
  { ROOM_FANOUT: 'redis' },
  { PRESENCE_STORE: 'redis' },
  { SERVICE_REGISTRY: 'consul' },
  { SERVICE_REGISTRY: 'static' },
  { CHAT_STORE: 'mongo' },
];
