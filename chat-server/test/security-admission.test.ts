import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type WebSocket from 'ws';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer } from './support/chat-server';
import { upgrade, upgradeStatus } from './support/upgrade';

/** Who gets a socket on /ws-chat: the checks made at the upgrade, before any token is read. */
describe('admission at the WebSocket upgrade', () => {
  let chat: TestChatServer;
  const open: WebSocket[] = [];

  beforeAll(async () => {
    chat = await TestChatServer.start({
      CHAT_ALLOWED_ORIGINS: 'https://chat.example.com',
      CHAT_MAX_CONNECTIONS_PER_ADDRESS: '2',
      CHAT_TRUSTED_PROXIES: '192.0.2.1', // the gateway's address: not the test client's
    });
  });
  afterEach(() => {
    for (const socket of open.splice(0)) socket.terminate();
  });
  afterAll(() => chat.close());

  async function held(headers: Record<string, string> = {}): Promise<WebSocket> {
    const socket = await upgrade(chat.wsUrl, headers);
    if (typeof socket === 'number') throw new Error(`upgrade refused with ${socket}`);
    open.push(socket);
    return socket;
  }

  it('refuses an Origin longer than 256 characters, even one that is an allowed Origin plus slashes', async () => {
    expect(await upgradeStatus(chat.wsUrl, { Origin: `https://chat.example.com${'/'.repeat(15_500)}` })).toBe(
      403,
    );
    expect(await upgradeStatus(chat.wsUrl, { Origin: 'https://chat.example.com//' })).toBe(0);
  });

  it('counts sockets that never send CONNECT against the per-address cap', async () => {
    await held();
    await held();
    expect(await upgradeStatus(chat.wsUrl)).toBe(403);
    for (const socket of open.splice(0)) socket.terminate();
    await expectEventually(async () => expect(await upgradeStatus(chat.wsUrl)).toBe(0));
  });

  it('ignores X-Forwarded-For and X-Real-IP from a peer that is not a trusted proxy', async () => {
    await held({ 'X-Forwarded-For': '198.51.100.1', 'X-Real-IP': '198.51.100.1' });
    await held({ 'X-Forwarded-For': '198.51.100.2', 'X-Real-IP': '198.51.100.2' });
    expect(
      await upgradeStatus(chat.wsUrl, { 'X-Forwarded-For': '198.51.100.3', 'X-Real-IP': '198.51.100.3' }),
    ).toBe(403);
  });
});
