import 'reflect-metadata';
import type { DynamicModule, Provider, Type } from '@nestjs/common';
import { STOMP_CONTROLLER, STOMP_ROUTES, type StompRoute } from '@playlist-chat/stomp';
import { ChatModule } from '../../chat-server/src/app/chat.module';
import { loadChatConfig } from '../../chat-server/src/config/load-config';
import { CHAT_ERRORS } from '../../chat-server/src/errors/chat-error';
import { USER_EVENTS } from '../../chat-server/src/delivery/destinations';
import { TypeShapes } from './type-shapes';

/** A destination pattern the chat server handles, and which frame it handles there. */
export interface StompDestination {
  readonly kind: 'send' | 'subscribe' | 'unsubscribe';
  readonly pattern: string;
  /** `Class.method`, for messages. */
  readonly handler: string;
}

type ModuleImport = NonNullable<DynamicModule['imports']>[number];

const isClass = (value: unknown): value is Type => typeof value === 'function';

/** Every class a module tree instantiates as a provider or controller (as Nest's discovery sees them). */
function classesOf(root: DynamicModule): Type[] {
  const found = new Set<Type>();
  const visited = new Set<unknown>();
  const visit = (entry: ModuleImport | undefined): void => {
    if (!entry || visited.has(entry)) return;
    visited.add(entry);
    if (isClass(entry)) {
      const metadata = (key: string) => (Reflect.getMetadata(key, entry) as unknown[] | undefined) ?? [];
      (metadata('providers') as Provider[]).forEach(addProvider);
      (metadata('controllers') as Type[]).forEach((controller) => found.add(controller));
      (metadata('imports') as ModuleImport[]).forEach(visit);
      return;
    }
    if ('module' in entry) {
      visit(entry.module);
      (entry.providers ?? []).forEach(addProvider);
      (entry.controllers ?? []).forEach((controller) => found.add(controller));
      (entry.imports ?? []).forEach(visit);
    }
  };
  const addProvider = (provider: Provider): void => {
    if (isClass(provider)) found.add(provider);
    else if ('useClass' in provider) found.add(provider.useClass);
  };
  visit(root);
  return [...found];
}

/**
 * The destinations the chat server's STOMP handlers are registered for, read from the
 * `@OnSend`/`@OnSubscribe`/`@OnUnsubscribe` metadata of every `@StompController` in the chat
 * module, as the STOMP explorer registers them at start-up (product defaults).
 */
export function chatStompDestinations(): StompDestination[] {
  // Building the module only declares it: nothing is opened or started.
  const { config, storage } = loadChatConfig({ DEPLOYMENT_MODE: 'single' });
  const controllers = classesOf(ChatModule.forRoot({ config, storage })).filter(
    (type) => Reflect.getMetadata(STOMP_CONTROLLER, type) === true,
  );
  if (controllers.length === 0) throw new Error('the chat module registers no @StompController');
  return controllers.flatMap((controller) =>
    methodsOf(controller).flatMap(([name, method]) => {
      const routes = (Reflect.getMetadata(STOMP_ROUTES, method) as StompRoute[] | undefined) ?? [];
      return routes.flatMap((route) =>
        'pattern' in route
          ? [{ kind: route.kind, pattern: route.pattern, handler: `${controller.name}.${name}` }]
          : [],
      );
    }),
  );
}

/** Own and inherited methods, as Nest's MetadataScanner finds them. */
function methodsOf(type: Type): [string, object][] {
  const methods = new Map<string, object>();
  for (
    let prototype = type.prototype as object | null;
    prototype && prototype !== Object.prototype;
    prototype = Object.getPrototypeOf(prototype) as object | null
  ) {
    for (const name of Object.getOwnPropertyNames(prototype)) {
      const value = Object.getOwnPropertyDescriptor(prototype, name)?.value as unknown;
      if (name !== 'constructor' && typeof value === 'function' && !methods.has(name))
        methods.set(name, value);
    }
  }
  return [...methods];
}

/** Personal events: a `/user/...` destination the STOMP library lets any session subscribe to. */
export const userEventsDestination = USER_EVENTS;

/** The chat server's own error codes (the catalogue both REST and STOMP refusals come from). */
export const chatErrorCodes = (): string[] => Object.keys(CHAT_ERRORS).sort();

const stompErrorCodesFile = 'libs/stomp/src/api/error-codes.ts';

/** The codes the STOMP library itself puts on ERROR frames (a compile-time union, read by the type checker). */
export const stompLibraryErrorCodes = (shapes: TypeShapes): string[] =>
  shapes.stringLiterals(stompErrorCodesFile, 'StompErrorCode');

/** Sources whose types describe the STOMP API: load them once into one `TypeShapes`. */
export const stompTypeSources = [
  stompErrorCodesFile,
  'libs/contracts/src/chat-message.ts',
  'chat-server/src/delivery/user-events.ts',
  'chat-server/src/messages/dto/message-payloads.dto.ts',
] as const;
