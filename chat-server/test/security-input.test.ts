import { SignJWT } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSettings } from '@playlist-chat/platform';
import { chatSettings } from '../src/config/chat.settings';
import { TestChatServer, TEST_SECRET } from './support/chat-server';
import { StompErrorFrame } from './support/stomp-client';
import { samplePlaylist } from './support/playlist';
import { fieldsOf, type ErrorBody } from './support/shapes';

const secret = new TextEncoder().encode(TEST_SECRET);
const now = () => Math.floor(Date.now() / 1000);

/** A token signed with the server's secret, with exactly the claims given. */
async function tokenWith(claims: Record<string, unknown>, expiresIn: number | null = 3600): Promise<string> {
  const jwt = new SignJWT(claims).setProtectedHeader({ alg: 'HS256' }).setIssuedAt();
  if (expiresIn !== null) jwt.setExpirationTime(now() + expiresIn);
  return jwt.sign(secret);
}

describe('what the chat server refuses to take in', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start();
  });
  afterAll(() => chat.close());

  describe('access tokens', () => {
    it.each([
      ['without exp', { sub: 'u-noexp' }, null, /claim "exp"/],
      ['valid for a year', { sub: 'u-year' }, 365 * 24 * 3600, /valid for longer than 604800 seconds/],
      ['with a numeric sub', { sub: 42 }, 3600, /"sub" claim/],
      [
        'with a 5 KB sub holding NUL and newlines',
        { sub: `a\u0000b\n${'x'.repeat(5000)}` },
        3600,
        /"sub" claim/,
      ],
      [
        'with a javascript: picture',
        { sub: 'u-pic', picture: 'javascript:alert(1)' },
        3600,
        /"picture" claim/,
      ],
      [
        'with a bidi override in its name',
        { sub: 'u-name', name: 'evil\u202Etxt.exe' },
        3600,
        /"name" claim/,
      ],
      // Stored as UTF-8, a lone surrogate would come back as U+FFFD: the name shown would not be the one signed.
      [
        'with an unpaired surrogate in its name',
        { sub: 'u-half', name: 'a\ud800' },
        3600,
        /"name" claim must be well-formed Unicode/,
      ],
      [
        'with an unpaired surrogate in its picture URL',
        { sub: 'u-half-pic', picture: 'https://img.example.com/\udc00.png' },
        3600,
        /"picture" claim must be well-formed Unicode/,
      ],
      [
        'with a name of 65 characters (emoji, 130 UTF-16 units)',
        { sub: 'u-long', name: '😀'.repeat(65) },
        3600,
        /"name" claim must be text of at most 64 characters/,
      ],
    ])('refuses a token %s with 401 naming the claim', async (_what, claims, expiresIn, reason) => {
      const token = await tokenWith(claims, expiresIn);
      const response = await chat.anonymous.as(token).get<ErrorBody>('/v1/api/rooms/joined');
      expect(response.status).toBe(401);
      expect(response.body.message).toMatch(reason);
    });

    it('still takes a well-formed token', async () => {
      const token = await tokenWith({ sub: 'u-fine', name: 'Ann', picture: 'https://img.example.com/a.png' });
      expect((await chat.anonymous.as(token).get('/v1/api/rooms/joined')).status).toBe(200);
    });
  });

  describe('names', () => {
    it.each([
      ['a NUL', 'Ann\u0000'],
      ['a right-to-left override', 'Ann\u202Egnp.exe'],
      ['a newline', 'Ann\nAdmin'],
    ])('refuses a dev-token nickname holding %s with 400 naming nickName', async (_what, nickName) => {
      const response = await chat.anonymous.post('/v1/api/auth/dev-token', { uid: 'u-x', nickName });
      expect(response.status).toBe(400);
      expect(fieldsOf(response.body)).toEqual(['nickName']);
    });

    const unsafeNames = [
      ['a zero-width space inside', 'adm\u200Bin', 'must not contain invisible characters (U+200B)'],
      ['only a zero-width space', '\u200B', 'must not contain invisible characters (U+200B)'],
      ['only a space', ' ', 'must not be blank'],
      ['a line separator', 'Bob\u2028{"level":50}', 'must not contain line or paragraph separators (U+2028)'],
      ['a paragraph separator', 'Bob\u2029', 'must not contain line or paragraph separators (U+2029)'],
      ['a right-to-left isolate', 'Ann\u2067x', 'must not contain bidirectional controls (U+2067)'],
    ] as const;

    it.each(unsafeNames)(
      'refuses a dev-token nickname holding %s with 400 naming nickName and why',
      async (_what, nickName, reason) => {
        const response = await chat.anonymous.post<ErrorBody>('/v1/api/auth/dev-token', {
          uid: 'u-x',
          nickName,
        });
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([{ field: 'nickName', reason: `nickName ${reason}` }]);
      },
    );

    it.each([
      [
        'the playlist name',
        { name: 'a\nb' },
        'playlist.name',
        'must not contain control characters (U+000A)',
      ],
      [
        'the playlist name',
        { name: 'a\u202Eb' },
        'playlist.name',
        'must not contain bidirectional controls (U+202E)',
      ],
      [
        'the playlist name',
        { name: '\u200B ' },
        'playlist.name',
        'must not contain invisible characters (U+200B)',
      ],
      [
        'a title',
        { title: 'So\nWhat' },
        'playlist.musics.0.title',
        'must not contain control characters (U+000A)',
      ],
      ['a title', { title: ' ' }, 'playlist.musics.0.title', 'must not be blank'],
      [
        'an artist',
        { artist: 'Miles\u202EDavis' },
        'playlist.musics.0.artist',
        'must not contain bidirectional controls (U+202E)',
      ],
      [
        'an artist',
        { artist: 'Mi\u200Dles' },
        'playlist.musics.0.artist',
        'must not contain invisible characters (U+200D)',
      ],
    ] as const)(
      'refuses %s shown to others when unsafe (%j) with 400 naming the field',
      async (_what, change, field, reason) => {
        const owner = await chat.user();
        const playlist = samplePlaylist();
        const { name, ...track } = change as { name?: string; title?: string; artist?: string };
        const response = await owner.api.post<ErrorBody>('/v1/api/rooms/create', {
          uid: owner.uid,
          userName: 'Owner',
          playlist: {
            ...playlist,
            name: name ?? playlist.name,
            musics: [{ ...playlist.musics[0], ...track }],
          },
        });
        expect(response.status).toBe(400);
        expect(response.body.errors).toEqual([{ field, reason: `${field.split('.').pop()} ${reason}` }]);
      },
    );

    it('takes names in any script, with accents, emoji (their joiners included) and an empty artist', async () => {
      const owner = await chat.user();
      const playlist = samplePlaylist({ name: 'Café 日本語 👩‍💻 🏴󠁧󠁢󠁳󠁣󠁴󠁿 ❤️' });
      const response = await owner.api.post('/v1/api/rooms/create', {
        uid: owner.uid,
        userName: 'Zoë 👨‍👩‍👧',
        playlist: { ...playlist, musics: [{ ...playlist.musics[0], title: 'مرحبا', artist: '' }] },
      });
      expect(response.status).toBe(201);
      const issued = await chat.anonymous.post('/v1/api/auth/dev-token', {
        uid: 'u-emoji',
        nickName: 'Ann 👩🏽‍🚀',
      });
      expect(issued.status).toBe(200);
    });

    it('takes a token whose name is 64 characters counted as a nickname is (emoji are one each), as dev-token issues it', async () => {
      const nickName = '😀'.repeat(64);
      const issued = await chat.anonymous.post<{ accessToken: string }>('/v1/api/auth/dev-token', {
        uid: 'u-emoji-64',
        nickName,
      });
      expect(issued.status).toBe(200);
      const signed = await tokenWith({ sub: 'u-emoji-64b', name: nickName });
      for (const token of [issued.body.accessToken, signed])
        expect((await chat.anonymous.as(token).get('/v1/api/rooms/joined')).status).toBe(200);
    });

    it("refuses a token whose name is invisible: the same rule as a nickname's", async () => {
      const token = await tokenWith({ sub: 'u-zw', name: 'adm\u200Bin' });
      const response = await chat.anonymous.as(token).get<ErrorBody>('/v1/api/rooms/joined');
      expect(response.status).toBe(401);
      expect(response.body.message).toContain('"name" claim must not contain invisible characters (U+200B)');
    });

    it.each([
      ['a NUL', 'pl\u0000x'],
      ['a newline', 'pl\n1'],
      ['a space at its start', ' pl-1'],
      ['a space at its end', 'pl-1 '],
      ['only spaces', '   '],
      ['129 characters', 'p'.repeat(129)],
    ])(
      'refuses a playlist id holding %s with 400 naming playlist.id, and opens nothing',
      async (_what, id) => {
        const owner = await chat.user();
        const response = await owner.api.post('/v1/api/rooms/create', {
          uid: owner.uid,
          userName: owner.nickName,
          playlist: samplePlaylist({ id }),
        });
        expect(response.status).toBe(400);
        expect(fieldsOf(response.body)).toEqual(['playlist.id']);
        expect((await owner.api.get('/v1/api/rooms/joined')).body).toEqual([]);
      },
    );

    it('takes a playlist id with spaces inside, in any script, up to 128 characters (emoji count one)', async () => {
      for (const id of ['My Playlist 1', 'プレイリスト-1', '😀'.repeat(128)]) {
        const owner = await chat.user();
        const response = await owner.api.post('/v1/api/rooms/create', {
          uid: owner.uid,
          userName: owner.nickName,
          playlist: samplePlaylist({ id }),
        });
        expect(response.status, id).toBe(201);
      }
    });

    it("refuses a room owner's name holding a control character with 400 naming userName", async () => {
      const owner = await chat.user();
      const response = await owner.api.post('/v1/api/rooms/create', {
        uid: owner.uid,
        userName: 'Owner\u0007',
        playlist: samplePlaylist(),
      });
      expect(response.status).toBe(400);
      expect(fieldsOf(response.body)).toEqual(['userName']);
    });
  });

  describe('dev tokens', () => {
    it('carry no scope unless AUTH_DEV_TOKEN_SCOPES allows it: 400 naming scope', async () => {
      const response = await chat.anonymous.post('/v1/api/auth/dev-token', {
        uid: 'u-admin',
        nickName: 'Admin',
        scope: 'rooms:admin',
      });
      expect(response.status).toBe(400);
      expect(fieldsOf(response.body)).toEqual(['scope']);
    });

    it('make every service listen on loopback by default while they are on', () => {
      expect(loadSettings(chatSettings, {}).host).toBe('127.0.0.1');
      expect(loadSettings(chatSettings, { AUTH_DEV_TOKENS: 'false' }).host).toBe('0.0.0.0');
      expect(loadSettings(chatSettings, { AUTH_DEV_TOKENS: 'true', CHAT_HOST: '0.0.0.0' }).host).toBe(
        '0.0.0.0',
      );
    });
  });

  describe('request bodies', () => {
    it('refuses a body nested 50,000 levels deep with 400, and keeps serving', async () => {
      const owner = await chat.user();
      const deep = `${'['.repeat(50_000)}${']'.repeat(50_000)}`;
      const response = await fetch(`${chat.url}/v1/api/rooms/create`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
        body: `{"uid":"${owner.uid}","userName":"Ann","playlist":${deep}}`,
      });
      expect(response.status).toBe(400);
      expect(((await response.json()) as ErrorBody).code).toBe('invalid-payload');
      expect((await owner.api.get('/v1/api/rooms/joined')).status).toBe(200);
    });

    it('refuses __proto__ and constructor keys in a body or a query with 400 naming them, and creates nothing', async () => {
      const owner = await chat.user();
      const playlist = JSON.stringify(samplePlaylist());
      const bodies: [string, string][] = [
        [
          `{"uid":"${owner.uid}","userName":"Ann","playlist":${playlist},"__proto__":{"admin":true}}`,
          '__proto__',
        ],
        [
          `{"uid":"${owner.uid}","userName":"Ann","playlist":${playlist.replace('{', '{"constructor":{"name":"x"},')}}`,
          'playlist.constructor',
        ],
      ];
      for (const [body, field] of bodies) {
        const response = await fetch(`${chat.url}/v1/api/rooms/create`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${owner.token}` },
          body,
        });
        expect(response.status).toBe(400);
        expect(((await response.json()) as ErrorBody).errors).toEqual([
          { field, reason: `property ${field.split('.').pop()} should not exist` },
        ]);
      }
      const listed = await owner.api.get<unknown[]>('/v1/api/rooms/joined?__proto__=1');
      expect(listed.status).toBe(400);
      expect(fieldsOf(listed.body)).toEqual(['__proto__']);
      const joined = await owner.api.get<unknown[]>('/v1/api/rooms/joined');
      expect(joined.status).toBe(200);
      expect(joined.body).toEqual([]);
    });
  });
});

describe('personal destinations', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start();
  });
  afterAll(() => chat.close());

  it.each(['/user/queue/event', '/user/u-other/queue/events', '/user/queue/events/../..'])(
    'refuses a SUBSCRIBE to %s with unknown-destination: only /user/queue/events exists',
    async (destination) => {
      const client = await chat.connect(await chat.user());
      const refused = await client.subscribe(destination).then(
        () => undefined,
        (error: unknown) => error,
      );
      expect(refused).toBeInstanceOf(StompErrorFrame);
      expect((refused as StompErrorFrame).code).toBe('unknown-destination');
    },
  );

  it('takes a SUBSCRIBE to /user/queue/events', async () => {
    const client = await chat.connect(await chat.user());
    await expect(client.subscribe('/user/queue/events')).resolves.toBeDefined();
  });
});
