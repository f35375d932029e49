import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { SubscribeHandler } from '../api/handler-contexts';
import { StompAuthenticator } from '../api/stomp-authenticator';
import type { StompHandlers } from '../server/stomp-handlers';
import { STOMP_CONTROLLER, STOMP_ROUTES, type StompRoute } from './stomp.decorators';

/** Finds `@StompController` providers and the app's `StompAuthenticator` in the Nest container. */
@Injectable()
export class StompExplorer {
  constructor(
    private readonly discovery: DiscoveryService,
    private readonly scanner: MetadataScanner,
  ) {}

  /** Registers every discovered handler into `handlers`; throws on two handlers for one pattern. */
  explore(handlers: StompHandlers): void {
    const seen = new Set<object>();
    const authenticators = new Set<StompAuthenticator>();
    for (const wrapper of [...this.discovery.getProviders(), ...this.discovery.getControllers()]) {
      const instance: unknown = wrapper.instance;
      if (
        !instance ||
        typeof instance !== 'object' ||
        seen.has(instance) ||
        !wrapper.isDependencyTreeStatic()
      )
        continue;
      seen.add(instance);
      if (wrapper.token === StompAuthenticator || instance instanceof StompAuthenticator)
        authenticators.add(instance as StompAuthenticator);
      if (Reflect.getMetadata(STOMP_CONTROLLER, instance.constructor)) this.register(instance, handlers);
    }
    if (authenticators.size > 1) {
      throw new Error(
        `More than one StompAuthenticator provider: ${[...authenticators].map((a) => a.constructor.name).join(', ')}`,
      );
    }
    handlers.authenticator = [...authenticators][0];
  }

  private register(instance: object, handlers: StompHandlers): void {
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const method = prototype[name];
      if (typeof method !== 'function') continue;
      const routes = (Reflect.getMetadata(STOMP_ROUTES, method) as StompRoute[] | undefined) ?? [];
      const bound = (method as (...args: unknown[]) => unknown).bind(instance);
      for (const route of routes) {
        switch (route.kind) {
          case 'send':
            handlers.onSend(route.pattern, bound, route.validate);
            break;
          case 'subscribe':
            handlers.onSubscribe(route.pattern, bound as SubscribeHandler);
            break;
          case 'unsubscribe':
            handlers.onUnsubscribe(route.pattern, bound);
            break;
          case 'connect':
            handlers.onConnect(bound);
            break;
          case 'disconnect':
            handlers.onDisconnect(bound);
            break;
        }
      }
    }
  }
}
