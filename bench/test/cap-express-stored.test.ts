import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken, stopChild } from '../src/product-process';
import type { startCapServer as startCapServerType } from '../src/rest/bench';
import { seedChatData, type Seed } from '../src/rest/seed';

// The built bench: it spawns the built cap-server.js beside it.
// eslint-disable-next-line @typescript-eslint/no-require-imports
const { startCapServer } = require('../dist/rest/bench') as { startCapServer: typeof startCapServerType };

/**
 * `cap-express-stored`, the REST bench's measure of the `room` endpoint without Nest and the
 * platform, must do the endpoint's real work: check the token, read the room from the chat
 * server's store in the data folder, and answer the product's view of it. Seen from outside:
 * its HTTP answers on a seeded SQLite file.
 */
describe('cap-express-stored (REST bench cap)', () => {
  let dataDir: string;
  let seed: Seed;
  let server: Awaited<ReturnType<typeof startCapServerType>>;
  const get = (roomId: string, token: string) =>
    fetch(`${server.url}/v1/api/rooms/${roomId}`, { headers: { authorization: `Bearer ${token}` } });

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'bench-cap-stored-'));
    seed = await seedChatData(dataDir, { rooms: 4, messages: 8, roomsPerUser: 2, membersPerRoom: 2 });
    server = await startCapServer('cap-express-stored', dataDir);
  }, 60_000);
  afterAll(async () => {
    if (server) await stopChild(server.child);
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('answers a member with the stored room, its members and its playlist', async () => {
    const room = seed.rooms[0];
    const response = await get(room.id, mintToken(server.secret, room.members[0]));
    expect(response.status).toBe(200);
    const body = (await response.json()) as Record<string, unknown>;
    expect(body.id).toBe(room.id);
    expect(body.userCount).toBe(room.members.length);
    expect(Object.keys(body.users as object).sort()).toEqual([...room.members].sort());
    expect((body.playlist as { musics: unknown[] }).musics).toHaveLength(1);
    expect(body.nowPlaying).toBeDefined();
  });

  it('answers anyone else without the member list, as the product does', async () => {
    const room = seed.rooms[0];
    const stranger = seed.users.find((uid) => !room.members.includes(uid))!;
    const body = (await (await get(room.id, mintToken(server.secret, stranger))).json()) as Record<
      string,
      unknown
    >;
    expect(body.id).toBe(room.id);
    expect(body.userCount).toBe(room.members.length);
    expect(body.users).toEqual({});
  });

  it('refuses a token signed with another secret, and says when a room is unknown', async () => {
    const room = seed.rooms[0];
    expect((await get(room.id, mintToken('another secret', room.members[0]))).status).toBe(401);
    const unknown = '00000000-0000-4000-8000-000000000000';
    expect((await get(unknown, mintToken(server.secret, room.members[0]))).status).toBe(404);
  });
});
