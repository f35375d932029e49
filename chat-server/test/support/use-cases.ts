import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { INestApplication, Type } from '@nestjs/common';
import { Test } from '@nestjs/testing';
import type { Identity } from '@playlist-chat/platform';
import { ManualClock } from '@playlist-chat/platform';
import { ChatModule } from '../../src/app/chat.module';
import { loadChatConfig } from '../../src/config/load-config';
import { ChatEvents, type ChatEvent } from '../../src/domain-events/chat-events';
import { RoomsService } from '../../src/rooms/rooms.service';

/**
 * The chat server's module graph, initialised but not listening: in-memory bus, fan-out and
 * registry, SQLite in a temp folder, no presence server, a manual clock. For use-case specs
 * (`*.spec.ts` beside the code): call services directly, watch what they tell as chat events.
 */
export class UseCaseApp {
  readonly events: ChatEvent[] = [];

  private constructor(
    private readonly app: INestApplication,
    private readonly dataDir: string,
    readonly clock: ManualClock,
  ) {
    const chatEvents = app.get(ChatEvents);
    for (const type of [
      'room.opened',
      'room.closed',
      'member.joined',
      'member.exited',
      'member.left',
    ] as const)
      chatEvents.on(type, (event) => void this.events.push(event));
  }

  static async start(env: Record<string, string> = {}): Promise<UseCaseApp> {
    const dataDir = mkdtempSync(join(tmpdir(), 'chat-spec-'));
    const clock = new ManualClock('2026-03-01T12:00:00.000Z');
    const { config, storage } = loadChatConfig({
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: 'spec-secret-that-is-long-enough-for-hs256-0123456789',
      LOG_LEVEL: 'silent',
      ...env,
    });
    const module = await Test.createTestingModule({
      imports: [ChatModule.forRoot({ config, storage, clock })],
    }).compile();
    const app = module.createNestApplication({ logger: false });
    await app.init();
    return new UseCaseApp(app, dataDir, clock);
  }

  get<T>(type: Type<T> | (abstract new (...args: never[]) => T)): T {
    return this.app.get(type);
  }

  /** Opens a room owned by `owner` (who joins it) and returns its id. */
  async room(owner: Identity, name = 'Spec playlist'): Promise<string> {
    const { room } = await this.get(RoomsService).create(owner, {
      uid: owner.uid,
      userName: owner.nickName,
      playlist: {
        id: `playlist-${Math.random().toString(36).slice(2)}`,
        name,
        musics: [{ title: 'Song', artist: 'Band', playtime: '3:00', thumbnail: 'https://img.test/1.png' }],
      },
    });
    return room.id;
  }

  async close(): Promise<void> {
    await this.app.close();
    rmSync(this.dataDir, { recursive: true, force: true });
  }
}

export const person = (uid: string): Identity => ({
  uid,
  nickName: `nick-${uid}`,
  profileImage: null,
  scopes: [],
});
