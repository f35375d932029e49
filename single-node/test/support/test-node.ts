import { TokenIssuer, type Env } from '@playlist-chat/platform';
import { freePort } from '@playlist-chat/platform/testing';
import { startSingleNode, type SingleNode } from '../../src/single-node';

const SECRET = 'single-node-test-secret-long-enough-for-hs256';

/** Signs access tokens the nodes of `startTestNode` take. */
export const testIssuer = new TokenIssuer({
  hmacSecret: new TextEncoder().encode(SECRET),
  rsaPublicKey: null,
  issuer: null,
  clockToleranceSeconds: 0,
});

/** The whole product in this process on `dataDir`: a free gateway port, any chat and presence ports, quiet. */
export async function startTestNode(dataDir: string, overrides: Env = {}): Promise<SingleNode> {
  return startSingleNode(
    {
      GATEWAY_PORT: String(await freePort()),
      CHAT_PORT: '0',
      PRESENCE_PORT: '0',
      DATA_DIR: dataDir,
      AUTH_JWT_SECRET: SECRET,
      LOG_LEVEL: 'error',
      ...overrides,
    },
    { print: () => {} },
  );
}

/** An access token from the node's `POST /v1/api/auth/dev-token` at `url` (its gateway or chat port). */
export async function devToken(url: string, uid: string, nickName = uid): Promise<string> {
  const issued = await fetch(`${url}/v1/api/auth/dev-token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ uid, nickName }),
  });
  return ((await issued.json()) as { accessToken: string }).accessToken;
}
