import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer, type TestUser } from './support/chat-server';
import { historyOf } from './support/http';
import type { RoomView } from './support/shapes';
import type { Inbox, TestStompClient } from './support/stomp-client';
import { upgradeStatus } from './support/upgrade';

/**
 * A STOMP COMMIT is refused whole (docs/api.md): what the chat would refuse before changing
 * anything is checked for every frame it holds before the first one runs, so no earlier line of
 * the transaction is stored or broadcast. And the upgrade's Origin cap under `*`.
 */
describe('STOMP transactions of /ws-chat', () => {
  let chat: TestChatServer;
  let owner: TestUser;
  let room: RoomView;
  let watcher: Inbox;
  let watcherClient: TestStompClient;

  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_ALLOWED_ORIGINS: '*' });
    owner = await chat.user();
    room = await chat.createRoom(owner);
    watcherClient = await chat.connect(owner);
    watcher = await watcherClient.subscribe(`/chat/topic/room/${room.id}`);
  });
  afterAll(() => chat.close());

  const line = (clientMessageId: string, content = 'a line of a refused COMMIT') =>
    JSON.stringify({ roomId: room.id, clientMessageId, content });

  /**
   * BEGIN, a good line, then what `second` adds, then COMMIT: resolves with the ERROR's code once
   * the server closed, after checking the good line was neither stored nor broadcast.
   */
  async function refusedCommit(
    name: string,
    second: (client: TestStompClient, transaction: string) => void,
  ): Promise<string | undefined> {
    const member = await chat.member(room.id);
    const tx = member.client.client.begin(`t-${name}`);
    member.client.client.publish({
      destination: '/chat/pub/send',
      headers: { transaction: tx.id },
      body: line(`first-${name}`),
    });
    second(member.client, tx.id);
    tx.commit();
    await member.client.closed;
    // A line sent after it arrives: had the first line been broadcast, it would have come before.
    await watcherClient.send('/chat/pub/send', line(`after-${name}`, 'later'));
    await expectEventually(() =>
      expect(watcher.bodies().map((m) => m.clientMessageId)).toContain(`after-${name}`),
    );
    expect(watcher.bodies().map((m) => m.clientMessageId)).not.toContain(`first-${name}`);
    const stored = (await historyOf(owner.api, room.id)).map((m) => m.clientMessageId);
    expect(stored).not.toContain(`first-${name}`);
    return member.client.errors[0]?.headers.code;
  }

  it('refuses it whole for a line over CHAT_MAX_CONTENT_LENGTH (counted in code points)', async () => {
    const code = await refusedCommit('too-long', (client, transaction) =>
      client.client.publish({
        destination: '/chat/pub/send',
        headers: { transaction },
        body: line('second-too-long', '🎵'.repeat(2001)),
      }),
    );
    expect(code).toBe('content-too-long');
  });

  it('refuses it whole for a room event in a room the sender is not a member of', async () => {
    const stranger = await chat.user();
    const elsewhere = await chat.createRoom(stranger);
    const code = await refusedCommit('not-member', (client, transaction) =>
      client.client.publish({
        destination: '/chat/pub/typing',
        headers: { transaction },
        body: JSON.stringify({ roomId: elsewhere.id }),
      }),
    );
    expect(code).toBe('not-a-member');
  });

  it('refuses it whole for a READ of a message that is not in the room', async () => {
    const code = await refusedCommit('read', (client, transaction) =>
      client.client.publish({
        destination: '/chat/pub/read',
        headers: { transaction },
        body: JSON.stringify({ roomId: room.id, messageId: '0'.repeat(26) }),
      }),
    );
    expect(code).toBe('invalid-payload');
  });

  it('refuses it whole for an ACK of no message awaiting acknowledgement', async () => {
    const code = await refusedCommit('ack', (client, transaction) =>
      client.client.ack('999999', 'no-such-subscription', { transaction }),
    );
    expect(code).toBe('unknown-ack-id');
  });

  it('still stores every line of a good COMMIT, in order', async () => {
    const { client } = await chat.member(room.id);
    const tx = client.client.begin('good');
    for (const id of ['good-1', 'good-2'])
      client.client.publish({
        destination: '/chat/pub/send',
        headers: { transaction: tx.id },
        body: line(id),
      });
    client.client.publish({
      destination: '/chat/pub/typing',
      headers: { transaction: tx.id },
      body: JSON.stringify({ roomId: room.id }),
    });
    tx.commit();
    await client.send('/chat/pub/typing', { roomId: room.id }); // its RECEIPT comes after the COMMIT's work
    const stored = (await historyOf(owner.api, room.id)).map((m) => m.clientMessageId);
    expect(stored.filter((id) => id?.startsWith('good-'))).toEqual(['good-1', 'good-2']);
    expect(client.isClosed).toBe(false);
  });
});

describe('the Origin cap under CHAT_ALLOWED_ORIGINS=*', () => {
  let chat: TestChatServer;
  beforeAll(async () => {
    chat = await TestChatServer.start({ CHAT_ALLOWED_ORIGINS: '*' });
  });
  afterAll(() => chat.close());

  it('refuses an Origin longer than 256 characters, and takes any shorter one', async () => {
    expect(await upgradeStatus(chat.wsUrl, { Origin: `https://${'a'.repeat(300)}.example` })).toBe(403);
    expect(await upgradeStatus(chat.wsUrl, { Origin: `https://${'a'.repeat(240)}.example` })).toBe(0);
  });
});
