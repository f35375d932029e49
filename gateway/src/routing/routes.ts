/** Where a public path goes: the logical service name resolved through the ServiceRegistry. */
export interface Route {
  readonly service: string;
  /** Matches the path part of a request URL (no query). */
  matches(pathname: string): boolean;
}

const under = (prefix: string) => (pathname: string) =>
  pathname === prefix || pathname.startsWith(`${prefix}/`);

export const CHAT_SERVER = 'chat-server';
export const PRESENCE_SERVER = 'presence-server';
export const WEBSOCKET_PATH = '/ws-chat';

/** Public REST paths, as the services themselves serve them: the gateway forwards them unchanged. */
export const httpRoutes: readonly Route[] = [
  { service: CHAT_SERVER, matches: under('/v1/api') },
  { service: PRESENCE_SERVER, matches: under('/api/v1/presence') },
];

export const websocketRoute: Route = {
  service: CHAT_SERVER,
  matches: (pathname) => pathname === WEBSOCKET_PATH,
};

export function pathnameOf(url: string | undefined): string {
  const raw = url ?? '/';
  const end = raw.search(/[?#]/);
  return end === -1 ? raw : raw.slice(0, end);
}

export function httpRouteFor(url: string | undefined): Route | undefined {
  const pathname = pathnameOf(url);
  return httpRoutes.find((route) => route.matches(pathname));
}

export const proxiedServices: readonly string[] = [CHAT_SERVER, PRESENCE_SERVER];
