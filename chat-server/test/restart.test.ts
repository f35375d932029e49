import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { sharedInMemoryServiceRegistry } from '@playlist-chat/platform/adapters';
import { expectEventually } from '@playlist-chat/platform/testing';
import { freshDataDir, TestChatServer } from './support/chat-server';
import { Api, historyOf } from './support/http';
import { TestStompClient } from './support/stomp-client';
import type { ChatMessage, RoomSummaryView, RoomView } from './support/shapes';

describe('restart on the same DATA_DIR', () => {
  let running: TestChatServer | undefined;
  afterEach(() => running?.close());

  it('keeps rooms, members, read positions and messages; tokens from the generated secret stay valid', async () => {
    const dataDir = freshDataDir();
    // No AUTH_JWT_SECRET: single node generates one into DATA_DIR and keeps it.
    const noSecret = { AUTH_JWT_SECRET: '' };
    const first = await TestChatServer.start(noSecret, { dataDir });
    const token = (
      await first.anonymous.post<{ accessToken: string }>('/v1/api/auth/dev-token', {
        uid: 'ann',
        nickName: 'Ann',
      })
    ).body.accessToken;
    const ann = new Api(first.url, token);
    const room = (
      await ann.post<RoomView>('/v1/api/rooms/create', {
        uid: 'ann',
        userName: 'Ann',
        playlist: {
          id: 'pl-r',
          name: 'Restart mix',
          musics: [{ title: 'T', artist: 'A', playtime: '3:00', thumbnail: 'https://img.example.com/t.jpg' }],
        },
      })
    ).body;
    const sent: ChatMessage[] = [];
    for (const content of ['one', 'two', 'three'])
      sent.push(
        (
          await ann.post<ChatMessage>('/v1/api/chat/api/v1/message', {
            roomId: room.id,
            clientMessageId: content,
            content,
          })
        ).body,
      );
    // Her own last line is her read position already; an older one given on leave cannot move it back.
    await ann.put('/v1/api/rooms/leave', { roomId: room.id, lastReadMessageId: sent[1].messageId });
    expect(existsSync(join(dataDir, 'auth-secret'))).toBe(true);
    await first.close({ keepData: true });

    running = await TestChatServer.start(noSecret, { dataDir });
    const again = new Api(running.url, token);
    const info = await again.get<RoomView>(`/v1/api/rooms/${room.id}`);
    expect(info.status).toBe(200);
    expect(info.body).toMatchObject({
      id: room.id,
      roomName: 'Restart mix',
      userCount: 1,
      playlist: room.playlist,
    });
    expect(info.body.users.ann.lastReadMessageId).toBe(sent[2].messageId);
    expect((await historyOf(again, room.id)).filter((line) => line.type === 'TALK')).toEqual(sent);
    expect((await again.get<RoomSummaryView[]>('/v1/api/rooms/joined')).body).toEqual([
      expect.objectContaining({ id: room.id, unreadCount: 0 }),
    ]);
    // Message ids keep growing after the restart, and a resend of a stored id is still a no-op.
    const next = await again.post<ChatMessage>('/v1/api/chat/api/v1/message', {
      roomId: room.id,
      clientMessageId: 'four',
      content: 'four',
    });
    expect(next.body.messageId! > sent[2].messageId!).toBe(true);
    expect(
      (
        await again.post('/v1/api/chat/api/v1/message', {
          roomId: room.id,
          clientMessageId: 'one',
          content: 'one',
        })
      ).body,
    ).toEqual(sent[0]);
    await expectEventually(async () =>
      expect((await fetch(`${running!.url}/health/ready`)).status).toBe(200),
    );
  });

  it('shuts down gracefully: every line that got a RECEIPT is stored, clients are told, discovery forgets it', async () => {
    const dataDir = freshDataDir();
    const first = await TestChatServer.start({ CHAT_SEND_RATE_LIMIT: '1000' }, { dataDir });
    const owner = await first.user();
    const room = await first.createRoom(owner);
    const client = await TestStompClient.connect(first.wsUrl, owner.token); // not closed by first.close(): the server does it
    const receipted: string[] = [];
    const sends = Array.from({ length: 40 }, (_, index) =>
      client
        .send('/chat/pub/send', { roomId: room.id, clientMessageId: `g-${index}`, content: `line ${index}` })
        .then(
          () => receipted.push(`g-${index}`),
          () => undefined,
        ),
    );
    await expectEventually(() => receipted.length > 0); // close while the rest are in flight
    await first.close({ keepData: true });
    await Promise.all(sends);
    await client.closed;
    expect(client.errors.map((frame) => frame.headers.code)).toContain('server-shutting-down');
    expect(
      (await sharedInMemoryServiceRegistry().healthy('chat-server')).map((instance) => instance.port),
    ).not.toContain(first.server.port);

    running = await TestChatServer.start({}, { dataDir });
    const stored = (await historyOf(owner.api.at(running.url), room.id)).map((line) => line.clientMessageId);
    for (const id of receipted) expect(stored).toContain(id);
  });
});
