import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Env } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { StompErrorFrame, TestStompClient } from '../../chat-server/test/support/stomp-client';
import type { SingleNode } from '../src/single-node';
import { startTestNode, testIssuer as issuer } from './support/test-node';
import { createRoom } from './support/rooms';

/**
 * The single node keeps rooms in SQLite and presence in memory, with each room's roster and the
 * "appear offline" choices saved beside them (presence.sqlite): after a restart every room must
 * still be known to presence, and who is on must come back as members connect again.
 */
describe('single node restarted on its data folder: presence still knows the rooms', () => {
  /** Each test's own data folder, and the node running on it (closed after the test). */
  let folder: string;
  let node: SingleNode | undefined;

  beforeEach(() => {
    folder = mkdtempSync(join(tmpdir(), 'presence-restart-'));
  });
  afterEach(async () => {
    await node?.close();
    node = undefined;
    rmSync(folder, { recursive: true, force: true });
  });

  /** Owner's and Bob's tokens. */
  const people = async () => ({
    owner: await issuer.issue({ uid: 'u-owner', nickName: 'Owner', profileImage: '' }, 3600),
    bob: await issuer.issue({ uid: 'u-bob', nickName: 'Bob', profileImage: '' }, 3600),
  });

  /** Starts the node on this test's folder with a room the owner opened; its id. */
  const nodeWithRoom = async (owner: string, env: Env = {}) => {
    node = await startTestNode(folder, env);
    const room = await createRoom(
      node.chat.url,
      owner,
      { uid: 'u-owner', userName: 'Owner' },
      { id: 'pl-restart', name: 'Restart' },
    );
    return room.id;
  };

  /** Stops the node and starts it again on the same folder. */
  const restart = async (env: Env = {}) => {
    await node?.close();
    node = await startTestNode(folder, env);
  };

  const presence = (path: string, token: string, init: RequestInit = {}) =>
    fetch(`${node!.presence.url}/api/v1/presence${path}`, {
      ...init,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    });

  const listed = async (roomId: string, state: 'on' | 'off', token: string) => {
    const response = await presence(`/${roomId}/${state}`, token);
    if (response.status !== 200) throw new Error(`GET ${state}: ${response.status}`);
    return ((await response.json()) as { members: { uid: string }[] }).members.map((member) => member.uid);
  };

  const joinAs = async (token: string, roomId: string) => {
    const client = await TestStompClient.connect(`${node!.chat.url.replace(/^http/, 'ws')}/ws-chat`, token);
    await client.send('/chat/pub/join', { roomId });
    return client;
  };

  it('every room is listed after the restart, everyone off, and a member joining again is on', async () => {
    const { owner, bob } = await people();
    const roomId = await nodeWithRoom(owner);
    const before = await joinAs(bob, roomId);
    await expectEventually(async () => expect(await listed(roomId, 'on', owner)).toEqual(['u-bob']));
    await before.disconnect();
    await restart();
    // Before anyone enters: the room is known, everyone off, and a member may choose already.
    expect(await listed(roomId, 'off', owner)).toEqual(['u-bob', 'u-owner']);
    expect(await listed(roomId, 'on', bob)).toEqual([]);
    const off = await presence('/off', owner, { method: 'PATCH', body: JSON.stringify({ roomId }) });
    expect(off.status).toBe(200);

    // Bob's client reconnects and joins again: he is a member already, so no join event goes out.
    const after = await joinAs(bob, roomId);
    await expectEventually(async () => expect(await listed(roomId, 'on', owner)).toEqual(['u-bob']));
    expect(await listed(roomId, 'off', owner)).toEqual(['u-owner']);
    await after.disconnect();
  });

  it('with PRESENCE_SAVE_STATE=false, presence forgets the rooms until someone enters one', async () => {
    const { owner } = await people();
    const env = { PRESENCE_SAVE_STATE: 'false' };
    const roomId = await nodeWithRoom(owner, env);
    expect(await listed(roomId, 'off', owner)).toEqual(['u-owner']);
    await restart(env);
    expect((await presence(`/${roomId}/off`, owner)).status).toBe(404);
    expect(existsSync(join(folder, 'presence.sqlite'))).toBe(false);
  });

  it('a member who chose to appear offline is still off after the restart, and still cannot send', async () => {
    const { owner, bob } = await people();
    const roomId = await nodeWithRoom(owner);
    const before = await joinAs(bob, roomId);
    const off = await presence('/off', bob, { method: 'PATCH', body: JSON.stringify({ roomId }) });
    expect(off.status).toBe(200);
    await before.disconnect();
    await restart();
    const after = await joinAs(bob, roomId);
    await expectEventually(async () =>
      expect(await listed(roomId, 'off', owner)).toEqual(['u-bob', 'u-owner']),
    );
    const refused = await after
      .send('/chat/pub/send', { roomId, clientMessageId: 'after-restart', content: 'psst' })
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(refused).toBeInstanceOf(StompErrorFrame);
    expect((refused as StompErrorFrame).code).toBe('presence-off');
    // Until Bob turns on again.
    expect((await presence('/on', bob, { method: 'PATCH', body: JSON.stringify({ roomId }) })).status).toBe(
      200,
    );
    await expectEventually(async () => expect(await listed(roomId, 'on', owner)).toEqual(['u-bob']));
    await after.disconnect();
  });
});
