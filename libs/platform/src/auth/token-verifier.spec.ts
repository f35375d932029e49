import { afterEach, describe, expect, it, vi } from 'vitest';
import type { AuthKeys } from './auth-keys';
import { TokenIssuer } from './token-issuer';
import { TokenVerifier } from './token-verifier';

const keys: AuthKeys = {
  hmacSecret: new TextEncoder().encode('a-secret-long-enough-for-hs256-tokens!'),
  rsaPublicKey: null,
  issuer: null,
  clockToleranceSeconds: 5,
};
const issuer = new TokenIssuer(keys);
const issue = (uid: string, ttlSeconds = 60, scopes?: string[]) =>
  issuer.issue({ uid, nickName: `${uid} nick`, scopes }, ttlSeconds);

/** Same token again: answered from the verified-token cache, with every answer the first one gave. */
describe('TokenVerifier, verified tokens remembered', () => {
  afterEach(() => vi.useRealTimers());

  it('answers a token it verified before with the same identity', async () => {
    const verifier = new TokenVerifier(keys);
    const token = await issue('ann', 60, ['rooms:admin']);
    const first = await verifier.verify(token);
    const again = await verifier.verify(token);
    expect(again).toEqual({ uid: 'ann', nickName: 'ann nick', profileImage: null, scopes: ['rooms:admin'] });
    expect(again).toBe(first);
    expect(Object.isFrozen(again) && Object.isFrozen(again.scopes)).toBe(true);
  });

  it('still refuses a remembered token once it expired (exp checked on every use, with the tolerance)', async () => {
    vi.useFakeTimers({ toFake: ['Date'] });
    vi.setSystemTime(new Date('2030-01-01T00:00:00Z'));
    const verifier = new TokenVerifier(keys);
    const token = await issue('ben', 10);
    await verifier.verify(token);
    vi.setSystemTime(new Date('2030-01-01T00:00:14Z')); // exp + 4 s: within the 5 s tolerance
    await expect(verifier.verify(token)).resolves.toMatchObject({ uid: 'ben' });
    vi.setSystemTime(new Date('2030-01-01T00:00:15Z')); // exp + 5 s: expired, as jose decides
    await expect(verifier.verify(token)).rejects.toThrow('access token expired');
    await expect(verifier.verify(token)).rejects.toThrow('access token expired');
  });

  it('refuses a token that differs from a remembered one only in its signature', async () => {
    const verifier = new TokenVerifier(keys);
    const token = await issue('cat');
    await verifier.verify(token);
    const forged = `${token.slice(0, token.lastIndexOf('.') + 1)}${'A'.repeat(43)}`;
    await expect(verifier.verify(forged)).rejects.toThrow('access token signature is invalid');
  });

  it('keeps at most its size, evicting the least recently used, and a forgotten token still verifies', async () => {
    const verifier = new TokenVerifier(keys, 2);
    const [a, b, c] = await Promise.all([issue('a'), issue('b'), issue('c')]);
    await verifier.verify(a);
    await verifier.verify(b);
    await verifier.verify(a); // a is now the most recently used
    await verifier.verify(c); // evicts b
    const remembered = (verifier as unknown as { remembered: Map<string, unknown> }).remembered;
    expect([...remembered.keys()]).toEqual([a, c]);
    await expect(verifier.verify(b)).resolves.toMatchObject({ uid: 'b' });
  });
});
