import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { TokenIssuer } from '@playlist-chat/platform';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestChatServer, TEST_SECRET } from './support/chat-server';
import { fieldsOf, type ErrorBody } from './support/shapes';
import { StompErrorFrame, TestStompClient } from './support/stomp-client';
import { upgradeStatus } from './support/upgrade';

const forgedIssuer = new TokenIssuer({
  hmacSecret: new TextEncoder().encode('another-secret-another-secret-another!'),
  rsaPublicKey: null,
  issuer: null,
  clockToleranceSeconds: 0,
});

async function expiredToken(uid: string): Promise<string> {
  const past = Math.floor(Date.now() / 1000) - 3600;
  return new SignJWT({ name: 'Old' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(uid)
    .setIssuedAt(past - 60)
    .setExpirationTime(past)
    .sign(new TextEncoder().encode(TEST_SECRET));
}

describe('identity and admission', () => {
  let chat: TestChatServer;

  beforeAll(async () => {
    chat = await TestChatServer.start({
      CHAT_ALLOWED_ORIGINS: 'https://chat.example.com, http://localhost:8080',
      CHAT_MAX_CONNECTIONS_PER_USER: '2',
      CHAT_MAX_CONNECTIONS_PER_ADDRESS: '6',
      CHAT_TRUSTED_PROXIES: '127.0.0.1,::1',
      AUTH_DEV_TOKEN_SCOPES: 'rooms:admin',
    });
  });
  afterAll(() => chat.close());

  it('hands out dev tokens that work on REST and STOMP, with nickname, picture and scope', async () => {
    const issued = await chat.anonymous.post<{ accessToken: string }>('/v1/api/auth/dev-token', {
      uid: 'dev-1',
      nickName: 'Dev',
      profileImage: 'https://img.example.com/dev.png',
      scope: 'rooms:admin',
    });
    expect(issued.status).toBe(200);
    const token = issued.body.accessToken;
    expect((await chat.anonymous.as(token).get('/v1/api/rooms/')).status).toBe(200);
    const client = await TestStompClient.connect(chat.wsUrl, token);
    await client.disconnect();
    const bad = await chat.anonymous.post('/v1/api/auth/dev-token', { uid: '', nickName: 7 });
    expect(bad.status).toBe(400);
    expect(new Set(fieldsOf(bad.body))).toEqual(new Set(['nickName', 'uid']));
  });

  it('refuses REST calls with a missing, expired or forged token: 401 with the reason', async () => {
    const user = await chat.user();
    const cases: [string | undefined, string][] = [
      [undefined, 'missing'],
      [await expiredToken(user.uid), 'expired'],
      [await forgedIssuer.issue({ uid: user.uid, nickName: 'Mallory' }, 3600), 'signature'],
      ['not.a.jwt', 'malformed'],
    ];
    for (const [token, reason] of cases) {
      const response = await chat.anonymous.as(token).get<ErrorBody>('/v1/api/rooms/joined');
      expect(response.status).toBe(401);
      expect(response.body.message).toContain(reason);
    }
    const wrongScheme = await fetch(`${chat.url}/v1/api/rooms/joined`, {
      headers: { authorization: `Basic ${user.token}` },
    });
    expect(wrongScheme.status).toBe(401);
    expect((await user.api.get('/v1/api/rooms/joined')).status).toBe(200);
  });

  it('refuses CONNECT with a missing, expired or forged token: ERROR unauthorized', async () => {
    const user = await chat.user();
    for (const token of [
      undefined,
      await expiredToken(user.uid),
      await forgedIssuer.issue({ uid: user.uid, nickName: 'M' }, 3600),
    ]) {
      const error = await TestStompClient.connect(chat.wsUrl, token).then(
        () => undefined,
        (caught: unknown) => caught,
      );
      expect(error).toBeInstanceOf(StompErrorFrame);
      expect((error as StompErrorFrame).code).toBe('unauthorized');
    }
    // Clients that cannot set headers put the token in passcode.
    const viaPasscode = await TestStompClient.connect(chat.wsUrl, undefined, {
      connectHeaders: { login: user.uid, passcode: user.token },
    });
    await viaPasscode.disconnect();
  });

  it('checks the Origin of browser upgrades against the allow-list', async () => {
    expect(await upgradeStatus(chat.wsUrl, { Origin: 'https://evil.example.com' })).toBe(403);
    expect(await upgradeStatus(chat.wsUrl, { Origin: 'https://chat.example.com' })).toBe(0);
    expect(await upgradeStatus(chat.wsUrl, { Origin: 'http://localhost:8080/' })).toBe(0);
    expect(await upgradeStatus(chat.wsUrl)).toBe(0);
  });

  it('caps connections per user: the one over the cap gets ERROR too-many-connections', async () => {
    const user = await chat.user();
    const first = await chat.connect(user);
    const second = await chat.connect(user);
    const third = await TestStompClient.connect(chat.wsUrl, user.token).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    expect((third as StompErrorFrame).code).toBe('too-many-connections');
    await first.disconnect();
    const replacement = await chat.connect(user);
    expect(replacement.isClosed).toBe(false);
    await second.disconnect();
    await replacement.disconnect();
  });

  it('caps connections per client address, taking it from the X-Real-IP a trusted gateway sets', async () => {
    const address = { 'X-Real-IP': '198.51.100.7' };
    const clients: TestStompClient[] = [];
    for (let index = 0; index < 6; index++)
      clients.push(
        await TestStompClient.connect(chat.wsUrl, (await chat.user()).token, { wsHeaders: address }),
      );
    expect(await upgradeStatus(chat.wsUrl, address)).toBe(403);
    expect(await upgradeStatus(chat.wsUrl, { 'X-Real-IP': '198.51.100.8' })).toBe(0);
    await clients[0].disconnect();
    await expectEventually(async () => expect(await upgradeStatus(chat.wsUrl, address)).toBe(0));
    await Promise.all(clients.map((client) => client.disconnect()));
  });
});

describe('dev tokens switched off', () => {
  it('has no dev-token endpoint', async () => {
    const chat = await TestChatServer.start({ AUTH_DEV_TOKENS: 'false' });
    try {
      expect((await chat.anonymous.post('/v1/api/auth/dev-token', { uid: 'x', nickName: 'x' })).status).toBe(
        404,
      );
    } finally {
      await chat.close();
    }
  });
});

describe('RS256 tokens from an identity provider', () => {
  it('accepts tokens signed with the private half of AUTH_JWT_PUBLIC_KEY (PEM on one line with \\n), and refuses others', async () => {
    const { publicKey, privateKey } = await generateKeyPair('RS256');
    const other = await generateKeyPair('RS256');
    const pem = (await exportSPKI(publicKey)).trim().replace(/\n/g, '\\n');
    const chat = await TestChatServer.start({
      AUTH_JWT_PUBLIC_KEY: pem,
      AUTH_JWT_ISSUER: 'https://id.example.com',
    });
    try {
      const sign = (key: CryptoKey, issuer = 'https://id.example.com') =>
        new SignJWT({ name: 'Rita', scope: 'rooms:admin' })
          .setProtectedHeader({ alg: 'RS256' })
          .setSubject('rita')
          .setIssuer(issuer)
          .setExpirationTime('5m')
          .sign(key);
      expect((await chat.anonymous.as(await sign(privateKey)).get('/v1/api/rooms/')).status).toBe(200);
      const client = await TestStompClient.connect(chat.wsUrl, await sign(privateKey));
      await client.disconnect();
      const forged = await chat.anonymous.as(await sign(other.privateKey)).get<ErrorBody>('/v1/api/rooms/');
      expect(forged).toMatchObject({ status: 401, body: { message: 'access token signature is invalid' } });
      const wrongIssuer = await chat.anonymous
        .as(await sign(privateKey, 'https://evil.example.com'))
        .get<ErrorBody>('/v1/api/rooms/');
      expect(wrongIssuer.status).toBe(401);
      expect(wrongIssuer.body.message).toContain('iss');
    } finally {
      await chat.close();
    }
  });
});
