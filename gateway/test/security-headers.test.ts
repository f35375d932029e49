import { describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { rawAnswer } from './support/raw-answer';
import { gatewaysPerTest } from './support/gateway';

const { gateway, backend } = gatewaysPerTest();

describe('security headers', () => {
  it('serves the web client with a CSP that forbids framing and foreign scripts, nosniff, and no X-Powered-By', async () => {
    const { url } = await gateway();
    const page = await fetch(`${url}/`);
    expect(page.status).toBe(200);
    const csp = page.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("object-src 'none'");
    expect(page.headers.get('x-content-type-options')).toBe('nosniff');
    expect(page.headers.get('x-powered-by')).toBeNull();
    for (const path of ['/docs', '/health/live']) {
      const response = await fetch(`${url}${path}`);
      expect(response.headers.get('x-powered-by')).toBeNull();
      expect(response.headers.get('content-security-policy')).toBe(csp);
    }
  });

  it('puts them on answers written straight to the socket: a refused upgrade, an oversized request', async () => {
    const { url } = await gateway();
    const csp = (await fetch(`${url}/`)).headers.get('content-security-policy');
    const { port } = new URL(url);
    const wrongPath = await rawAnswer(
      Number(port),
      'GET /not-ws HTTP/1.1\r\nHost: localhost\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n' +
        'Sec-WebSocket-Version: 13\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\n\r\n',
    );
    const oversized = await rawAnswer(
      Number(port),
      `GET /v1/api/rooms/joined HTTP/1.1\r\nHost: a\r\nX-Big: ${'a'.repeat(20_000)}\r\n\r\n`,
    );
    for (const [what, answer] of [
      ['refused upgrade', wrongPath],
      ['431', oversized],
    ] as const) {
      expect(answer, what).toMatch(/^HTTP\/1\.1 4\d\d /);
      expect(answer.toLowerCase(), what).toContain('x-content-type-options: nosniff');
      expect(answer, what).toContain(`${csp}`);
    }
  });

  it('puts the same headers on proxied answers', async () => {
    const on = await gateway();
    await backend('chat-1', 'chat-server', on);
    const response = await expectEventually(async () => {
      const answer = await fetch(`${on.url}/v1/api/ping`);
      expect(answer.status).toBe(200);
      return answer;
    });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
