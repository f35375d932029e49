/** What the single node's main thread tells its gateway thread. */
export type ToGatewayThread = { readonly type: 'close' };

/** What the gateway thread reports back. */
export type FromGatewayThread =
  | { readonly type: 'listening'; readonly url: string; readonly port: number }
  /** `problems`: the bad settings, when start-up stopped at the settings check (a ConfigError). */
  | { readonly type: 'failed'; readonly error: string; readonly problems?: readonly string[] }
  | { readonly type: 'closed'; readonly error?: string };
