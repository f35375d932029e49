import { afterEach, describe, expect, it } from 'vitest';
import { expectEventually, freePort } from '@playlist-chat/platform/testing';
import { freshDataDir, TestChatServer } from './support/chat-server';
import { samplePlaylist } from './support/playlist';
import { FakeSearchService } from './support/search-service';
import type { RoomView } from './support/shapes';

const FAST_RETRY = {
  SEARCH_OUTBOX_INTERVAL_MS: '20',
  SEARCH_RETRY_BASE_MS: '20',
  SEARCH_RETRY_MAX_MS: '100',
  SEARCH_TIMEOUT_MS: '1000',
};

describe('room index requests through the outbox', () => {
  const cleanup: (() => Promise<void>)[] = [];
  afterEach(async () => {
    for (const step of cleanup.splice(0).reverse()) await step();
  });

  it('loses nothing and fails nothing while the search service is down, then delivers each room', async () => {
    const port = await freePort();
    const chat = await TestChatServer.start({ ...FAST_RETRY, SEARCH_URL: `http://127.0.0.1:${port}` });
    cleanup.push(() => chat.close());
    const owner = await chat.user();
    const playlists = [samplePlaylist(), samplePlaylist(), samplePlaylist()];

    // Nothing listens on the port: creation still succeeds.
    const rooms: RoomView[] = [];
    for (const playlist of playlists) rooms.push(await chat.createRoom(owner, playlist));

    // The service comes up but answers 503 for a while: still nothing lost.
    const search = new FakeSearchService();
    search.failing = true;
    await search.listen(port);
    cleanup.push(() => search.close());
    await expectEventually(() => expect(search.attemptsWhileFailing).toBeGreaterThanOrEqual(rooms.length));
    rooms.push(await chat.createRoom(owner));

    search.failing = false;
    await expectEventually(() =>
      expect(new Set(search.received.map((request) => request.roomId))).toEqual(
        new Set(rooms.map((room) => room.id)),
      ),
    );
    const first = search.received.find((request) => request.roomId === rooms[0].id);
    expect(first).toMatchObject({
      roomName: playlists[0].name,
      playlistId: playlists[0].id,
      playlistName: playlists[0].name,
      thumbnail: playlists[0].musics[0].thumbnail,
      createdAt: rooms[0].createdAt,
      musics: playlists[0].musics.map(({ title, artist }) => ({ title, artist })),
    });
    // Delivered requests leave the outbox: no more deliveries for them.
    const delivered = search.received.length;
    const later = await chat.createRoom(owner);
    await expectEventually(() =>
      expect(search.received.map((request) => request.roomId)).toContain(later.id),
    );
    expect(search.received.length).toBe(delivered + 1);
  });

  it('keeps requests queued without SEARCH_URL, across a restart, until one is set', async () => {
    const dataDir = freshDataDir();
    const offline = await TestChatServer.start({ ...FAST_RETRY, SEARCH_URL: '' }, { dataDir });
    const room = await offline.createRoom(await offline.user());
    await offline.close({ keepData: true });

    const search = new FakeSearchService();
    await search.listen(0);
    cleanup.push(() => search.close());
    const online = await TestChatServer.start(
      { ...FAST_RETRY, SEARCH_URL: `http://127.0.0.1:${search.port}` },
      { dataDir },
    );
    cleanup.push(() => online.close());
    await expectEventually(() => expect(search.received.map((request) => request.roomId)).toEqual([room.id]));
  });

  it('delivers each request once with two instances on one store, and the other takes over when the holder stops', async () => {
    const search = new FakeSearchService();
    await search.listen(0);
    cleanup.push(() => search.close());
    const env = {
      ...FAST_RETRY,
      SEARCH_OUTBOX_INTERVAL_MS: '10',
      CHAT_CREATE_RATE_LIMIT: '100',
      SEARCH_URL: `http://127.0.0.1:${search.port}`,
    };
    const first = await TestChatServer.start(env);
    const second = await first.startAnother(env);
    cleanup.push(() => first.close());
    cleanup.push(() => second.close());
    const owners = { first: await first.user(), second: await second.user() };

    const rooms: RoomView[] = [];
    for (let i = 0; i < 30; i++)
      rooms.push(await (i % 2 ? second.createRoom(owners.second) : first.createRoom(owners.first)));
    await expectEventually(() =>
      expect(new Set(search.received.map((request) => request.roomId)).size).toBe(rooms.length),
    );
    expect(search.received).toHaveLength(rooms.length); // each once, not once per instance

    // The holder stops (and releases the lease): the other instance delivers from now on.
    await first.server.close();
    const later = await second.createRoom(owners.second);
    await expectEventually(() =>
      expect(search.received.map((request) => request.roomId)).toContain(later.id),
    );
    expect(search.received).toHaveLength(rooms.length + 1);
  });
});
