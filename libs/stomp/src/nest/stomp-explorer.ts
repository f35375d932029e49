import 'reflect-metadata';
import { Injectable } from '@nestjs/common';
import { DiscoveryService, MetadataScanner } from '@nestjs/core';
import type { SubscribeHandler } from '../api/handler-contexts';
import { StompAuthenticator } from '../api/stomp-authenticator';
import { StompExceptionFilter } from '../api/stomp-exception-filter';
import type { StompHandlers } from '../server/stomp-handlers';
import { STOMP_CONTROLLER, STOMP_ROUTES, type StompRoute } from './stomp.decorators';

type Handler = (...args: never[]) => unknown;

/** `handler`, with what it throws passed through the app's exception filter. */
function filtered<H extends Handler>(handler: H, filter: StompExceptionFilter | undefined): H {
  if (!filter) return handler;
  return (async (...args: Parameters<H>) => {
    try {
      return await handler(...args);
    } catch (error) {
      throw filter.catch(error);
    }
  }) as H;
}

/**
 * Finds `@StompController` providers, the app's `StompAuthenticator` and its
 * `StompExceptionFilter` in the Nest container.
 */
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
    const filters = new Set<StompExceptionFilter>();
    const controllers: object[] = [];
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
      if (wrapper.token === StompExceptionFilter || instance instanceof StompExceptionFilter)
        filters.add(instance as StompExceptionFilter);
      if (Reflect.getMetadata(STOMP_CONTROLLER, instance.constructor)) controllers.push(instance);
    }
    if (filters.size > 1) {
      throw new Error(
        `More than one StompExceptionFilter provider: ${[...filters].map((f) => f.constructor.name).join(', ')}`,
      );
    }
    const filter = [...filters][0];
    for (const instance of controllers) this.register(instance, handlers, filter);
    if (authenticators.size > 1) {
      throw new Error(
        `More than one StompAuthenticator provider: ${[...authenticators].map((a) => a.constructor.name).join(', ')}`,
      );
    }
    handlers.authenticator = [...authenticators][0];
  }

  private register(
    instance: object,
    handlers: StompHandlers,
    filter: StompExceptionFilter | undefined,
  ): void {
    const prototype = Object.getPrototypeOf(instance) as Record<string, unknown>;
    for (const name of this.scanner.getAllMethodNames(prototype)) {
      const method = prototype[name];
      if (typeof method !== 'function') continue;
      const routes = (Reflect.getMetadata(STOMP_ROUTES, method) as StompRoute[] | undefined) ?? [];
      const bound = filtered((method as (...args: unknown[]) => unknown).bind(instance), filter);
      for (const route of routes) {
        switch (route.kind) {
          case 'send':
            // The validator runs with the controller as `this`, so it can use its services.
            handlers.onSend(
              route.pattern,
              bound,
              route.validate && filtered(route.validate.bind(instance), filter),
            );
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
