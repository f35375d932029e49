import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { advertisedHost } from './serve-and-register';

describe('advertisedHost', () => {
  it('keeps a configured host, and picks a real IPv4 address for auto', () => {
    expect(advertisedHost('chat-1.internal')).toBe('chat-1.internal');
    const auto = advertisedHost('auto');
    expect(isIP(auto)).toBe(4);
  });
});
