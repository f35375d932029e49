import 'reflect-metadata';
import { applyDecorators, Injectable } from '@nestjs/common';
import type { SendValidator } from '../api/handler-contexts';

export const STOMP_CONTROLLER = 'playlist-chat:stomp-controller';
export const STOMP_ROUTES = 'playlist-chat:stomp-routes';

export type StompRoute =
  | { kind: 'send'; pattern: string; validate?: SendValidator }
  | { kind: 'subscribe' | 'unsubscribe'; pattern: string }
  | { kind: 'connect' | 'disconnect' };

export interface OnSendOptions {
  /**
   * Checks a frame without doing its work (for example, parses the payload). Runs before the
   * handler, and before COMMIT runs any frame of a transaction, so a bad frame refuses the
   * COMMIT whole. It is called with the controller instance as `this` (declare
   * `this: MyController` to use the controller's services), and gets the `SendContext`.
   */
  readonly validate?: SendValidator;
}

/** Marks a provider whose methods handle STOMP frames (found at bootstrap by discovery). */
export function StompController(): ClassDecorator {
  return applyDecorators(Injectable(), (target: object) =>
    Reflect.defineMetadata(STOMP_CONTROLLER, true, target),
  );
}

function route(value: StompRoute): MethodDecorator {
  return (_target, _key, descriptor) => {
    const method = descriptor.value as object;
    const routes = (Reflect.getMetadata(STOMP_ROUTES, method) as StompRoute[] | undefined) ?? [];
    Reflect.defineMetadata(STOMP_ROUTES, [...routes, value], method);
    return descriptor;
  };
}

/** Handles SEND frames to `pattern` (exact, or with `{param}` segments). Receives a `SendContext`. */
export function OnSend(pattern: string, options: OnSendOptions = {}): MethodDecorator {
  return route({ kind: 'send', pattern, validate: options.validate });
}

/** Authorizes SUBSCRIBE to `pattern`; throw to refuse, return `SubscribeResult` to replay. Receives a `SubscribeContext`. */
export function OnSubscribe(pattern: string): MethodDecorator {
  return route({ kind: 'subscribe', pattern });
}

/**
 * Runs after an UNSUBSCRIBE frame removed a subscription whose destination matches `pattern`
 * (exact, or with `{param}` segments), before the RECEIPT. Receives an `UnsubscribeContext`.
 * Not called for subscriptions that end with their session (`@OnDisconnect` covers those), nor
 * for a SUBSCRIBE its `@OnSubscribe` refused.
 */
export function OnUnsubscribe(pattern: string): MethodDecorator {
  return route({ kind: 'unsubscribe', pattern });
}

/** Runs after CONNECTED was sent, before the session's next frame. Receives the `StompSession`. */
export function OnConnect(): MethodDecorator {
  return route({ kind: 'connect' });
}

/** Runs after a connected session ends, for any reason. Receives the `StompSession`. */
export function OnDisconnect(): MethodDecorator {
  return route({ kind: 'disconnect' });
}
