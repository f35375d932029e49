import type { Server } from 'node:http';
import {
  Injectable,
  Logger,
  type BeforeApplicationShutdown,
  type OnApplicationBootstrap,
  type OnApplicationShutdown,
} from '@nestjs/common';
import { HttpAdapterHost } from '@nestjs/core';
import { StompServer } from '../server/stomp-server';
import { StompExplorer } from './stomp-explorer';

/** Ties the STOMP server to the Nest app's lifecycle and HTTP server. */
@Injectable()
export class StompEndpoint
  implements OnApplicationBootstrap, BeforeApplicationShutdown, OnApplicationShutdown
{
  private readonly logger = new Logger('Stomp');

  constructor(
    private readonly server: StompServer,
    private readonly explorer: StompExplorer,
    private readonly adapterHost: HttpAdapterHost,
  ) {}

  onApplicationBootstrap(): void {
    this.explorer.explore(this.server.handlers);
    const httpServer = this.adapterHost.httpAdapter?.getHttpServer() as Server | undefined;
    if (!httpServer)
      throw new Error('StompModule needs an HTTP application (NestFactory.create), not a standalone context');
    this.server.attach(httpServer);
    const { send, subscribe } = this.server.handlers;
    this.logger.log(
      `STOMP endpoint ${this.server.path}: ${send.size} SEND handler(s), ${subscribe.size} SUBSCRIBE authorizer(s)`,
    );
  }

  /**
   * Sessions are closed before Nest closes the HTTP server: an upgraded socket still counts as
   * an open connection of that server, so `server.close()` would otherwise wait for every client.
   */
  async beforeApplicationShutdown(): Promise<void> {
    await this.server.close();
  }

  async onApplicationShutdown(): Promise<void> {
    await this.server.close(); // no-op when already closed; covers contexts closed without the hook above
  }
}
