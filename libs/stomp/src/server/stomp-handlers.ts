import type {
  SendHandler,
  SendValidator,
  SessionHook,
  SubscribeHandler,
  UnsubscribeHandler,
} from '../api/handler-contexts';
import type { StompAuthenticator } from '../api/stomp-authenticator';
import { RouteTable } from '../routing/route-table';

/** A SEND destination's handler and the optional check that may refuse a frame before any work. */
export interface SendRoute {
  readonly handler: SendHandler;
  readonly validate?: SendValidator;
}

/**
 * What the application plugs into a server: SEND handlers, SUBSCRIBE authorizers and
 * UNSUBSCRIBE hooks by destination pattern, session hooks and the optional authenticator. The Nest module fills it
 * from `@StompController` providers; plain code (benchmarks) can fill it directly.
 */
export class StompHandlers {
  readonly send = new RouteTable<SendRoute>();
  readonly subscribe = new RouteTable<SubscribeHandler>();
  readonly unsubscribe = new RouteTable<UnsubscribeHandler>();
  readonly connectHooks: SessionHook[] = [];
  readonly disconnectHooks: SessionHook[] = [];
  authenticator: StompAuthenticator | undefined;

  onSend(pattern: string, handler: SendHandler, validate?: SendValidator): this {
    this.send.add(pattern, { handler, validate });
    return this;
  }

  onSubscribe(pattern: string, handler: SubscribeHandler): this {
    this.subscribe.add(pattern, handler);
    return this;
  }

  onUnsubscribe(pattern: string, handler: UnsubscribeHandler): this {
    this.unsubscribe.add(pattern, handler);
    return this;
  }

  onConnect(hook: SessionHook): this {
    this.connectHooks.push(hook);
    return this;
  }

  onDisconnect(hook: SessionHook): this {
    this.disconnectHooks.push(hook);
    return this;
  }
}
