import type { IncomingMessage, Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { INestApplication } from '@nestjs/common';
import { Module } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import {
  OnConnect,
  OnDisconnect,
  OnSend,
  OnSubscribe,
  OnUnsubscribe,
  StompAuthenticator,
  StompBroker,
  StompController,
  StompError,
  StompModule,
  type SendContext,
  type StompModuleOptions,
  type StompSession,
  type SubscribeContext,
  type SubscribeResult,
  type UnsubscribeContext,
} from '@playlist-chat/stomp';

export interface Principal {
  readonly user: string;
}

/** What the test controller saw, and hooks a test may set to change what it does. */
export class Probe {
  readonly sent: {
    destination: string;
    params: Record<string, string>;
    body: string;
    headers: Record<string, string>;
  }[] = [];
  readonly connected: string[] = [];
  readonly disconnected: string[] = [];
  /** Every `@OnUnsubscribe('/topic/{name}')` call, in order. */
  readonly unsubscribed: {
    user: string;
    destination: string;
    params: Record<string, string>;
    subscriptionId: string;
    headers: Record<string, string>;
  }[] = [];
  /** Runs inside `@OnSend('/app/hook')`. */
  onHook: (ctx: SendContext<Principal>) => unknown = () => undefined;
  /** Runs inside `@OnSubscribe('/topic/{name}')`. */
  onSubscribe: (
    ctx: SubscribeContext<Principal>,
  ) => void | SubscribeResult | Promise<void | SubscribeResult> = () => undefined;
  /** Runs inside `@OnUnsubscribe('/topic/{name}')`, after the call was recorded. */
  onUnsubscribe: (ctx: UnsubscribeContext<Principal>) => unknown = () => undefined;
}

class TestAuthenticator extends StompAuthenticator<Principal> {
  override checkUpgrade(request: IncomingMessage): string | undefined {
    return request.url?.includes('deny=1') ? 'denied by test' : undefined;
  }

  async authenticate(headers: Readonly<Record<string, string>>): Promise<Principal> {
    if (headers.login === 'intruder') throw new StompError('unauthenticated', 'unknown user');
    return { user: headers.login ?? 'anonymous' };
  }

  userKey(principal: Principal): string {
    return principal.user;
  }
}

@StompController()
class TestStompController {
  constructor(
    private readonly probe: Probe,
    private readonly broker: StompBroker,
  ) {}

  /** Publishes the body to `/topic/{room}`. */
  @OnSend('/app/publish/{room}')
  publish(ctx: SendContext<Principal>): void {
    this.broker.publish(`/topic/${ctx.params.room}`, {
      body: ctx.body,
      contentType: ctx.headers['content-type'],
    });
  }

  /** Records the frame. */
  @OnSend('/app/record/{key}')
  record(ctx: SendContext<Principal>): void {
    this.probe.sent.push({
      destination: ctx.destination,
      params: ctx.params,
      body: ctx.text(),
      headers: { ...ctx.headers },
    });
  }

  /** The validator makes a transaction holding a non-JSON SEND here refuse its COMMIT whole. */
  @OnSend('/app/json', { validate: (ctx) => ctx.json() })
  json(ctx: SendContext<Principal>): void {
    const value = ctx.json<{ text: string }>();
    this.probe.sent.push({ destination: ctx.destination, params: {}, body: value.text, headers: {} });
  }

  @OnSend('/app/refuse')
  refuse(): void {
    throw new StompError('refused', 'not allowed here', 'longer explanation');
  }

  @OnSend('/app/crash')
  async crash(): Promise<void> {
    await Promise.resolve();
    throw new Error('database exploded');
  }

  @OnSend('/app/hook')
  hook(ctx: SendContext<Principal>): unknown {
    return this.probe.onHook(ctx);
  }

  @OnSend('/app/to-user/{user}')
  toUser(ctx: SendContext<Principal>): void {
    this.broker.sendToUser(ctx.params.user, '/user/queue/events', { body: ctx.text() });
  }

  @OnSubscribe('/topic/{name}')
  canSubscribe(ctx: SubscribeContext<Principal>): void | SubscribeResult | Promise<void | SubscribeResult> {
    if (ctx.params.name === 'forbidden')
      throw new StompError('forbidden', `${ctx.session.principal.user} may not subscribe`);
    return this.probe.onSubscribe(ctx);
  }

  @OnUnsubscribe('/topic/{name}')
  unsubscribed(ctx: UnsubscribeContext<Principal>): unknown {
    const { destination, params, subscriptionId, headers } = ctx;
    this.probe.unsubscribed.push({
      user: ctx.session.principal.user,
      destination,
      params,
      subscriptionId,
      headers: { ...headers },
    });
    return this.probe.onUnsubscribe(ctx);
  }

  @OnConnect()
  hello(session: StompSession<Principal>): void {
    this.probe.connected.push(session.principal.user);
  }

  @OnDisconnect()
  gone(session: StompSession<Principal>): void {
    this.probe.disconnected.push(session.principal.user);
  }
}

export interface TestApp {
  readonly app: INestApplication;
  readonly url: string;
  readonly port: number;
  readonly probe: Probe;
  readonly broker: StompBroker;
  close(): Promise<void>;
}

/** A Nest app on 127.0.0.1 (random port) with StompModule at `/ws` and the test controller. */
export async function startTestApp(options: Partial<StompModuleOptions> = {}): Promise<TestApp> {
  const probe = new Probe();

  @Module({
    imports: [StompModule.forRoot({ path: '/ws', heartbeat: { outgoingMs: 0, incomingMs: 0 }, ...options })],
    providers: [
      { provide: Probe, useValue: probe },
      { provide: StompAuthenticator, useClass: TestAuthenticator },
      TestStompController,
    ],
  })
  class TestModule {}

  const app = await NestFactory.create(TestModule, { logger: false });
  await app.listen(0, '127.0.0.1');
  const address = (app.getHttpServer() as Server).address() as AddressInfo;
  return {
    app,
    probe,
    port: address.port,
    url: `ws://127.0.0.1:${address.port}/ws`,
    broker: app.get(StompBroker),
    close: () => app.close(),
  };
}
