import type { IncomingMessage, ServerResponse } from 'node:http';
import { devTokensOn } from '../auth/auth.settings';
import { defaultOf, type Env, type Setting } from '../config/settings';
import { refusalBody, type RefusalBody } from './refusal';

/** The names this machine calls itself by: what a browser on it sends as `Host` to a loopback port. */
export const LOOPBACK_HOSTS: readonly string[] = ['localhost', '127.0.0.1', '[::1]'];

const LOOPBACK_INTERFACES = new Set(['127.0.0.1', '::1', 'localhost']);

/**
 * Default of a `*_ALLOWED_HOSTS` setting, for the app that listens on `listenHost` (its setting,
 * whose own default applies when unset): the loopback names while the app listens on loopback (a
 * page on a rebinding domain must not reach it through the browser of someone on this machine)
 * or, with `whileDevTokens`, while dev tokens are on; any host otherwise (a public name is the
 * operator's to set, docs/security.md).
 */
export const defaultAllowedHosts =
  (listenHost: Setting<string>, { whileDevTokens = false } = {}) =>
  (env: Env): string => {
    const host = env[listenHost.env]?.trim() || defaultOf(listenHost, env);
    const loopback = LOOPBACK_INTERFACES.has(host) || host.startsWith('127.');
    return loopback || (whileDevTokens && devTokensOn(env)) ? LOOPBACK_HOSTS.join(',') : '*';
  };

const HOST_NAME =
  /^(\[[0-9a-f:.]+\]|[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?(\.[a-z0-9_]([a-z0-9_-]*[a-z0-9_])?)*)$/i;

/** Why an item of a `*_ALLOWED_HOSTS` list is refused, or undefined. */
export const allowedHostProblem = (item: string): string | undefined =>
  item === '*' || HOST_NAME.test(item)
    ? undefined
    : 'must be * or a host name without scheme or port (example.com, 10.0.0.5, [::1])';

/** Paths every host may ask for: registries and orchestrators probe an instance by its address. */
const OPEN_TO_ANY_HOST = /^\/health\/(live|ready)(\?|$)/;

/**
 * The `Host` names an app answers (DNS-rebinding defence): a page on `attacker.example`, whose
 * name the attacker then points at 127.0.0.1, reaches a loopback port from the victim's browser
 * as same-origin, but its requests still say `Host: attacker.example`. Those are refused, HTTP
 * and WebSocket upgrades alike, before any route runs. The port of `Host` is ignored; a request
 * without `Host` (no browser sends one) and `/health/*` pass. An empty list or `*` allows any.
 */
export class AllowedHosts {
  private readonly names: ReadonlySet<string> | null;

  constructor(
    list: readonly string[],
    /** The setting the list comes from, named in refusals. */
    private readonly setting: string,
  ) {
    this.names = list.length === 0 || list.includes('*') ? null : new Set(list.map(normalized));
  }

  /** Why this request's `Host` is refused, or undefined when it may go on. */
  problem(request: IncomingMessage): string | undefined {
    if (this.names === null) return undefined;
    const host = request.headers.host;
    if (host === undefined || this.names.has(normalized(nameOf(host)))) return undefined;
    if (OPEN_TO_ANY_HOST.test(request.url ?? '')) return undefined;
    return `Host ${JSON.stringify(host.slice(0, 100))} is not one of the names this server answers to (${this.setting})`;
  }

  /** Express/Connect middleware: a refused `Host` gets 421 `unknown-host`. */
  readonly middleware = (request: IncomingMessage, response: ServerResponse, next: () => void): void => {
    const problem = this.problem(request);
    if (problem === undefined) return next();
    const json = JSON.stringify(unknownHost(problem));
    response.writeHead(421, {
      'content-type': 'application/json; charset=utf-8',
      'content-length': Buffer.byteLength(json),
    });
    response.end(json);
  };
}

export const unknownHost = (message: string): RefusalBody => refusalBody(421, 'unknown-host', message);

/** `example.com:8080` → `example.com`, `[::1]:8080` → `[::1]`. */
function nameOf(host: string): string {
  const trimmed = host.trim();
  if (trimmed.startsWith('[')) {
    const end = trimmed.indexOf(']');
    return end === -1 ? trimmed : trimmed.slice(0, end + 1);
  }
  const colon = trimmed.indexOf(':');
  return colon === -1 ? trimmed : trimmed.slice(0, colon);
}

/** Letter case and a final dot (`localhost.`) do not make another name. */
const normalized = (name: string): string => name.toLowerCase().replace(/\.$/, '');
