import { decodeJwt } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TestChatServer, testIssuer } from './support/chat-server';

describe('a STOMP session ends when its access token does', () => {
  let chat: TestChatServer;
  const toleranceSeconds = 1;

  beforeAll(async () => {
    chat = await TestChatServer.start({ AUTH_CLOCK_TOLERANCE_SECONDS: String(toleranceSeconds) });
  });
  afterAll(() => chat.close());

  it('sends ERROR token-expired and closes once exp plus the clock tolerance has passed; other sessions carry on', async () => {
    const owner = await chat.user();
    const room = await chat.createRoom(owner);
    const { client: ownerClient } = await chat.member(room.id, owner);
    const token = await testIssuer.issue({ uid: 'u-short', nickName: 'Short' }, 1);
    const exp = decodeJwt(token).exp!;
    const short = await chat.connect({ ...owner, uid: 'u-short', token });
    await short.send('/chat/pub/join', { roomId: room.id });
    await short.subscribe(`/chat/topic/room/${room.id}`);

    await short.closed;
    const closedAt = Date.now();

    expect(short.errors.map((frame) => frame.headers.code)).toEqual(['token-expired']);
    expect(short.errors[0].headers.message).toMatch(/expired; sign in again/);
    expect(closedAt).toBeGreaterThanOrEqual((exp + toleranceSeconds) * 1000);
    // At the deadline, not up to a second after it: REST refuses the token from then on, and so must STOMP.
    expect(closedAt - (exp + toleranceSeconds) * 1000).toBeLessThan(300);
    expect(ownerClient.isClosed).toBe(false);
    await ownerClient.send('/chat/pub/send', {
      roomId: room.id,
      clientMessageId: 'after',
      content: 'still here',
    });
  });

  it('refuses a CONNECT with the expired token: reconnecting does not bring the session back', async () => {
    const token = await testIssuer.issue({ uid: 'u-gone', nickName: 'Gone' }, 1);
    const exp = decodeJwt(token).exp!;
    const first = await chat.connect({ ...(await chat.user()), uid: 'u-gone', token });
    await first.closed;
    expect(Date.now()).toBeGreaterThanOrEqual((exp + toleranceSeconds) * 1000);
    await expect(chat.connect({ ...(await chat.user()), uid: 'u-gone', token })).rejects.toThrow(
      /unauthorized: access token expired/,
    );
  });
});
