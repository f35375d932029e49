import { gatewaySettings } from '@playlist-chat/gateway';
import { ConfigError, loadSettings, type Env, type Setting } from '@playlist-chat/platform';

/** An app's declaration of its Host allow-list (CHAT_ALLOWED_HOSTS, PRESENCE_ALLOWED_HOSTS). */
interface HostListDeclaration {
  readonly allowedHosts: Setting<string[]>;
}

/**
 * The Host allow-list for an app this host's gateway is in front of (`npm start`, `npm run
 * cluster:local`: the chat and presence servers), when the operator left it unset: `{}`
 * otherwise. There the app listens on loopback, so its own default answers the loopback names
 * only; but the gateway forwards the client's Host, and a name the gateway answers to
 * (GATEWAY_ALLOWED_HOSTS: `mybox` for browsers on the LAN) must not then get 421 from the app
 * behind it. So the gateway's names are added, or any Host once the gateway answers any. Never
 * narrower than the app's own default.
 */
export function hostsBehindGateway(app: HostListDeclaration, env: Env): Env {
  const setting = app.allowedHosts;
  if (env[setting.env]?.trim()) return {};
  let own: string[];
  let gateway: string[];
  try {
    own = loadSettings({ allowedHosts: setting }, env).allowedHosts;
    gateway = loadSettings({ allowedHosts: gatewaySettings.allowedHosts }, env).allowedHosts;
  } catch (error) {
    if (error instanceof ConfigError) return {}; // the app it concerns names it as it starts
    throw error;
  }
  const any = (names: string[]) => names.length === 0 || names.includes('*');
  if (any(own)) return {};
  const names = any(gateway) ? ['*'] : [...new Set([...own, ...gateway])];
  return { [setting.env]: names.join(',') };
}
