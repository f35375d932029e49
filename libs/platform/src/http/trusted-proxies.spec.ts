import { describe, expect, it } from 'vitest';
import { TrustedProxies, trustedProxyProblem } from './trusted-proxies';

describe('TrustedProxies', () => {
  const proxies = new TrustedProxies(['10.0.0.0/8', '127.0.0.1', '::1']);

  it('trusts listed addresses and ranges, IPv4-mapped ones too, and nothing else', () => {
    expect(proxies.trusts('10.1.2.3')).toBe(true);
    expect(proxies.trusts('::ffff:127.0.0.1')).toBe(true);
    expect(proxies.trusts('::1')).toBe(true);
    expect(proxies.trusts('11.0.0.1')).toBe(false);
    expect(proxies.trusts('not an address')).toBe(false);
    expect(new TrustedProxies([]).trusts('127.0.0.1')).toBe(false);
  });

  it('takes the right-most hop that is not a trusted proxy', () => {
    expect(proxies.clientAddress('127.0.0.1', '6.6.6.6, 198.51.100.7, 10.0.0.5')).toBe('198.51.100.7');
    expect(proxies.clientAddress('127.0.0.1', '10.0.0.9')).toBe('10.0.0.9'); // all trusted: the left-most
  });

  it('ignores X-Forwarded-For from a peer it does not trust, and stops at garbage', () => {
    expect(proxies.clientAddress('203.0.113.1', '6.6.6.6')).toBe('203.0.113.1');
    expect(proxies.clientAddress('127.0.0.1', '6.6.6.6, junk')).toBe('127.0.0.1');
  });

  it('names what is wrong with a configured entry', () => {
    expect(trustedProxyProblem('10.0.0.0/8')).toBeUndefined();
    expect(trustedProxyProblem('10.0.0.0/33')).toBe('has a prefix length outside 0..32');
    expect(trustedProxyProblem('gateway')).toBe('is not an IP address or CIDR range');
  });
});
