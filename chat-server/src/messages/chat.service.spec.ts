import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { person, UseCaseApp } from '../../test/support/use-cases';
import { MessageStore } from '../message-store/message-store.port';
import { RoomStore } from '../room-store/room-store.port';
import { MembershipService, profileOf } from '../rooms/membership.service';
import { ChatService } from './chat.service';

describe('ChatService', () => {
  let app: UseCaseApp;
  let chat: ChatService;
  let roomId: string;
  const owner = person('owner');

  beforeEach(async () => {
    app = await UseCaseApp.start({ CHAT_MAX_CONTENT_LENGTH: '10' });
    chat = app.get(ChatService);
    roomId = await app.room(owner);
  });

  afterEach(() => app.close());

  it('stores a line once per client message id: a resend returns the stored line', async () => {
    const first = await chat.send(owner, { roomId, clientMessageId: 'c-1', content: 'hello' });
    const again = await chat.send(owner, { roomId, clientMessageId: 'c-1', content: 'hello' });
    expect(again.messageId).toBe(first.messageId);
    const talk = (await app.get(MessageStore).listAfter(roomId, null, 10)).filter(
      (line) => line.type === 'TALK',
    );
    expect(talk).toHaveLength(1);
  });

  it("moves the sender's read position to their own line", async () => {
    const line = await chat.send(owner, { roomId, clientMessageId: 'c-1', content: 'hi' });
    expect((await app.get(RoomStore).membership(roomId, 'owner'))?.member?.lastReadMessageId).toBe(
      line.messageId,
    );
  });

  it('refuses a non-member and an over-long line, storing nothing', async () => {
    await expect(
      chat.send(person('stranger'), { roomId, clientMessageId: 'c-2', content: 'hi' }),
    ).rejects.toMatchObject({
      code: 'not-a-member',
    });
    await expect(
      chat.send(owner, { roomId, clientMessageId: 'c-3', content: 'x'.repeat(11) }),
    ).rejects.toMatchObject({
      code: 'content-too-long',
    });
    const talk = (await app.get(MessageStore).listAfter(roomId, null, 10)).filter(
      (line) => line.type === 'TALK',
    );
    expect(talk).toEqual([]);
  });

  it('counts the limit in characters (code points), not UTF-16 units', async () => {
    // Ten notes are twenty UTF-16 units: within a limit of 10 characters; eleven are not.
    const ten = await chat.send(owner, { roomId, clientMessageId: 'c-4', content: '🎵'.repeat(10) });
    expect(ten.content).toBe('🎵'.repeat(10));
    await expect(
      chat.send(owner, { roomId, clientMessageId: 'c-5', content: '🎵'.repeat(11) }),
    ).rejects.toMatchObject({ code: 'content-too-long', message: expect.stringContaining('11 characters') });
  });

  it('re-entry lists what came after my read position, and what plays now', async () => {
    const bo = person('bo');
    await app.get(ChatService).send(owner, { roomId, clientMessageId: 'c-1', content: 'one' });
    await app.get(MembershipService).join(roomId, profileOf(bo));
    await chat.send(owner, { roomId, clientMessageId: 'c-2', content: 'two' });
    app.clock.advance(61_000);
    const view = await chat.reentry(bo, roomId);
    expect(view.messages.map((line) => line.content)).toEqual(['two']);
    expect(view.nowPlaying).toMatchObject({ trackIndex: 0 });
  });
});
