import { expect } from 'vitest';

/**
 * Opens a room of one track as `owner` (who joins first) through `POST /v1/api/rooms/create` at
 * `baseUrl` (the gateway or a chat server); the test fails unless the answer is 201.
 */
export async function createRoom(
  baseUrl: string,
  token: string,
  owner: { uid: string; userName: string },
  playlist: { id: string; name: string },
): Promise<{ id: string }> {
  const created = await fetch(`${baseUrl}/v1/api/rooms/create`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
    body: JSON.stringify({
      ...owner,
      playlist: {
        ...playlist,
        musics: [
          { title: 'One', artist: 'Two', playtime: '3:00', thumbnail: 'https://img.example.com/1.jpg' },
        ],
      },
    }),
  });
  expect(created.status).toBe(201);
  return (await created.json()) as { id: string };
}
