import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  TokenIssuer,
  type Clock,
  type Env,
  type RunningService,
  type TokenRequest,
} from '@playlist-chat/platform';
import { startChatServer, type PresenceQueries } from '@playlist-chat/chat-server';
import { startPresenceServer } from '@playlist-chat/presence-server';
import { Api } from './http';
import { samplePlaylist, type SamplePlaylist } from './playlist';
import type { RoomView } from './shapes';
import { TestStompClient, type ConnectOptions } from './stomp-client';

export const TEST_SECRET = 'test-secret-that-is-long-enough-for-hs256-0123456789';

export interface TestUser {
  readonly uid: string;
  readonly nickName: string;
  readonly profileImage: string;
  readonly token: string;
  readonly api: Api;
}

/** How a chat server started with a presence server asks it (`ChatServerOptions.presence`). */
export type PresenceLookupKind = 'http' | 'in-process';

export const freshDataDir = (): string => mkdtempSync(join(tmpdir(), 'chat-test-'));

/** Tokens signed with the test secret, like the identity provider would. */
export const testIssuer = new TokenIssuer({
  hmacSecret: new TextEncoder().encode(TEST_SECRET),
  rsaPublicKey: null,
  issuer: null,
  clockToleranceSeconds: 0,
});

/**
 * A chat server on an ephemeral port with its own data folder, plus factories for users,
 * rooms and STOMP clients. Defaults are the product's; a test overrides what it is about.
 */
export class TestChatServer {
  private userCounter = 0;
  private readonly clients: TestStompClient[] = [];

  private constructor(
    readonly server: RunningService,
    readonly dataDir: string,
    readonly env: Env,
    /** The presence server beside it, when started with `presence` (closed with it). */
    readonly presenceServer: RunningService | undefined,
    private readonly clock: Clock | undefined,
    /** False for a second instance on another's data folder: the first one removes it. */
    private readonly ownsData = true,
  ) {}

  /**
   * A chat server, by default on its own (`CHAT_PRESENCE=none`: these suites are about chat,
   * and a presence server would add PRESENCE messages to every room they watch). With
   * `presence`, a presence server is started first, in-process like `npm start` does (shared
   * bus and registry, same clock), and the chat server follows it (`CHAT_PRESENCE=server`),
   * asking it over HTTP, or directly with `presenceLookup: 'in-process'` as the single node does.
   */
  static async start(
    overrides: Env = {},
    options: {
      clock?: Clock;
      dataDir?: string;
      presence?: Env;
      presenceLookup?: PresenceLookupKind;
      /** Asked in process instead of a presence server (with `CHAT_PRESENCE=server` in `overrides`). */
      presenceService?: PresenceQueries;
    } = {},
  ): Promise<TestChatServer> {
    const dataDir = options.dataDir ?? freshDataDir();
    const env: Env = {
      CHAT_PORT: '0',
      CHAT_HOST: '127.0.0.1',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: TEST_SECRET,
      LOG_LEVEL: 'error',
      CHAT_PRESENCE: options.presence ? 'server' : 'none',
      ...overrides,
    };
    const presence = options.presence
      ? await startPresenceServer(
          { ...env, PRESENCE_PORT: '0', PRESENCE_SWEEP_INTERVAL_MS: '20', ...options.presence },
          { clock: options.clock },
        )
      : undefined;
    try {
      const server = await startChatServer(env, {
        clock: options.clock,
        presence:
          options.presenceService ??
          (options.presenceLookup === 'in-process' ? presence?.service : undefined),
      });
      return new TestChatServer(server, dataDir, env, presence, options.clock);
    } catch (error) {
      await presence?.close();
      throw error;
    }
  }

  /**
   * Another chat-server instance on the same data folder, bus, fan-out, registry and clock:
   * two instances of a cluster, in one process. It uses this one's presence server.
   */
  async startAnother(overrides: Env = {}): Promise<TestChatServer> {
    const env = { ...this.env, ...overrides };
    const server = await startChatServer(env, { clock: this.clock });
    return new TestChatServer(server, this.dataDir, env, undefined, this.clock, false);
  }

  get url(): string {
    return this.server.url;
  }

  /** The presence server's REST API as `user` (needs `presence`). */
  presenceApi(user: TestUser): Api {
    if (!this.presenceServer) throw new Error('started without a presence server');
    return new Api(this.presenceServer.url, user.token);
  }

  get wsUrl(): string {
    return `${this.server.url.replace(/^http/, 'ws')}/ws-chat`;
  }

  get anonymous(): Api {
    return new Api(this.url);
  }

  async user(request: Partial<TokenRequest> = {}): Promise<TestUser> {
    this.userCounter += 1;
    const uid = request.uid ?? `u-${this.userCounter}-${Math.random().toString(36).slice(2, 8)}`;
    const nickName = request.nickName ?? `User ${this.userCounter}`;
    const profileImage = request.profileImage ?? `https://img.example.com/${uid}.png`;
    const token = await testIssuer.issue({ uid, nickName, profileImage, scopes: request.scopes }, 3600);
    return { uid, nickName, profileImage, token, api: new Api(this.url, token) };
  }

  /** Opens a room as `owner` (who joins first); returns the room response. */
  async createRoom(owner: TestUser, playlist: SamplePlaylist = samplePlaylist()): Promise<RoomView> {
    const response = await owner.api.post<RoomView>('/v1/api/rooms/create', {
      uid: owner.uid,
      userName: owner.nickName,
      playlist,
    });
    if (response.status !== 201)
      throw new Error(`create room: ${response.status} ${JSON.stringify(response.body)}`);
    return response.body;
  }

  async connect(user: TestUser | undefined, options: ConnectOptions = {}): Promise<TestStompClient> {
    const client = await TestStompClient.connect(this.wsUrl, user?.token, options);
    this.clients.push(client);
    return client;
  }

  /** A connected member of `roomId` (joined over STOMP). */
  async member(roomId: string, user?: TestUser): Promise<{ user: TestUser; client: TestStompClient }> {
    const member = user ?? (await this.user());
    const client = await this.connect(member);
    await client.send('/chat/pub/join', { roomId });
    return { user: member, client };
  }

  /** Stops the server; `keepData` leaves the folder for a restart. */
  async close({ keepData = false } = {}): Promise<void> {
    await Promise.allSettled(this.clients.map((client) => client.disconnect()));
    await this.server.close();
    await this.presenceServer?.close();
    if (!keepData && this.ownsData) rmSync(this.dataDir, { recursive: true, force: true });
  }
}
