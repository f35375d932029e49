import { existsSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { exportSPKI, generateKeyPair, SignJWT, type CryptoKey } from 'jose';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { freshDataDir, TestChatServer } from './support/chat-server';

const now = () => Math.floor(Date.now() / 1000);
let privateKey: CryptoKey;
let pem: string;
beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  privateKey = pair.privateKey;
  pem = await exportSPKI(pair.publicKey);
});

const rs256 = (sub: string) =>
  new SignJWT({ name: 'Idp User' })
    .setProtectedHeader({ alg: 'RS256' })
    .setSubject(sub)
    .setExpirationTime(now() + 600)
    .sign(privateKey);

const hs256 = (sub: string, secret: string) =>
  new SignJWT({ name: 'Forged' })
    .setProtectedHeader({ alg: 'HS256' })
    .setSubject(sub)
    .setExpirationTime(now() + 600)
    .sign(new TextEncoder().encode(secret));

const servers: TestChatServer[] = [];
afterEach(async () => {
  for (const server of servers.splice(0)) await server.close();
});

/** A single node whose tokens come from an identity provider (RS256), with no AUTH_JWT_SECRET. */
async function singleNode(env: Record<string, string>, dataDir = freshDataDir()): Promise<TestChatServer> {
  const server = await TestChatServer.start(
    { DEPLOYMENT_MODE: 'single', AUTH_JWT_SECRET: '', AUTH_JWT_PUBLIC_KEY: pem, ...env },
    { dataDir },
  );
  servers.push(server);
  return server;
}

describe('HS256 in a single node with an RS256 key', () => {
  it('generates no secret and refuses HS256 tokens, even signed with a secret an earlier run left behind', async () => {
    const dataDir = freshDataDir();
    const leftOver = 'a-secret-generated-by-an-earlier-run-with-dev-tokens-0123456789';
    writeFileSync(join(dataDir, 'auth-secret'), leftOver);
    const chat = await singleNode({ AUTH_DEV_TOKENS: 'false' }, dataDir);

    const forged = await chat.anonymous.as(await hs256('r1', leftOver)).get('/v1/api/rooms/joined');
    expect(forged.status).toBe(401);
    expect(JSON.stringify(forged.body)).toContain('algorithm is not accepted');
    expect((await chat.anonymous.as(await rs256('r1')).get('/v1/api/rooms/joined')).status).toBe(200);

    const fresh = await singleNode({ AUTH_DEV_TOKENS: 'false' });
    expect(existsSync(join(fresh.dataDir, 'auth-secret'))).toBe(false);
  });

  it('keeps the generated secret while dev tokens are on: dev tokens and RS256 tokens both work', async () => {
    const chat = await singleNode({ AUTH_DEV_TOKENS: 'true' });
    const issued = await chat.anonymous.post<{ accessToken: string }>('/v1/api/auth/dev-token', {
      uid: 'dev-1',
      nickName: 'Dev',
    });
    expect(issued.status).toBe(200);
    expect((await chat.anonymous.as(issued.body.accessToken).get('/v1/api/rooms/joined')).status).toBe(200);
    expect((await chat.anonymous.as(await rs256('r2')).get('/v1/api/rooms/joined')).status).toBe(200);
    expect(existsSync(join(chat.dataDir, 'auth-secret'))).toBe(true);
  });
});

describe('the data folder a single node creates', () => {
  it('is this user’s only (0700), like the secret and the database in it', async () => {
    const dataDir = join(freshDataDir(), 'new-folder');
    const chat = await singleNode({ AUTH_DEV_TOKENS: 'true' }, dataDir);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(statSync(join(chat.dataDir, 'auth-secret')).mode & 0o777).toBe(0o600);
  });
});
