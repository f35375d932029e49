import { afterEach, describe, expect, it } from 'vitest';
import { expectEventually } from '@playlist-chat/platform/testing';
import { TestBackend } from './support/backend';
import { startTestGateway, type TestGateway } from './support/gateway';

const cleanups: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

async function gateway(): Promise<TestGateway> {
  const started = await startTestGateway();
  cleanups.push(() => started.stop());
  return started;
}

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

  it('puts the same headers on proxied answers', async () => {
    const on = await gateway();
    const chat = await TestBackend.start('chat-1', 'chat-server');
    cleanups.push(() => chat.stop());
    await chat.register(on.registry);
    const response = await expectEventually(async () => {
      const answer = await fetch(`${on.url}/v1/api/ping`);
      expect(answer.status).toBe(200);
      return answer;
    });
    expect(response.headers.get('x-content-type-options')).toBe('nosniff');
    expect(response.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
  });
});
